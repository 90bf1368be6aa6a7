package io.frameguard.detection;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.ChannelError;
import io.frameguard.events.ImageRegion;
import io.frameguard.events.Incident;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Signature;
import io.frameguard.events.StateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * When a new anomaly is one more event of an incident already open, rather than an incident of its own: it comes from
 * the same source, its frame was captured at most {@code window} after the incident's latest frame (by the frames'
 * timestamps, so that a backlog scored after an outage is grouped as it happened, not by when the detector caught up
 * with it; by the detector's clock where a frame or a stored incident has none), and it is at least {@code similarity}
 * alike to the incident. So a fault that lasts an hour is one incident in the anomaly memory, with a count and first/last
 * seen, and the memory grows with incidents, not frames. How alike ({@link Likeness}): alike enough by either of two
 * measures, each against the incident's latest: the cosine of the event's and the incident's signatures (of an image's,
 * how it departs from the product: {@link Likeness#signatureOf}), where both have one of the same kind; what their explanations say, the cosine of their top channels' shares of the error, or how
 * much their image regions overlap (the share of the smaller region inside the other, so that a region that moves by a
 * pixel or grows stays alike). Either suffices: a fault's signature can swing from one frame to the next while the same
 * channels carry its error (a channel out of step with the others has a residual whose sign follows the machine's
 * phase), and a fault whose anomalies are candidates for a signature only some of the time (a source whose threshold
 * sits below the scorer's candidate rank) has nothing but its explanation to compare. Another fault of the same source
 * on the same channels within the window therefore joins the incident. Events with nothing to compare (no signature
 * and no channel with a share, or an empty region) start incidents of their own, unless their source is in a fault
 * episode: then every anomaly joins its open incident.
 *
 * @param window zero: never merge
 */
public record IncidentPolicy(Duration window, double similarity) {

    /** The settings' defaults. */
    public static final IncidentPolicy DEFAULT = new IncidentPolicy(Duration.ofMinutes(10), 0.8);

    public static IncidentPolicy from(FrameguardConfig.Memory m) {
        return new IncidentPolicy(m.mergeWindow(), m.mergeSimilarity());
    }

    /**
     * The incident that {@code event} belongs to, given its source's open one ({@code open}, null when none) and whether
     * the source is in a fault episode ({@code inEpisode}: many of its recent frames exceeded its threshold,
     * {@link ThresholdPolicy#exceedingNow}). An event of an episode joins the open
     * incident within the window however alike, since the episode's anomalies are one fault however much their
     * explanations and signatures vary from frame to frame (a channel out of step, frame by frame, is the top channel
     * only where its true value is far from the one it shows). An odd one leaves the incident's likeness as it was, so
     * that the events after it are compared with what the incident's were like.
     */
    public OpenIncident next(OpenIncident open, AnomalyEvent event, boolean inEpisode) {
        Likeness signature = Likeness.signatureOf(event);
        Likeness explanation = Likeness.explanationOf(event);
        boolean alike = open != null && alike(open, signature, explanation);
        boolean joins = open != null && !window.isZero() && apart(open, event) <= window.toMillis() && (alike || inEpisode);
        long captured = plausibleCapture(event);
        if (!joins) {
            return new OpenIncident(event.eventId(), event.detectedTimestamp(), event.detectedTimestamp(), 1,
                    List.of(event.eventId()), signature, explanation, captured);
        }
        // a frame a little out of order joins without taking the incident back in time
        long lastCaptured = captured == UNKNOWN ? open.lastCaptured() : Math.max(captured, open.lastCaptured());
        List<String> members = new ArrayList<>(open.members());
        members.add(event.eventId());
        while (members.size() > MemoryEntry.MAX_MEMBERS) {
            members.remove(1); // the first stays: it names the incident
        }
        if (!alike) { // an odd event of the episode: the incident stays what its events were like (one that had nothing to
            // compare, opened by an unsigned event say, takes what this one has)
            return new OpenIncident(open.id(), open.firstSeen(), event.detectedTimestamp(), open.count() + 1, members,
                    open.signature() != null ? open.signature() : signature,
                    open.explanation() != null ? open.explanation() : explanation, lastCaptured);
        }
        return new OpenIncident(open.id(), open.firstSeen(), event.detectedTimestamp(), open.count() + 1, members,
                signature != null ? signature : open.signature(), explanation != null ? explanation : open.explanation(),
                lastCaptured);
    }

    /** A capture time that a frame record or a stored incident does not have, or that is not believed. */
    static final long UNKNOWN = -1;
    /**
     * Earliest capture time believed (2001-09-09, 1e12 ms): a producer's clock unset (0), reset at a reboot, or a stamp
     * in seconds (1.7e9) lies before it.
     */
    static final long EARLIEST_CAPTURE = 1_000_000_000_000L;
    /** How far ahead of the detector's clock a capture time is believed (clocks differ; a stamp in microseconds does not). */
    static final long LATEST_CAPTURE_AHEAD_MS = 3_600_000;

    /** The event's capture time where it is believed ({@link #EARLIEST_CAPTURE}, {@link #LATEST_CAPTURE_AHEAD_MS}); else {@link #UNKNOWN}. */
    static long plausibleCapture(AnomalyEvent event) {
        long captured = event.captureTimestamp();
        return captured >= EARLIEST_CAPTURE && captured <= event.detectedTimestamp() + LATEST_CAPTURE_AHEAD_MS ? captured : UNKNOWN;
    }

    /**
     * How far apart the event's frame and the incident's latest frame were captured, where both have a capture time that
     * is believed (either way round: frames of a source may arrive a little out of order); otherwise how long after the
     * incident's latest event the detector saw it.
     */
    private static long apart(OpenIncident open, AnomalyEvent event) {
        long captured = plausibleCapture(event);
        return captured != UNKNOWN && open.lastCaptured() != UNKNOWN
                ? Math.abs(captured - open.lastCaptured())
                : event.detectedTimestamp() - open.lastSeen();
    }

    /** Alike by the signatures (where both have one of a kind) or by the explanations (where both have one of a kind). */
    private boolean alike(OpenIncident open, Likeness signature, Likeness explanation) {
        return alike(signature, open.signature()) || alike(explanation, open.explanation());
    }

    private boolean alike(Likeness event, Likeness incident) {
        return event != null && event.comparesWith(incident) && event.similarity(incident) >= similarity;
    }

    /**
     * What an event is like, for comparing it with its incident: its signature (of the model's {@code signature.kind}),
     * or a descriptor of its explanation, whose kind is {@value #TOP_CHANNELS} (the top channels as index, share pairs) or
     * {@value #IMAGE_REGION} (x, y, width, height).
     */
    public record Likeness(String kind, float[] values) {

        /** What the kinds of explanations start with (a model's signature kind never does). */
        static final String EXPLANATION = "explanation:";
        static final String TOP_CHANNELS = EXPLANATION + "top-channels";
        static final String IMAGE_REGION = EXPLANATION + "image-region";

        /**
         * The event's signature, the part of it that says what is wrong; null when it has none. An image signature not
         * centred on the product (models trained before that) also says what the picture shows (its latent code and
         * thumbnail), which one camera's pictures share whatever their defect: two defects of one product were one
         * incident by it, so of such a signature only where the error is (the error grid, its first part) counts. A
         * centred one says how the picture departs from the product in each part, and counts whole but for its error
         * shape ({@link #errorShapeLength}).
         */
        static Likeness signatureOf(AnomalyEvent event) {
            Signature sig = event.signature();
            // no model's signature is longer (a hand-written record's could be, which the store would not read back)
            if (sig == null || sig.values() == null || sig.kind() == null || sig.values().length > Signature.MAX_LENGTH) {
                return null;
            }
            int grid = errorGridLength(sig.kind());
            int shape = errorShapeLength(sig.kind());
            int counted = grid > 0 ? grid : sig.values().length - shape;
            return counted > 0 && counted < sig.values().length
                    ? new Likeness(sig.kind(), java.util.Arrays.copyOf(sig.values(), counted))
                    : new Likeness(sig.kind(), sig.values());
        }

        /**
         * The length of an image signature's error shape, its second half ({@code ...+error-shape-17+centred}); 0 for
         * others. It says what kind of defect a picture has wherever it lies, which the anomaly memory searches by; an
         * incident is one defect going on, which the first half says (where and how the picture departs from the
         * product): two garments that are no sneaker, or two spots far apart, have errors of one shape and would be one
         * incident by it.
         */
        static int errorShapeLength(String kind) {
            java.util.regex.Matcher m = ERROR_SHAPE.matcher(kind);
            return m.find() ? Integer.parseInt(m.group(1)) : 0;
        }

        private static final java.util.regex.Pattern ERROR_SHAPE = java.util.regex.Pattern.compile("\\+error-shape-(\\d{1,3})\\+");

        /**
         * The length of an uncentred image signature's error grid, the kind's first part ({@code error-grid-8x8+...});
         * 0 for others (centred ones end {@code +centred}).
         */
        static int errorGridLength(String kind) {
            java.util.regex.Matcher m = ERROR_GRID.matcher(kind);
            return m.lookingAt() && !kind.endsWith(Signature.CENTRED) ? Integer.parseInt(m.group(1)) * Integer.parseInt(m.group(2)) : 0;
        }


        /** How an image signature's kind starts (training.Signatures names it). */
        private static final java.util.regex.Pattern ERROR_GRID = java.util.regex.Pattern.compile("error-grid-(\\d{1,3})x(\\d{1,3})\\+");

        /** The event's explanation as a likeness; null when it has none with something to compare. */
        static Likeness explanationOf(AnomalyEvent event) {
            AnomalyEvent.Explanation e = event.explanation();
            if (e == null) {
                return null;
            }
            if (e.region() != null) {
                ImageRegion r = e.region();
                return r.width() > 0 && r.height() > 0
                        ? new Likeness(IMAGE_REGION, new float[] {r.x(), r.y(), r.width(), r.height()})
                        : null;
            }
            if (e.topChannels() == null || e.topChannels().isEmpty() || 2 * e.topChannels().size() > OpenIncident.MAX_LIKENESS) {
                return null; // none to compare, or more than the store reads back (a hand-written record's)
            }
            float[] pairs = new float[2 * e.topChannels().size()];
            for (int i = 0; i < e.topChannels().size(); i++) {
                ChannelError c = e.topChannels().get(i);
                if (c == null || !Double.isFinite(c.share()) || c.share() < 0) { // a hand-written score record may hold these
                    return null;
                }
                pairs[2 * i] = c.index();
                pairs[2 * i + 1] = (float) c.share();
            }
            return new Likeness(TOP_CHANNELS, pairs);
        }

        /** Whether this and {@code other} (null: none) are of one kind, so that {@link #similarity} compares them. */
        boolean comparesWith(Likeness other) {
            return other != null && kind.equals(other.kind());
        }

        /** How alike this is to {@code other}, a likeness of the same kind: in [0, 1] for explanations. */
        double similarity(Likeness other) {
            return switch (kind) {
                case TOP_CHANNELS -> sharesCosine(values, other.values());
                case IMAGE_REGION -> overlap(values, other.values());
                default -> cosine(values, other.values());
            };
        }

        static boolean isExplanation(String kind) {
            return kind.startsWith(EXPLANATION);
        }
    }

    /** Cosine similarity; 0 when either vector is all zero or they differ in length. */
    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            return 0;
        }
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /**
     * The cosine of two events' shares of the error by channel, each given as (index, share) pairs of its top channels
     * (the channels not listed count as 0); 0 when either has no share.
     */
    static double sharesCosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i + 1 < a.length; i += 2) {
            for (int j = 0; j + 1 < b.length; j += 2) {
                if (a[i] == b[j]) {
                    dot += (double) a[i + 1] * b[j + 1];
                }
            }
        }
        double na = sharesNorm(a);
        double nb = sharesNorm(b);
        return na == 0 || nb == 0 ? 0 : dot / (na * nb);
    }

    private static double sharesNorm(float[] pairs) {
        double sum = 0;
        for (int i = 1; i < pairs.length; i += 2) {
            sum += (double) pairs[i] * pairs[i];
        }
        return Math.sqrt(sum);
    }

    /**
     * How much two regions (x, y, width, height) overlap: the area they share over the smaller one's, 1 when one holds
     * the other.
     */
    static double overlap(float[] a, float[] b) {
        if (a.length != 4 || b.length != 4) {
            return 0;
        }
        double w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
        double h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
        double smaller = Math.min((double) a[2] * a[3], (double) b[2] * b[3]);
        return w > 0 && h > 0 && smaller > 0 ? w * h / smaller : 0;
    }

    /**
     * A source's latest incident, as the detector's store {@code source-incidents} keeps it, with the latest signature and
     * the latest explanation among its events ({@link Likeness}; null when none had one).
     *
     * @param firstSeen when the detector saw its first event, epoch ms (as the anomaly memory shows it)
     * @param lastSeen when the detector saw its latest event, epoch ms
     * @param lastCaptured the capture time of its latest event's frame, epoch ms; {@link #UNKNOWN} when no event had one
     */
    public record OpenIncident(String id, long firstSeen, long lastSeen, int count, List<String> members,
            Likeness signature, Likeness explanation, long lastCaptured) {

        public Incident incident() {
            return new Incident(id, count, firstSeen);
        }

        /** Longest likeness a stored value may hold (a corrupt length must not allocate gigabytes). */
        static final int MAX_LIKENESS = 1 << 16;

        /**
         * Format 3 adds the latest capture time (earlier formats read as {@link #UNKNOWN}: the next event is grouped by
         * the detector's clock); format 2 keeps the signature and the explanation apart; format 1 kept the latest event's
         * one likeness, a signature or (kinds starting with {@code explanation:}) an explanation. All are still read.
         */
        private static final byte FORMAT = 3;

        /** The store's serde. */
        public static final StateSerde<OpenIncident> SERDE = new StateSerde<>(
                OpenIncident.class, FORMAT, (out, o) -> {
                    out.writeUTF(o.id());
                    out.writeLong(o.firstSeen());
                    out.writeLong(o.lastSeen());
                    out.writeInt(o.count());
                    out.writeShort(o.members().size());
                    for (String m : o.members()) {
                        out.writeUTF(m);
                    }
                    writeLikeness(out, o.signature());
                    writeLikeness(out, o.explanation());
                    out.writeLong(o.lastCaptured());
                }, (in, format) -> {
                    String id = in.readUTF();
                    long first = in.readLong();
                    long last = in.readLong();
                    int count = in.readInt();
                    int n = in.readShort();
                    List<String> members = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        members.add(in.readUTF());
                    }
                    Likeness signature = readLikeness(in);
                    Likeness explanation;
                    if (format == StateSerde.FORMAT_V1) {
                        boolean explains = signature != null && Likeness.isExplanation(signature.kind());
                        explanation = explains ? signature : null;
                        signature = explains ? null : signature;
                    } else {
                        explanation = readLikeness(in);
                    }
                    long captured = format >= 3 ? in.readLong() : UNKNOWN;
                    return new OpenIncident(id, first, last, count, members, signature, explanation, captured);
                });

        private static void writeLikeness(DataOutputStream out, Likeness likeness) throws IOException {
            StateSerde.writeNullable(out, likeness == null ? null : likeness.kind());
            out.writeInt(likeness == null ? -1 : likeness.values().length);
            if (likeness != null) {
                for (float v : likeness.values()) {
                    out.writeFloat(v);
                }
            }
        }

        /** A kind and its values; null when either is missing (format 1 wrote a kind without values as none). */
        private static Likeness readLikeness(DataInputStream in) throws IOException {
            String kind = StateSerde.readNullable(in);
            int length = in.readInt();
            if (length > MAX_LIKENESS) {
                throw new IOException("likeness of " + length + " values");
            }
            float[] values = length < 0 ? null : new float[length];
            for (int i = 0; values != null && i < length; i++) {
                values[i] = in.readFloat();
            }
            return kind == null || values == null ? null : new Likeness(kind, values);
        }
    }
}
