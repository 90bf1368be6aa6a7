package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An operator's verdict on one anomaly event: a fact about the event, never an edit of it. Topic {@code verdicts},
 * compacted, keyed by the event id ({@link FrameRef#id()}), so the latest verdict on an event is the one that holds.
 *
 * @param verdict {@value #FALSE_ALARM} or {@value #CONFIRMED}
 * @param label what the anomaly was ("bearing-wear"): letters, digits, {@code . _ -} and spaces, at most 64
 * @param note free text for people, at most {@value #MAX_NOTE} characters
 * @param givenAt when (ISO-8601), set by whoever writes it
 * @param givenBy who (the API's "api", the CLI's user name)
 * @param source the source of the event's frame (its key), as the writer read it: how every replica finds the incident of
 *     an event that the incident does not list (it lists its first and newest events); null where it was not read
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record Verdict(int schemaVersion, String eventId, String verdict, String label, String note, String givenAt,
        String givenBy, String source) {

    public static final int SCHEMA_VERSION = 1;
    public static final String FALSE_ALARM = "false-alarm";
    public static final String CONFIRMED = "confirmed";
    public static final int MAX_NOTE = 1000;
    /** Longest {@code source} a verdict carries (the service's frame keys are at most 1,024 bytes by default). */
    public static final int MAX_SOURCE = 1024;
    private static final Set<String> VERDICTS = Set.of(FALSE_ALARM, CONFIRMED);
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,63}");
    /** A Kafka topic name ("." and ".." are none: in a URL path they would name another resource), partition, offset. */
    private static final Pattern EVENT_ID = Pattern.compile("(?!\\.\\.?/)[A-Za-z0-9._-]{1,249}/\\d{1,9}/\\d{1,19}");

    /** Whether {@code id} is an event id: {@code TOPIC/PARTITION/OFFSET} with a topic Kafka allows. */
    public static boolean eventId(String id) {
        return id != null && EVENT_ID.matcher(id).matches();
    }

    /**
     * The source a verdict carries for a frame's key: the key itself, or none when it is longer than {@value #MAX_SOURCE}
     * characters (the verdict then reaches the events its incident lists, not every one between them).
     */
    public static String carriedSource(String source) {
        return source != null && source.length() > MAX_SOURCE ? null : source;
    }

    /** Why this verdict may not be written, or null when it may. */
    public String problem() {
        if (!eventId(eventId)) {
            return "eventId must be TOPIC/PARTITION/OFFSET";
        }
        if (verdict == null || !VERDICTS.contains(verdict)) { // Set.of refuses to look for null
            return "verdict must be \"" + FALSE_ALARM + "\" or \"" + CONFIRMED + "\"";
        }
        if (label != null && !LABEL.matcher(label).matches()) {
            return "label must be 1-64 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit";
        }
        if (note != null && note.length() > MAX_NOTE) {
            return "note must have at most " + MAX_NOTE + " characters";
        }
        if (source != null && source.length() > MAX_SOURCE) {
            return "source must have at most " + MAX_SOURCE + " characters";
        }
        return null;
    }

    /**
     * Whether this verdict, read under the record key {@code key}, holds: it is about that event and may be written
     * (readers skip any other, so that a record written past the API's checks changes nothing).
     */
    public boolean validFor(String key) {
        return key != null && key.equals(eventId) && problem() == null;
    }

    public boolean falseAlarm() {
        return FALSE_ALARM.equals(verdict);
    }

    /**
     * The verdict given later of two, either of which may be null ({@code a} when they were given at the same time): the
     * one that holds for an incident of both events. A verdict whose {@code givenAt} is missing or does not parse counts
     * as given at the epoch.
     */
    public static Verdict later(Verdict a, Verdict b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return givenAt(b).isAfter(givenAt(a)) ? b : a;
    }

    private static java.time.Instant givenAt(Verdict v) {
        try {
            return v.givenAt() == null ? java.time.Instant.EPOCH : java.time.Instant.parse(v.givenAt());
        } catch (java.time.format.DateTimeParseException e) {
            return java.time.Instant.EPOCH;
        }
    }
}
