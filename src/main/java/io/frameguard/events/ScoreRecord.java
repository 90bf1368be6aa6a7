package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * What the scorer says of every frame scored, on {@code scores} (key = source id, timestamp = the frame's capture time):
 * in the binary layout a source's frames of a batch share one {@link ScoreBatch} record, in JSON each frame has its own.
 * docs/EVENTS.md documents both.
 *
 * <p>Layout 2 names its fields as the anomaly event does ({@code schemaVersion}, {@code frame},
 * {@code captureTimestamp}, {@code scoredTimestamp}, {@code topChannels}); records of layout 1 ({@code v}, flat
 * {@code topic}/{@code partition}/{@code offset}, {@code captureTs}, {@code scoredTs}, {@code top}), still on a
 * topic after an upgrade, are read into the same record.
 *
 * @param schemaVersion layout version of this record
 * @param frame where the scored frame is
 * @param captureTimestamp the frame record's timestamp (capture time), epoch ms
 * @param scoredTimestamp when the score was computed, epoch ms
 * @param score the frame's score from its error map, as its model's card says (the mean of the map, or its worst
 *     channel's mean error)
 * @param modelThreshold the model card's initial threshold, where the detector's rolling threshold starts
 * @param validationRank share of the model's held-out validation frames that scored lower: uniform on [0, 1]
 *     while the stream looks like the data the model was validated on (drift detection reads it)
 * @param topChannels sensor frames: the channels with the largest errors, largest first
 * @param region image frames: where the error is; absent for sensor frames
 * @param batchSize frames in the predictor call that scored this frame
 * @param inferenceMicros duration of that predictor call
 * @param signature the model's signature of the frame, only on candidate anomalies (ranking at least
 *     {@code frameguard.scorer.candidate-rank} among the model's validation scores; without a validation sketch,
 *     scoring at least the detector's lowest threshold) and only from models that have one; absent otherwise
 * @param picture the frame and its error map, small, for the anomaly memory's heatmaps: on the same frames as
 *     {@code signature} (whether the model has a signature or not); absent otherwise
 * @param modelMedian the median of the model's validation scores (its card's p50): the detector compares each source's
 *     typical normal score with it; absent in records of scorers before it existed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ScoreRecord(
        int schemaVersion,
        String source,
        FrameRef frame,
        long captureTimestamp,
        long scoredTimestamp,
        double score,
        double modelThreshold,
        String modelVersion,
        Double validationRank,
        List<ChannelError> topChannels,
        ImageRegion region,
        int batchSize,
        long inferenceMicros,
        Signature signature,
        Picture picture,
        Double modelMedian) {

    public static final int SCHEMA_VERSION = 2;

    /** A score without the model's validation median. */
    public ScoreRecord(int schemaVersion, String source, FrameRef frame, long captureTimestamp, long scoredTimestamp,
            double score, double modelThreshold, String modelVersion, Double validationRank, List<ChannelError> topChannels,
            ImageRegion region, int batchSize, long inferenceMicros, Signature signature, Picture picture) {
        this(schemaVersion, source, frame, captureTimestamp, scoredTimestamp, score, modelThreshold, modelVersion,
                validationRank, topChannels, region, batchSize, inferenceMicros, signature, picture, null);
    }

    /** A score without a signature. */
    public ScoreRecord(int schemaVersion, String source, FrameRef frame, long captureTimestamp, long scoredTimestamp,
            double score, double modelThreshold, String modelVersion, Double validationRank, List<ChannelError> topChannels,
            ImageRegion region, int batchSize, long inferenceMicros) {
        this(schemaVersion, source, frame, captureTimestamp, scoredTimestamp, score, modelThreshold, modelVersion,
                validationRank, topChannels, region, batchSize, inferenceMicros, null, null, null);
    }

    /** Reads layout 2 and layout 1 (whose frame coordinates are flat fields). */
    @JsonCreator
    static ScoreRecord read(
            @JsonProperty("schemaVersion") @JsonAlias("v") int schemaVersion,
            @JsonProperty("source") String source,
            @JsonProperty("frame") FrameRef frame,
            @JsonProperty("topic") String topic,
            @JsonProperty("partition") int partition,
            @JsonProperty("offset") long offset,
            @JsonProperty("captureTimestamp") @JsonAlias("captureTs") long captureTimestamp,
            @JsonProperty("scoredTimestamp") @JsonAlias("scoredTs") long scoredTimestamp,
            @JsonProperty("score") double score,
            @JsonProperty("modelThreshold") double modelThreshold,
            @JsonProperty("modelVersion") String modelVersion,
            @JsonProperty("validationRank") Double validationRank,
            @JsonProperty("topChannels") @JsonAlias("top") List<ChannelError> topChannels,
            @JsonProperty("region") ImageRegion region,
            @JsonProperty("batchSize") int batchSize,
            @JsonProperty("inferenceMicros") long inferenceMicros,
            @JsonProperty("signature") Signature signature,
            @JsonProperty("picture") Picture picture,
            @JsonProperty("modelMedian") Double modelMedian) {
        return new ScoreRecord(schemaVersion, source, frame != null ? frame : new FrameRef(topic, partition, offset),
                captureTimestamp, scoredTimestamp, score, modelThreshold, modelVersion, validationRank, topChannels, region,
                batchSize, inferenceMicros, signature, picture, modelMedian);
    }
}
