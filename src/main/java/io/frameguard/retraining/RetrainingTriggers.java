package io.frameguard.retraining;

import io.frameguard.events.DriftEvent;
import io.frameguard.events.TopicRanges;
import io.frameguard.events.Topics;
import io.frameguard.model.ModelRegistry;
import io.frameguard.events.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * When the retraining sidecar runs its {@link RetrainingJob}: on a schedule, after a number of new frames, on a drift
 * event, or once operators judge anomalies false alarms (any of them that is set), while this trainer holds the model's
 * lease. What the holder before it left ({@link Handover}: when it last ran, the frames counted then, how far it read
 * the drift events) is where a trainer taking the lease goes on from, so that a takeover neither restarts the frame
 * count, nor runs the schedule at once after runs that were rejected, nor drops the drift reported since the other's
 * last poll; without it (the first holder, a group whose offsets expired) it counts from its own start, the active
 * model's activation and the drift topic's end. False alarms judged since the last run (or the active model's
 * activation) are read again when it takes the lease, so that none is lost.
 *
 * <p>A false-alarm verdict says the model reported normal frames; a lasting change judged the new normal is reported
 * until a model has learnt it ({@link RecentNormalFrames} learns the frames operators judged normal). The run waits
 * until no false-alarm verdict came for {@code falseAlarmQuiet} ({@link PendingFalseAlarms}), so that operators going
 * through a list of incidents start one run, on all they judged, and not one per verdict.
 */
public final class RetrainingTriggers {

