package io.frameguard.scoring;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The record written to {@code scores} for every frame scored (JSON, key = source id, timestamp = the frame's
 * capture time).
 *
 * @param v layout version of this record
 * @param topic frame coordinates: where the scored frame is
 * @param captureTs the frame record's timestamp (capture time), epoch ms
 * @param scoredTs when the score was computed, epoch ms
 * @param score mean squared reconstruction error, standardised units
 * @param modelThreshold the model card's initial threshold, where the detector's rolling threshold starts
 * @param validationRank share of the model's held-out validation frames that scored lower: uniform on [0, 1]
 *     while the stream looks like the data the model was validated on (drift detection reads it)
 * @param top sensor frames: the channels with the largest errors, largest first
 * @param region image frames: where the error is; absent for sensor frames
 * @param batchSize frames in the predictor call that scored this frame
 * @param inferenceMicros duration of that predictor call
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ScoreRecord(
        int v,
        String source,
        String topic,
        int partition,
        long offset,
        long captureTs,
        long scoredTs,
        double score,
        double modelThreshold,
        String modelVersion,
        Double validationRank,
        List<ScoredFrame.ChannelError> top,
        ImageRegion region,
        int batchSize,
        long inferenceMicros) {

    public static final int VERSION = 1;
}
