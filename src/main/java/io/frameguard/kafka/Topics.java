package io.frameguard.kafka;

import io.frameguard.config.FrameguardConfig;

/**
 * The topics of the data flow, by role. Names come from {@code frameguard.topics.*}.
 *
 * <ul>
 *   <li>frames: key = source id (String), value = frame payload (bytes, content-type header);
 *   <li>scores: key = source id, value = {@link io.frameguard.scoring.ScoreRecord} JSON;
 *   <li>anomalies: key = source id, value = {@link io.frameguard.detection.AnomalyEvent} JSON;
 *   <li>dlq: the frame's key, value and headers unchanged, plus {@code frameguard.error.*} headers;
 *   <li>drift: key = source id, value = {@link io.frameguard.drift.DriftEvent} JSON.
 * </ul>
 */
public record Topics(String frames, String scores, String anomalies, String dlq, String drift) {

    public static Topics from(FrameguardConfig.Topics t) {
        return new Topics(t.frames(), t.scores(), t.anomalies(), t.dlq(), t.drift());
    }

    public static Topics defaults() {
        return new Topics("frames", "scores", "anomalies", "frames.dlq", "drift");
    }
}
