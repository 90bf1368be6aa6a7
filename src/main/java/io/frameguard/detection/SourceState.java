package io.frameguard.detection;

import io.frameguard.events.StateSerde;

/**
 * What the detector remembers per source (state store {@code source-thresholds}, changelogged).
 *
 * @param modelVersion the model whose calibration the threshold belongs to; a new version re-bases it
 * @param baseThreshold that model's card threshold: the threshold is it times the source's level factor
 * @param threshold the current rolling threshold
 * @param recent the last 64 frames' exceedances, newest in bit 0 (detectors of earlier releases kept n)
 * @param level the running median of the log scores of the source's frames judged normal (valid once
 *     {@code levelFrames} > 0)
 * @param levelFrames frames that moved {@code level} (saturates)
 */
public record SourceState(String modelVersion, double baseThreshold, double threshold, long recent, double level,
        int levelFrames) {

    /** The layout with the level (format 1: the first four fields only). */
    static final byte FORMAT_LEVEL = 2;

    /**
     * The store's serde: binary, reads the JSON of older detectors and their format 1 (no level: read as none yet). A
     * detector of a release before the level cannot read format 2: that upgrade stops every detector first.
     */
    public static final StateSerde<SourceState> SERDE = new StateSerde<>(SourceState.class, FORMAT_LEVEL, (out, s) -> {
        StateSerde.writeNullable(out, s.modelVersion());
        out.writeDouble(s.baseThreshold());
        out.writeDouble(s.threshold());
        out.writeLong(s.recent());
        out.writeDouble(s.level());
        out.writeInt(s.levelFrames());
    }, (in, format) -> {
        String version = StateSerde.readNullable(in);
        double base = in.readDouble();
        double threshold = in.readDouble();
        long recent = in.readLong();
        return format < FORMAT_LEVEL ? new SourceState(version, base, threshold, recent)
                : new SourceState(version, base, threshold, recent, in.readDouble(), in.readInt());
    });

    /** A state without a level yet (as older detectors stored it). */
    public SourceState(String modelVersion, double baseThreshold, double threshold, long recent) {
        this(modelVersion, baseThreshold, threshold, recent, 0, 0);
    }

    static SourceState fresh(String modelVersion, double baseThreshold) {
        return new SourceState(modelVersion, baseThreshold, baseThreshold, 0L);
    }
}
