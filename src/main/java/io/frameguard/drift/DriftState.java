package io.frameguard.drift;

/**
 * What the drift monitor remembers per source (state store {@value DriftTopology#DRIFT_STORE}, changelogged).
 *
 * @param modelVersion the model whose validation ranks the window counts
 * @param counts frames of the current window per rank bin
 * @param windowStartTs capture time of the window's first frame, epoch ms
 * @param drifting whether the last complete window drifted (an episode is open)
 * @param lastPsi PSI of the last complete window; NaN before the first
 */
public record DriftState(String modelVersion, long[] counts, long windowStartTs, boolean drifting, double lastPsi) {

    static DriftState fresh(String modelVersion) {
        return new DriftState(modelVersion, new long[DriftPolicy.BINS], -1, false, Double.NaN);
    }

    long frames() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }
}
