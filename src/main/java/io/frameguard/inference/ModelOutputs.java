package io.frameguard.inference;

/**
 * What one predictor call returns for a batch, row-major.
 *
 * @param errors the error maps: per frame {@code ModelCard.Input#errorWidth()} values (the array may be longer, its
 *     rest not the call's, when the call wrote them into {@link FrameBatch#errorsInto()})
 * @param signatures the signatures: per frame {@code ModelCard.Signature#length()} values; null for a model without
 * @param reconstructions the frames as the autoencoder rebuilt them, per frame {@code dim} values in the frame's units;
 *     null unless the {@code describe} function of a model that has one computed them
 * @param contributions per frame and channel, the part of the frame's error that a fault of the channel alone explains
 *     ({@code ModelArtifact#CONTRIBUTIONS_NAME}); null for a model without them
 */
public record ModelOutputs(float[] errors, float[] signatures, float[] reconstructions, float[] contributions) {

    public ModelOutputs(float[] errors, float[] signatures) {
        this(errors, signatures, null, null);
    }
}