    private static final Logger LOG = Logger.getLogger(RetrainingTriggers.class);
    /** How often the triggers are checked. */
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);
    /** How long the trainer waits for the broker's offsets. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Longest wait for false-alarm verdicts to pause, in quiet times after the first verdict waiting. */
    static final int LONGEST_WAIT_IN_QUIETS = 6;

    private final String model;
    private final Duration every;
    private final long afterFrames;
    private final boolean onDrift;
    private final Duration falseAlarmQuiet;

    /**
     * @param every retrain on this schedule; zero for never
     * @param afterFrames retrain once this many frames arrived (to be scored) since the last run; 0 for never
     * @param onDrift retrain on a drift event
     * @param falseAlarmQuiet retrain once operators judged an anomaly a false alarm and then none for this long; null for
     *     never
     */
    public RetrainingTriggers(String model, Duration every, long afterFrames, boolean onDrift, Duration falseAlarmQuiet,
            Supplier<ModelRegistry.Activation> activation) {
        this.model = model;
        this.every = every;
        this.afterFrames = afterFrames;
        this.onDrift = onDrift;
        this.falseAlarmQuiet = falseAlarmQuiet;
        this.activation = activation;
    }

    /**
     * Where the triggers' state passes from one holder of the lease to the next ({@link TrainerLease}): a line of text
     * ({@link State}).
     */
    public interface Handover {
        /** What the holder before left when this trainer took the lease; null when nothing. */
        String received();

        /** Leaves {@code state} for the next holder (kept while this trainer holds the lease). */
        void leave(String state);

        /** Nothing passes: each trainer counts from its own start. */
        Handover NONE = new Handover() {
            @Override
            public String received() {
                return null;
            }

            @Override
            public void leave(String state) {
            }
        };
    }

    /**
     * The triggers' state as it passes between holders: when the last run started ({@code lastRun}, epoch ms), the frames
     * counted then, and per drift partition the position read up to. Written {@code 1|LASTRUN|FRAMES|P:POS,P:POS}.
     */
    record State(long lastRun, long framesAtLastRun, Map<Integer, Long> driftRead) {

        private static final String LAYOUT = "1";

        /**
         * The state as a line; without the drift positions where they would pass the brokers' limit on what an offset's
         * metadata holds ({@value #MOST_TEXT} characters by default: some 250 drift partitions), which the next holder
         * then reads from the drift topic's end.
         */
        String text() {
            StringBuilder b = new StringBuilder(LAYOUT).append('|').append(lastRun).append('|').append(framesAtLastRun).append('|');
            int fixed = b.length();
            driftRead.forEach((p, pos) -> b.append(p).append(':').append(pos).append(','));
            if (b.length() > MOST_TEXT) {
                b.setLength(fixed);
            }
            return b.toString();
        }

        /** The brokers' default {@code offset.metadata.max.bytes}. */
        static final int MOST_TEXT = 4096;

        /** The state a text says; null for none, or for a text that is no state of this layout (logged). */
        static State of(String text) {
            if (text == null) {
                return null;
            }
            try {
                String[] parts = text.split("\\|", -1);
                if (parts.length != 4 || !parts[0].equals(LAYOUT)) {
                    throw new IllegalArgumentException("layout");
                }
                Map<Integer, Long> drift = new java.util.TreeMap<>();
                for (String pair : parts[3].split(",")) {
                    if (!pair.isEmpty()) {
                        String[] pp = pair.split(":");
                        long position = Long.parseLong(pp[1]);
                        if (position < 0 || Integer.parseInt(pp[0]) < 0) {
                            throw new IllegalArgumentException("position");
                        }
                        drift.put(Integer.parseInt(pp[0]), position);
                    }
                }
                return new State(Long.parseLong(parts[1]), Math.max(-1, Long.parseLong(parts[2])), drift);
            } catch (RuntimeException e) {
                LOG.warnf("the trainer lease holds no triggers' state this release reads (%s): counting from now",
                        io.frameguard.frames.UntrustedText.shown(text, 200));
                return null;
            }
        }
    }

    /** One run of the job, told what triggered it. */
    @FunctionalInterface
    public interface Run {
        void run(String trigger) throws Exception;
    }

    /**
     * When the schedule last ran: kept across lease changes of this trainer, and for a trainer that has not run yet the
     * active model's activation (by whichever trainer or person), so that pods restarting more often than the schedule
     * do not postpone it for ever.
     */
    private Instant lastRun;
    /** Frames counted at the last run, kept across lease changes (-1: not counted yet). */
    private long framesAtLastRun = -1;
    /** Per drift partition, the position read up to, kept across lease changes. */
    private final Map<Integer, Long> driftRead = new java.util.TreeMap<>();
    /** The model's active version as the registry says now; null when unknown. */
    private final Supplier<ModelRegistry.Activation> activation;
    /** The version the drift events that trigger a run must name (null: any): drift of a version replaced is moot. */
    private String servedVersion;

    /**
     * Checks the triggers every few seconds, running the job when one fires, while {@code active} holds (this trainer
     * holds the model's {@link TrainerLease}) and the thread is not interrupted.
     */
    public void runWhile(BooleanSupplier active, Run job, Map<String, Object> clientConfig, Topics topics) throws Exception {
        runWhile(active, job, clientConfig, topics, Handover.NONE);
    }

    /**
     * {@link #runWhile(BooleanSupplier, Run, Map, Topics)}, going on from what the holder before left in {@code handover}
     * and leaving this trainer's state there after every check.
     */
    public void runWhile(BooleanSupplier active, Run job, Map<String, Object> clientConfig, Topics topics, Handover handover)
            throws Exception {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "frameguard-trainer-" + UUID.randomUUID());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            // counted only for the frames trigger: without it, the trainer needs no frames topic to follow
            List<TopicPartition> frames = afterFrames > 0 ? partitions(consumer, topics.frames().name()) : List.of();
            List<TopicPartition> drift = onDrift ? partitions(consumer, topics.drift().name()) : List.of();
            List<TopicPartition> verdicts = falseAlarmQuiet != null ? partitions(consumer, topics.verdicts().name()) : List.of();
            List<TopicPartition> followed = new java.util.ArrayList<>(drift);
            followed.addAll(verdicts);
            consumer.assign(followed);
            // what the holder before left (this trainer itself, if none came between), or what this trainer knows if that is
            // later (it held the lease since, in this term or one before): the later run, and each drift partition read
            // furthest, hold
            State left = State.of(handover.received());
            if (left != null && (lastRun == null || left.lastRun() > lastRun.toEpochMilli())) {
                lastRun = Instant.ofEpochMilli(left.lastRun());
                framesAtLastRun = left.framesAtLastRun(); // -1 where the holder before counted none: counted below
            }
            if (left != null) {
                left.driftRead().forEach((p, pos) -> driftRead.merge(p, pos, Math::max));
            }
            if (framesAtLastRun < 0) {
                framesAtLastRun = framesSoFar(consumer, frames);
            }
            ModelRegistry.Activation a = activation.get();
            servedVersion = a == null ? null : a.version();
            if (lastRun == null) {
                Instant activated = a == null || a.activatedAt() == null ? null : Instant.parse(a.activatedAt());
                lastRun = activated != null ? activated : Instant.now();
            }
            // drift reported before the holder before read it was its to act on, and so was drift before this trainer took
            // the lease when none left where it read to; the false alarms judged since the last run (or the active
            // model's activation) are still to be learnt: a lease that changed hands, or a restart, while they waited
            // for the quiet time would otherwise lose them
            consumer.seekToEnd(drift);
            Map<TopicPartition, Long> retained = drift.isEmpty() ? Map.of() : consumer.beginningOffsets(drift);
            for (TopicPartition tp : drift) {
                Long read = driftRead.get(tp.partition());
                if (read != null && read < consumer.position(tp)) { // where it was read to, or the oldest still kept
                    consumer.seek(tp, Math.max(read, retained.getOrDefault(tp, 0L)));
                }
            }
            TopicRanges.offsetsAt(consumer, verdicts, lastRun.toEpochMilli(), TIMEOUT).forEach(consumer::seek);
            LOG.infof("trainer for model %s: every %s%s%s%s", model, every.isZero() ? "(off)" : every,
                    afterFrames > 0 ? ", after " + afterFrames + " new frames" : "", onDrift ? ", on drift" : "",
                    falseAlarmQuiet != null ? ", on false alarms (" + falseAlarmQuiet + " after the last)" : "");
            PendingFalseAlarms pending = new PendingFalseAlarms(falseAlarmQuiet);
            while (active.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                String trigger = null;
                if (followed.isEmpty()) { // nothing to read (a consumer with no partitions refuses to poll)
                    Thread.sleep(CHECK_INTERVAL.toMillis());
                } else {
                    ConsumerRecords<String, byte[]> polled = consumer.poll(falseAlarmQuiet != null
                            && falseAlarmQuiet.compareTo(CHECK_INTERVAL) < 0 ? falseAlarmQuiet : CHECK_INTERVAL);
                    Iterable<ConsumerRecord<String, byte[]>> drifted = polled.records(topics.drift().name());
                    trigger = driftTrigger(drifted, topics, servedVersion);
                    if (trigger == null && servedVersion != null && driftTrigger(drifted, topics, null) != null) {
                        // drift of another version: one activated since (by an operator, a rollback) or one replaced;
                        // the registry says which, read once for the poll
                        ModelRegistry.Activation now = activation.get();
                        servedVersion = now == null ? null : now.version();
                        trigger = driftTrigger(drifted, topics, servedVersion);
                    }
                    pending.add(verdictsIn(polled.records(topics.verdicts().name()), topics), Instant.now());
                }
                if (trigger == null) {
                    trigger = pending.trigger(Instant.now());
                }
                long framesNow = framesSoFar(consumer, frames);
                if (trigger == null && afterFrames > 0 && framesNow - framesAtLastRun >= afterFrames) {
                    trigger = (framesNow - framesAtLastRun) + " new frames since the last run";
                }
                if (trigger == null && !every.isZero() && Duration.between(lastRun, Instant.now()).compareTo(every) >= 0) {
                    trigger = "schedule (every " + every + ")";
                }
                if (trigger != null && active.getAsBoolean()) {
                    // every run reads all verdicts given before it: those waiting now, and those given until it starts,
                    // are not to start another one
                    Map<TopicPartition, Long> judgedBefore = verdicts.isEmpty() ? Map.of() : consumer.endOffsets(verdicts);
                    // handed over once the run ended: a holder that dies while it trains leaves the trigger to the next
                    Instant started = Instant.now();
                    job.run(trigger);
                    framesAtLastRun = framesNow;
                    lastRun = started;
                    pending.clear();
                    // the drift reported meanwhile was of the model the run may have replaced
                    ModelRegistry.Activation after = activation.get();
                    servedVersion = after == null ? null : after.version();
                    judgedBefore.forEach((tp, end) -> consumer.seek(tp, Math.max(end, consumer.position(tp))));
                }
                driftRead.putAll(driftRead(consumer, drift));
                handover.leave(new State(lastRun.toEpochMilli(), afterFrames > 0 ? framesAtLastRun : -1, driftRead).text());
            }
        }
    }

    /**
     * The events judged false alarms since the last run, and when to run on them: once none came for the quiet time, or
     * at the latest {@value #LONGEST_WAIT_IN_QUIETS} quiet times after the first, so that verdicts that keep coming
     * (operators busy all shift, or a writer gone wrong) neither hold the run off for ever nor start one per verdict.
     */
    static final class PendingFalseAlarms {

        private final Duration quiet;
        private final java.util.Set<String> events = new java.util.HashSet<>();
        private String latest;
        private Instant firstAt;
        private Instant latestAt;

        PendingFalseAlarms(Duration quiet) {
            this.quiet = quiet;
        }

        void add(List<Judged> judged, Instant at) {
            for (Judged j : judged) {
                if (!j.falseAlarm()) { // confirmed or withdrawn since: nothing to learn from it
                    events.remove(j.eventId());
                    continue;
                }
                if (events.add(j.eventId())) { // an event judged again counts once
                    firstAt = firstAt == null ? at : firstAt;
                }
                latest = j.eventId();
                latestAt = at;
            }
            if (events.isEmpty()) {
                clear();
            }
        }

        /** What starts a run now, or null. */
        String trigger(Instant now) {
            if (events.isEmpty()) {
                return null;
            }
            boolean quietNow = Duration.between(latestAt, now).compareTo(quiet) >= 0;
            boolean waitedLongest = Duration.between(firstAt, now).compareTo(quiet.multipliedBy(LONGEST_WAIT_IN_QUIETS)) >= 0;
            if (!quietNow && !waitedLongest) {
                return null;
            }
            int n = events.size();
            return n + (n == 1 ? " false-alarm verdict" : " false-alarm verdicts, the latest") + " on " + latest
                    + (quietNow ? "" : " (verdicts kept coming for " + quiet.multipliedBy(LONGEST_WAIT_IN_QUIETS) + ")");
        }

        void clear() {
            events.clear();
            latest = null;
            firstAt = null;
            latestAt = null;
        }
    }

    /** Per drift partition, the position read up to. */
    private static Map<Integer, Long> driftRead(KafkaConsumer<?, ?> consumer, List<TopicPartition> drift) {
        Map<Integer, Long> read = new java.util.TreeMap<>();
        for (TopicPartition tp : drift) {
            read.put(tp.partition(), consumer.position(tp));
        }
        return read;
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        var infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (is the service running?)");
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /**
     * Frames written to the frames topic so far (end offsets summed): a count that only grows. The scores topic's
     * records do not count frames (one holds all of a source's frames of a scorer batch), and the service scores every
     * frame that arrives.
     */
    private static long framesSoFar(KafkaConsumer<?, ?> consumer, List<TopicPartition> frames) {
        return frames.isEmpty() ? 0 : consumer.endOffsets(frames).values().stream().mapToLong(Long::longValue).sum();
    }

    /** The verdict that now holds for an event: a false alarm or not (confirmed, withdrawn, or not readable as one). */
    record Judged(String eventId, boolean falseAlarm) {}

    /**
     * The verdicts in a poll of the verdicts topic, in order, as the trainer's data read them ({@link RecentNormalFrames}):
     * the latest record of an event holds, and one that is no valid verdict for it (a deletion, a confirmed anomaly, a
     * record written past the API's checks or that is no verdict, logged) leaves it no false alarm. A record whose key
     * names no event is skipped: whoever else may write the topic must not stop the trainer.
     */
    static List<Judged> verdictsIn(Iterable<ConsumerRecord<String, byte[]>> polled, Topics topics) {
        List<Judged> out = new java.util.ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : polled) {
            if (!Verdict.eventId(r.key())) {
                continue;
            }
            Verdict v = null;
            try {
                v = r.value() == null ? null : topics.verdicts().deserialize(r.value());
            } catch (RuntimeException malformed) {
                LOG.warnf("trainer: a record of %s at offset %d is no verdict (%s)", r.topic(), r.offset(), malformed.getMessage());
            }
            out.add(new Judged(r.key(), v != null && v.validFor(r.key()) && v.falseAlarm()));
        }
        return out;
    }

    /**
     * The trigger a poll of the drift topic gives: its last drift report (a source that started drifting), or null. A
     * record that is no drift event is logged and skipped: the detector writes the topic, but whoever else may write it
     * must not stop the trainer (the process would exit, its lease and its schedule with it).
     */
    static String driftTrigger(Iterable<ConsumerRecord<String, byte[]>> polled, Topics topics, String servedVersion) {
        String trigger = null;
        for (ConsumerRecord<String, byte[]> r : polled) {
            DriftEvent e;
            try {
                e = topics.drift().deserialize(r.value());
            } catch (RuntimeException malformed) {
                LOG.warnf("trainer: skipped a record of %s at offset %d that is no drift event (%s)", r.topic(), r.offset(),
                        malformed.getMessage());
                continue;
            }
            if (e != null && DriftEvent.DRIFT.equals(e.status()) && e.modelVersion() != null
                    && (servedVersion == null || servedVersion.equals(e.modelVersion()))) {
                trigger = "drift on " + e.source() + " (PSI " + String.format(Locale.ROOT, "%.3f", e.psi()) + ")";
            }
        }
        return trigger;
    }
}
