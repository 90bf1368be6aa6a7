package io.frameguard.events;

import java.util.Locale;

/**
 * One line of text per event, as {@code frameguard demo} and {@code frameguard tail} print them: what an operator
 * reads first (source, severity, score against threshold, where in the frame, which frame, how late), and for an
 * anomaly its closest past look-alike.
 */
public final class EventText {

    private EventText() {
    }

    /**
     * The anomaly: source, severity, score > threshold, top channel or image region, frame, delay since capture. Score
     * and threshold to the same four significant digits, so a score just above a small threshold does not read below it.
     */
    public static String anomaly(AnomalyEvent e) {
        return String.format(Locale.ROOT, "ANOMALY %-12s %-8s score %9.4g > %.4g  %s  frame %s  %d ms after capture",
                e.source(), e.severity(), e.score(), e.threshold(), where(e.explanation()), e.eventId(),
                e.detectedTimestamp() - e.captureTimestamp());
    }

    /**
     * The event's incident when it holds more than this event: {@code "  incident ID: N events since TIME"} (UTC, to the
     * second); empty otherwise.
     */
    public static String incident(AnomalyEvent e) {
        Incident i = e.incident();
        if (i == null || i.count() < 2) {
            return "";
        }
        return String.format(Locale.ROOT, "  incident %s: %d events since %s", i.id(), i.count(),
                java.time.Instant.ofEpochMilli(i.firstSeen()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    /** The least similarity at which the nearest past anomaly is shown as one the event is like. */
    static final double SHOWN_LIKENESS = 0.5;

    /**
     * The anomaly's closest past look-alike and what operators said of it, or null when the memory knew none at least
     * {@value #SHOWN_LIKENESS} alike (and it was neither recognised nor suppressed).
     */
    public static String likeness(AnomalyEvent e) {
        if (e.similar().isEmpty()) {
            return null;
        }
        Recollection.SimilarAnomaly like = e.similar().get(0);
        if (like.similarity() < SHOWN_LIKENESS && e.recognisedAs() == null && e.suppressed() == null) {
            return null; // the nearest of few past anomalies can be nothing like it
        }
        return String.format(Locale.ROOT, "        <- like %s (similarity %.2f)%s%s%s", like.eventId(), like.similarity(),
                like.verdict() == null ? "" : ", " + like.verdict() + (like.label() == null ? "" : " " + like.label()),
                e.recognisedAs() == null ? "" : "; recognised as " + e.recognisedAs().label(),
                e.suppressed() == null ? "" : "; suppressed");
    }

    /** A drift event: the source entering or leaving drift, with its PSI. */
    public static String drift(DriftEvent e) {
        return String.format(Locale.ROOT, "DRIFT   %-12s %-9s PSI %.3f (threshold %.2f) over %d frames, model %s",
                e.source(), e.status(), e.psi(), e.psiThreshold(), e.windowFrames(), e.modelVersion());
    }

    private static String where(AnomalyEvent.Explanation x) {
        if (x == null) {
            return "";
        }
        if (x.region() != null) {
            ImageRegion r = x.region();
            return String.format(Locale.ROOT, "region %dx%d at (%d,%d) (%2.0f%%)", r.width(), r.height(), r.x(), r.y(), 100 * r.share());
        }
        if (x.topChannels() == null || x.topChannels().isEmpty()) {
            return "";
        }
        ChannelError top = x.topChannels().get(0);
        return String.format(Locale.ROOT, "top %s (%2.0f%%)", top.name(), 100 * top.share());
    }
}
