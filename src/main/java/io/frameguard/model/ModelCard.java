package io.frameguard.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.frameguard.frames.FrameShape;
import io.frameguard.frames.ImageGeometry;
import java.util.List;

/**
 * What a model artifact says about itself: everything the scorer and the detector need besides the
 * SavedModel, and everything an operator needs to judge it. Written next to the SavedModel as
 * {@value ModelArtifact#CARD_FILE}.
 *
 * <p>The SavedModel's serving signature takes raw frame values ({@code frames}, shape [-1, dim]) and returns
 * the reconstruction error map ({@code errors}): for sensor frames the per-feature squared error in standardised
 * units ([-1, dim]), divided by each channel's typical error where {@link #scoring} says {@code channel-normalised};
 * for images the per-pixel error map described by {@link #scoring} ([-1, width * height]).
 * The preprocessing and the error map's post-processing are part of the graph, so training and serving cannot
 * disagree about them. A frame's score is the mean of its row of {@code errors}, or, where {@link #scoring} names a
 * channel aggregation, the mean of its worst channels' errors ({@link ScoreAggregation}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelCard(
        int cardVersion,
        String name,
        String version,
        String createdAt,
        Input input,
        Preprocessing preprocessing,
        Architecture architecture,
        Training training,
        Threshold threshold,
        Scoring scoring,
        Signature signature,
        Comparison comparison,
        Selection selection,
        String checksum) {

    /** Version of this card's JSON layout. */
    public static final int CARD_VERSION = 1;

    /** The median of the model's validation scores (p50); null when the card has none. */
    public Double validationMedian() {
        return training == null || training.validationErrors() == null || !(training.validationErrors().p50() > 0) ? null
                : training.validationErrors().p50();
    }

    /**
     * Kind of frame the model reads ({@value #SENSOR} or {@value #IMAGE}), and its shape.
     *
     * @param featureNames sensor channel names; null for images
     * @param image the image geometry; null for sensors
     * @param channels sensor windows: channels per time step, the frame being {@code dim / channels} steps, time-major;
     *     null for frames of one step (each value a channel) and for images
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Input(String kind, int dim, List<String> featureNames, ImageGeometry image, Integer channels) {
        public static final String SENSOR = "sensor";
        public static final String IMAGE = "image";

        public Input(String kind, int dim, List<String> featureNames, ImageGeometry image) {
            this(kind, dim, featureNames, image, null);
        }

        /** Time steps per frame: {@code dim / channels} for windows, 1 otherwise. */
        public int steps() {
            return channels == null || channels == 0 ? 1 : dim / channels;
        }

        public FrameShape shape() {
            return new FrameShape(dim, image);
        }

        /** A sensor channel's name in explanations and on the card: its feature name where there is one, else {@code ch<index>}. */
        public String channelName(int channel) {
            return featureNames != null && channel < featureNames.size() ? featureNames.get(channel) : "ch" + channel;
        }

        /** Values per row of the {@code errors} output: one per feature, or one per pixel for images. */
        public int errorWidth() {
            return image != null ? image.pixels() : dim;
        }
    }

    /**
     * Preprocessing folded into the graph. {@code standardize}: z = (x - mean) / std per feature (sensors);
     * {@code unit-scale}: 8-bit pixels scaled to [0, 1] by the decoder, nothing in the graph (images).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Preprocessing(String kind, float[] mean, float[] std) {}

    /**
     * The network. {@code dense-autoencoder}: layer widths, input first. {@code conv-autoencoder}: input
     * channels, the filters of each stride-2 3x3 convolution, then the bottleneck width; the decoder mirrors it.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Architecture(String kind, int[] layers, String activation) {}

    /**
     * How an image's error map is computed: the residual (reconstruction - input) of each channel smoothed with
     * a Gaussian of {@code smoothingSigma} pixels (0: none), squared and averaged over channels; then, when
     * {@code pixelVariance} is set, each pixel divided by the variance of that error on {@code calibrationFrames}
     * held-out normal images (at least {@code varianceFloor} times their mean variance), so that pixels that are
     * always hard to reconstruct do not dominate. When {@code structuralWeight} is above 0, a structural map
     * (1 - SSIM of reconstruction against input, Gaussian window of 1.5 pixels) is added, treated the same way and
     * weighted so that its share of the score's spread on the calibration images is {@code structuralWeight} times
     * the smoothed map's. Cards written before it existed read as 0: no structural map.
     *
     * <p>Sensor windows, and sensor frames that are one reading of their channels: kind {@code channel-normalised},
     * each value's squared error divided by its channel's mean error on the {@code calibrationFrames} training windows
     * (so every channel's error is about 1 on normal frames; a channel constant in training, or copied through the
     * bottleneck, is divided by the median channel's instead, so a little under 1: those channels are named in
     * {@code constantChannels} and {@code copiedChannels}),
     * and the frame's score is the mean of its {@code topChannels} largest channel errors
     * ({@code aggregation} {@value ScoreAggregation#TOP_CHANNELS}), so that one bad channel among many is not averaged
     * away. Cards without {@code aggregation} score by the mean of the whole map.
     *
     * @param constantChannels channels that never moved in training, judged against the median channel's error; null
     *     when none (and on cards written before they were listed)
     * @param copiedChannels channels the model copies through its bottleneck (its reconstruction follows nearly all of
     *     a rise of their own value: they move with no other channel), judged against the median channel's error, so a
     *     fault of theirs shows only when it takes them far from what the model learnt; null when none
     * @param hiddenChannels channels the model does not see (their values are zero at its input), which it copied when
     *     it saw them: it rebuilds them from the other channels alone, and each is judged against its own error so
     *     rebuilt; null when none
     * @param attribution how a frame's top channels are ranked: {@value #RECONSTRUCTION_BASED} (sensor frames that are
     *     one reading of their channels): by the part of the frame's error that a fault of the channel alone explains,
     *     the model's {@code contributions} output (each top channel's {@code share} is its contribution over the frame's
     *     error); null (cards without it): by the channel's own error
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Scoring(String kind, double smoothingSigma, boolean pixelVariance, double varianceFloor,
            long calibrationFrames, double structuralWeight, String aggregation, Integer topChannels,
            List<String> constantChannels, List<String> copiedChannels, String attribution, List<String> hiddenChannels) {

        public Scoring(String kind, double smoothingSigma, boolean pixelVariance, double varianceFloor,
                long calibrationFrames, double structuralWeight, String aggregation, Integer topChannels,
                List<String> constantChannels, List<String> copiedChannels, String attribution) {
            this(kind, smoothingSigma, pixelVariance, varianceFloor, calibrationFrames, structuralWeight, aggregation,
                    topChannels, constantChannels, copiedChannels, attribution, null);
        }

        /** {@code attribution}: top channels ranked by the model's {@code contributions} output. */
        public static final String RECONSTRUCTION_BASED = "reconstruction-based";

        public Scoring(String kind, double smoothingSigma, boolean pixelVariance, double varianceFloor,
                long calibrationFrames, double structuralWeight) {
            this(kind, smoothingSigma, pixelVariance, varianceFloor, calibrationFrames, structuralWeight, null, null);
        }

        public Scoring(String kind, double smoothingSigma, boolean pixelVariance, double varianceFloor,
                long calibrationFrames, double structuralWeight, String aggregation, Integer topChannels) {
            this(kind, smoothingSigma, pixelVariance, varianceFloor, calibrationFrames, structuralWeight, aggregation,
                    topChannels, null, null, null);
        }
    }

    /**
     * The model's second output ({@code signature}): per frame, a fixed-length vector that says what is wrong with it,
     * compared by cosine similarity to find past anomalies like it. Null on cards of models without one.
     *
     * @param kind how it is made, e.g. {@code error-grid-7x7+latent-32+thumbnail-7x7}
     * @param length values per frame
     * @param captures what it captures, for people
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Signature(String kind, int length, String captures) {}

    /**
     * How the model was trained and how well it fits held-out normal frames.
     *
     * @param denoise the corruption of its training inputs when it learnt to reconstruct clean frames from corrupted
     *     ones ({@code gaussian:SIGMA} or {@code mask:SHARE}); null when it did not
     * @param sparsity the weight of the L1 penalty on its latent code; null when none
     * @param validationFraction the share of the frames given that was held out (for images, half of it calibrated the
     *     per-pixel variance and half set the threshold: {@code validationFrames}); frames given but not to be learnt
     *     and not held out are in neither count, so a retraining takes this, not the counts' ratio; null on cards written
     *     before 2026-12-05
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Training(
            long trainFrames,
            long validationFrames,
            int epochs,
            int batchSize,
            float learningRate,
            long seed,
            double trainLoss,
            double validationLoss,
            String dataSummary,
            ErrorQuantiles validationErrors,
            String denoise,
            Double sparsity,
            Double validationFraction) {

        public Training(long trainFrames, long validationFrames, int epochs, int batchSize, float learningRate, long seed,
                double trainLoss, double validationLoss, String dataSummary, ErrorQuantiles validationErrors) {
            this(trainFrames, validationFrames, epochs, batchSize, learningRate, seed, trainLoss, validationLoss, dataSummary,
                    validationErrors, null, null, null);
        }
    }

    /**
     * Validation reconstruction errors: a few quantiles for people, and the serialised KLL sketch
     * (Apache DataSketches, base64) for code that needs any other quantile or the full distribution.
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorQuantiles(double p50, double p90, double p99, double p999, double max, String kllSketch) {}

    /** The initial detection threshold: the validation-error quantile at 1 - targetFpr. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Threshold(double value, double targetFpr) {}

    /**
     * How a retrained candidate compared with the model active when it was trained (champion/challenger), on the
     * same held-out recent frames; written by {@code frameguard trainer}, absent for models trained by hand.
     *
     * @param holdoutFrames recent frames neither model trained on, the newest of the sample (outside fault episodes:
     *     normal, but for reports nobody judged, which count as they came); both models
     *     also scored a corrupted copy of each (a block of values taken from another frame) for the separation
     *     measure
     * @param champion the active model's figures; null when no model was active
     * @param accepted whether the candidate was judged no worse (only accepted candidates are published)
     * @param reason the rule's verdict in words
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Comparison(String comparedAt, long holdoutFrames, Contender champion,
            Contender candidate, boolean accepted, String reason) {}

    /**
     * One model's figures on the comparison frames.
     *
     * @param falseAlarmRate share of the held-out frames above the model's own threshold
     * @param syntheticAuroc AUROC of its scores, corrupted copies against the held-out frames
     * @param p50 median score on the held-out frames; {@code p99} their 99th percentile
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Contender(String version, double threshold, double falseAlarmRate, double syntheticAuroc, double p50,
            double p99) {}

    /** Same card with the checksum set (the checksum covers the SavedModel files, not the card). */
    public ModelCard withChecksum(String sum) {
        return new ModelCard(cardVersion, name, version, createdAt, input, preprocessing, architecture, training,
                threshold, scoring, signature, comparison, selection, sum);
    }

    /** Same card with the champion/challenger comparison recorded. */
    public ModelCard withComparison(Comparison c) {
        return new ModelCard(cardVersion, name, version, createdAt, input, preprocessing, architecture, training,
                threshold, scoring, signature, c, selection, checksum);
    }

    /** Same card with the architecture selection that chose it recorded. */
    public ModelCard withSelection(Selection s) {
        return new ModelCard(cardVersion, name, version, createdAt, input, preprocessing, architecture, training,
                threshold, scoring, signature, comparison, s, checksum);
    }

    /**
     * How {@code frameguard train --select} chose this model's architecture: every candidate trained on the same frames
     * and measured on frames none of them saw, and on corrupted copies of those ({@code corruption}).
     *
     * @param tried each candidate's figures, named by architecture and activation, the chosen one among them
     * @param chosen the chosen candidate's name
     * @param reason why it won, for people
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Selection(String selectedAt, long holdoutFrames, String corruption, List<Candidate> tried, String chosen,
            String reason) {}

    /**
     * One candidate of a selection.
     *
     * @param name architecture and options, e.g. {@code channels linear}
     * @param syntheticAuroc AUROC of its scores, corrupted copies against the held-out frames
     * @param falseAlarmRate share of the held-out frames above its own threshold
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Candidate(String name, double syntheticAuroc, double falseAlarmRate) {}
}
