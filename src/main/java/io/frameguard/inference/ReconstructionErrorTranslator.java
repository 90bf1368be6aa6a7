package io.frameguard.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.frameguard.model.ModelArtifact;
import java.nio.FloatBuffer;

/**
 * Feeds a {@link FrameBatch} to the SavedModel as one [rows, dim] tensor and returns the model's outputs: its error
 * maps (row-major: per-feature errors for sensors, per-pixel for images) and, when the model has one, its signatures.
 * The batch is already a batch: no DJL batchifier.
 */
final class ReconstructionErrorTranslator implements NoBatchifyTranslator<FrameBatch, ModelOutputs> {

    private final int errorWidth;
    private final int signatureLength;

    /** @param signatureLength values per frame of the {@code signature} output; 0 when the model has none */
    ReconstructionErrorTranslator(int errorWidth, int signatureLength) {
        this.errorWidth = errorWidth;
        this.signatureLength = signatureLength;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, FrameBatch batch) {
        // slice(): a buffer whose position 0 is the batch's first value, whatever its offset in the array
        FloatBuffer data = FloatBuffer.wrap(batch.values(), batch.offset(), batch.rows() * batch.dim()).slice();
        NDArray frames = ctx.getNDManager().create(data, new Shape(batch.rows(), batch.dim()));
        return new NDList(frames);
    }

    @Override
    public ModelOutputs processOutput(TranslatorContext ctx, NDList list) {
        if (signatureLength == 0 || list.size() == 1) { // no signature, or a function that computes none
            return new ModelOutputs(list.singletonOrThrow().toFloatArray(), null);
        }
        NDArray errors = output(list, ModelArtifact.OUTPUT_NAME, errorWidth);
        NDArray signatures = output(list, ModelArtifact.SIGNATURE_NAME, signatureLength);
        // by name only: for a sensor model it is as wide as the error map, so its width cannot tell it apart
        NDArray reconstructions = list.get(ModelArtifact.RECONSTRUCTION_NAME);
        return new ModelOutputs(errors.toFloatArray(), signatures.toFloatArray(),
                reconstructions == null ? null : reconstructions.toFloatArray());
    }

    /** The output of that name, or, where the engine did not name its outputs, the one that many values wide. */
    private static NDArray output(NDList list, String name, int width) {
        NDArray named = list.get(name);
        if (named != null) {
            return named;
        }
        for (NDArray a : list) {
            if (a.getShape().dimension() == 2 && a.getShape().get(1) == width) {
                return a;
            }
        }
        throw new IllegalStateException("the model has no output " + name + " of " + width + " values per frame");
    }
}
