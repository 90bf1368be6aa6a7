package io.frameguard.detection;

/**
 * What the detector remembers per source (state store {@value DetectorTopology#THRESHOLD_STORE}, changelogged).
 *
 * @param modelVersion the model whose calibration the threshold belongs to; a new version re-bases it
 * @param baseThreshold that model's card threshold: floor and ceiling are relative to it
 * @param threshold the current rolling threshold
 * @param recent the last n frames' exceedances, newest in bit 0
 */
public record SourceState(String modelVersion, double baseThreshold, double threshold, long recent) {

    static SourceState fresh(String modelVersion, double baseThreshold) {
        return new SourceState(modelVersion, baseThreshold, baseThreshold, 0L);
    }
}
