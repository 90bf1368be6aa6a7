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
 * @param recentSteps the steps of the level the newest {@value ThresholdPolicy#UNDONE_FRAMES} frames made, which a fault
 *     episode's start takes back ({@link ThresholdPolicy}): bit i (newest in bit 0) set when frame i stepped, bit 32 + i
 *     when that step was up
 * @param episodeFrames the frames of the source's fault episode under way ({@link ThresholdPolicy#inEpisode}), 0 when
 *     none (saturates)
 * @param exceeding the share of its frames over the threshold, a running average over about {@value
 *     ThresholdPolicy#EXCEEDING_FRAMES} frames, which holds a fault episode through a run of frames under it
 */
public record SourceState(String modelVersion, double baseThreshold, double threshold, long recent, double level,
        int levelFrames, long recentSteps, int episodeFrames, double exceeding) {

    /** The layout with the level (format 1: the first four fields only). */
    static final byte FORMAT_LEVEL = 2;
    /** The layout with the recent steps and the episode (format 2: without them). */
    static final byte FORMAT_EPISODE = 3;

    /**
     * The store's serde: binary, reads the JSON of older detectors, their format 1 (no level: read as none yet) and 2 (no
     * recent steps; in an episode where the newest frames say one is under way). A detector of an earlier release cannot
     * read a newer format: that upgrade stops every detector first.
     */
    public static final StateSerde<SourceState> SERDE = new StateSerde<>(SourceState.class, FORMAT_EPISODE, (out, s) -> {
        StateSerde.writeNullable(out, s.modelVersion());
        out.writeDouble(s.baseThreshold());
        out.writeDouble(s.threshold());
        out.writeLong(s.recent());
        out.writeDouble(s.level());
        out.writeInt(s.levelFrames());
        out.writeLong(s.recentSteps());
        out.writeInt(s.episodeFrames());
        out.writeDouble(s.exceeding());
    }, (in, format) -> {
        String version = StateSerde.readNullable(in);
        double base = in.readDouble();
        double threshold = in.readDouble();
        long recent = in.readLong();
        if (format < FORMAT_LEVEL) {
            return new SourceState(version, base, threshold, recent);
        }
        double level = in.readDouble();
        int levelFrames = in.readInt();
        return format < FORMAT_EPISODE
                ? new SourceState(version, base, threshold, recent, level, levelFrames, 0, ThresholdPolicy.faultEpisode(recent) ? 1 : 0,
                        Long.bitCount(recent) / (double) Long.SIZE)
                : new SourceState(version, base, threshold, recent, level, levelFrames, in.readLong(), in.readInt(), in.readDouble());
    });

    /** Whether the source is in a fault episode. */
    public boolean episode() {
        return episodeFrames > 0;
    }

    /** A state without a level yet (as older detectors stored it). */
    public SourceState(String modelVersion, double baseThreshold, double threshold, long recent) {
        this(modelVersion, baseThreshold, threshold, recent, 0, 0, 0, ThresholdPolicy.faultEpisode(recent) ? 1 : 0, 0);
    }

    static SourceState fresh(String modelVersion, double baseThreshold) {
        return new SourceState(modelVersion, baseThreshold, baseThreshold, 0L);
    }
}
