package io.frameguard.detection;

import io.frameguard.events.StateSerde;

/**
 * What the detector remembers per source (state store {@code source-thresholds}, changelogged).
 *
 * @param modelVersion the model whose calibration the threshold belongs to; a new version re-bases it
 * @param baseThreshold that model's card threshold: floor and ceiling are relative to it
 * @param threshold the current rolling threshold
 * @param recent the last n frames' exceedances, newest in bit 0
 */
public record SourceState(String modelVersion, double baseThreshold, double threshold, long recent) {

    /** The store's serde: binary, reads the JSON of older detectors too. */
    public static final StateSerde<SourceState> SERDE = new StateSerde<>(SourceState.class, (out, s) -> {
        StateSerde.writeNullable(out, s.modelVersion());
        out.writeDouble(s.baseThreshold());
        out.writeDouble(s.threshold());
        out.writeLong(s.recent());
    }, in -> new SourceState(StateSerde.readNullable(in), in.readDouble(), in.readDouble(), in.readLong()));

    static SourceState fresh(String modelVersion, double baseThreshold) {
        return new SourceState(modelVersion, baseThreshold, baseThreshold, 0L);
    }
}
