package io.frameguard.drift;

/**
 * Written to the drift topic when a source's score distribution leaves the model's validation distribution
 * ({@code status} = {@value #DRIFT}) and when it returns ({@value #RECOVERED}). Key = source id. The trainer
 * can retrain on it ({@code frameguard trainer --on-drift}).
 *
 * @param v layout version
 * @param psi the window's population stability index against the validation ranks
 * @param observedShares share of the window's frames in each tenth of validation rank (0.1 each without drift;
 *     mass in the last bins means scores above what the model saw in validation)
 * @param windowStartTs capture time of the window's first frame; {@code windowEndTs} of its last
 */
public record DriftEvent(
        int v,
        String source,
        String status,
        double psi,
        double psiThreshold,
        String modelVersion,
        long windowFrames,
        double[] observedShares,
        long windowStartTs,
        long windowEndTs,
        long detectedTs) {

    public static final int VERSION = 1;
    public static final String DRIFT = "drift";
    public static final String RECOVERED = "recovered";
}
