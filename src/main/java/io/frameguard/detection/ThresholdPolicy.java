package io.frameguard.detection;

import io.frameguard.config.FrameguardConfig;

/**
 * The detection rule, per source, one frame at a time.
 *
 * <p><b>Threshold.</b> It starts at the model card's threshold (the validation-error quantile at 1 - target
 * FPR) and then tracks the (1 - targetRate) quantile of the source's own scores by a stochastic-approximation
 * step in log space: up by {@code adaptRate * (1 - targetRate)} for a frame above it, down by
 * {@code adaptRate * targetRate} for a frame below, so it settles where a share {@code targetRate} of frames
 * exceed it and forgets old frames exponentially. Three rules keep anomalies from dragging it up: a frame that
 * exceeds while the source is already in alarm does not move it (a sustained fault moves it at most once), it
 * never rises above {@code ceilingFactor} times the card's threshold, and it never falls below
 * {@code floorFactor} times it. A new model version re-bases it to that model's card threshold.
 *
 * <p><b>Anomaly.</b> With k-of-n hysteresis, a frame is an anomaly when it exceeds the threshold and at least
 * k of the last n frames (itself included) did; the source is in alarm while k of the last n exceeded. k = n = 1
 * reports every exceeding frame.
 */
public record ThresholdPolicy(double targetRate, double adaptRate, double floorFactor, double ceilingFactor, int k, int n) {

    /** Score / threshold ratios from which an anomaly is "major" or "critical" rather than "minor". */
    public static final double MAJOR_RATIO = 2.0;
    public static final double CRITICAL_RATIO = 4.0;

    public ThresholdPolicy {
        if (k < 1 || n < k || n > 64) {
            throw new IllegalArgumentException("k-of-n needs 1 <= k <= n <= 64, got k=" + k + " n=" + n);
        }
        if (!(floorFactor > 0 && floorFactor <= 1 && ceilingFactor >= 1)) {
            throw new IllegalArgumentException("need 0 < floorFactor <= 1 <= ceilingFactor");
        }
    }

    public static ThresholdPolicy from(FrameguardConfig.Detector d) {
        return new ThresholdPolicy(d.targetRate(), d.adaptRate(), d.floorFactor(), d.ceilingFactor(), d.k(), d.n());
    }

    public static ThresholdPolicy defaults() {
        return new ThresholdPolicy(0.01, 0.02, 0.5, 2.0, 1, 1);
    }

    /** Outcome for one frame: the state to store, the threshold the frame was judged against, the verdict. */
    public record Decision(SourceState next, double threshold, boolean exceeded, boolean anomaly, int exceededInWindow) {}

    public Decision evaluate(SourceState state, String modelVersion, double modelThreshold, double score) {
        if (state == null || !modelVersion.equals(state.modelVersion())) {
            state = SourceState.fresh(modelVersion, modelThreshold);
        }
        long window = n == 64 ? -1L : (1L << n) - 1;
        // In alarm before this frame: k of the n frames before it exceeded.
        boolean wasInAlarm = Long.bitCount(state.recent() & window) >= k;
        double t = state.threshold();
        boolean exceeded = score > t;
        long recent = ((state.recent() << 1) | (exceeded ? 1L : 0L)) & window;
        int inWindow = Long.bitCount(recent);
        boolean anomaly = exceeded && inWindow >= k;

        double next = t;
        if (adaptRate > 0 && !(exceeded && wasInAlarm)) {
            next = t * Math.exp(adaptRate * ((exceeded ? 1 : 0) - targetRate));
            next = Math.min(state.baseThreshold() * ceilingFactor, Math.max(state.baseThreshold() * floorFactor, next));
        }
        return new Decision(new SourceState(state.modelVersion(), state.baseThreshold(), next, recent),
                t, exceeded, anomaly, inWindow);
    }

    public static String severity(double score, double threshold) {
        double ratio = score / threshold;
        return ratio >= CRITICAL_RATIO ? "critical" : ratio >= MAJOR_RATIO ? "major" : "minor";
    }
}
