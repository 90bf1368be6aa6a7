package io.frameguard.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What a model artifact says about itself: everything the scorer and the detector need besides the
 * SavedModel, and everything an operator needs to judge it. Written next to the SavedModel as
 * {@value ModelArtifact#CARD_FILE}.
 *
 * <p>The SavedModel's serving signature takes raw frame values ({@code frames}, shape [-1, dim]) and returns
 * the per-feature squared reconstruction error in standardised units ({@code errors}, same shape): the
 * preprocessing described in {@link #preprocessing} is part of the graph, so training and serving cannot
 * disagree about it. A frame's score is the mean of its row of {@code errors}.
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
        String checksum) {

    /** Version of this card's JSON layout. */
    public static final int CARD_VERSION = 1;

    /** Kind of frame the model reads, and its shape. */
    public record Input(String kind, int dim, List<String> featureNames) {}

    /** Per-feature standardisation folded into the graph: z = (x - mean) / std. */
    public record Preprocessing(String kind, float[] mean, float[] std) {}

    /** Layer widths, input first, and the activation of the hidden layers. */
    public record Architecture(String kind, int[] layers, String activation) {}

    /** How the model was trained and how well it fits held-out normal frames. */
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
            ErrorQuantiles validationErrors) {}

    /**
     * Validation reconstruction errors: a few quantiles for people, and the serialised KLL sketch
     * (Apache DataSketches, base64) for code that needs any other quantile or the full distribution.
     */
    public record ErrorQuantiles(double p50, double p90, double p99, double p999, double max, String kllSketch) {}

    /** The initial detection threshold: the validation-error quantile at 1 - targetFpr. */
    public record Threshold(double value, double targetFpr) {}

    /** Same card with the checksum set (the checksum covers the SavedModel files, not the card). */
    public ModelCard withChecksum(String sum) {
        return new ModelCard(cardVersion, name, version, createdAt, input, preprocessing, architecture, training,
                threshold, sum);
    }
}
