package io.frameguard.drift;

import io.frameguard.config.FrameguardConfig;

/**
 * The drift rule, per source: is the source's recent score distribution still the one the model was validated on?
 *
 * <p>Each score record carries its {@code validationRank}: the share of the model's held-out normal frames that
 * scored lower. Without drift these ranks are uniform, so each of {@value #BINS} equal bins of rank expects a
 * tenth of the frames. Over tumbling windows of {@code windowFrames} frames per source the rule computes the
 * population stability index PSI = sum over bins of (observed - expected) * ln(observed / expected), with half a
 * frame added to every bin so an empty bin stays finite. A window with PSI at or above {@code psiThreshold}
 * starts a drift episode; the first window below it ends the episode. Events are emitted at those two
 * transitions only. A new model version starts a fresh window (ranks are relative to one model). The frames counted are
 * those outside the source's fault episodes (the detector passes them on): a fault that lasts is reported as anomalies,
 * and counted here it would be drift too, a reason to retrain on frames that the trainer leaves out for that fault.
 *
 * <p>Scale: without drift, PSI over B bins and N frames is about (B - 1) / N (0.009 for 1,000 frames); 0.1 is
 * commonly read as a moderate shift and 0.25 as a large one.
 *
 * <p>Window length: one source's consecutive frames are not a random sample of the validation data. A machine
 * runs through its cycles, and within a part of a cycle its scores sit in part of the validation range. A window
 * must therefore span several of the source's slowest cycles, or normal operation reads as drift (on the
 * simulator's machines, windows shorter than its slowest cycle drifted falsely; the default spans several).
 */
public record DriftPolicy(int windowFrames, double psiThreshold) {

    /** Equal-probability bins of validation rank. */
    public static final int BINS = 10;
    /** Pseudo-count per bin (keeps ln finite for an empty bin). */
    static final double SMOOTHING = 0.5;

    public DriftPolicy {
        if (windowFrames < 10 * BINS) {
            throw new IllegalArgumentException("a drift window needs at least " + 10 * BINS + " frames, got " + windowFrames);
        }
        if (!(psiThreshold > 0)) {
            throw new IllegalArgumentException("the PSI threshold must be positive, got " + psiThreshold);
        }
    }

    public static DriftPolicy from(FrameguardConfig.Drift d) {
        return new DriftPolicy(d.windowFrames(), d.psiThreshold());
    }

    public static DriftPolicy defaults() {
        return new DriftPolicy(1000, 0.2);
    }

    /** The bin of a validation rank in [0, 1]. */
    static int bin(double rank) {
        return (int) Math.min(BINS - 1, Math.max(0, Math.floor(rank * BINS)));
    }

    /** PSI of the observed bin counts against the uniform expectation. */
    public static double psi(long[] counts) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        double expected = 1.0 / counts.length;
        double psi = 0;
        for (long c : counts) {
            double observed = (c + SMOOTHING) / (n + SMOOTHING * counts.length);
            psi += (observed - expected) * Math.log(observed / expected);
        }
        return psi;
    }

    /** Shares of the window's frames per bin. */
    static double[] shares(long[] counts) {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        double[] s = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            s[i] = n == 0 ? 0 : (double) counts[i] / n;
        }
        return s;
    }
}
