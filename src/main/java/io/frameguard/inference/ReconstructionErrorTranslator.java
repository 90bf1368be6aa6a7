package io.frameguard.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.nio.FloatBuffer;

/**
 * Feeds a {@link FrameBatch} to the SavedModel as one [rows, dim] tensor and returns the model's error maps
 * (row-major: per-feature errors for sensors, per-pixel for images). The batch is already a batch: no DJL
 * batchifier.
 */
final class ReconstructionErrorTranslator implements NoBatchifyTranslator<FrameBatch, float[]> {

    @Override
    public NDList processInput(TranslatorContext ctx, FrameBatch batch) {
        // slice(): a buffer whose position 0 is the batch's first value, whatever its offset in the array
        FloatBuffer data = FloatBuffer.wrap(batch.values(), batch.offset(), batch.rows() * batch.dim()).slice();
        NDArray frames = ctx.getNDManager().create(data, new Shape(batch.rows(), batch.dim()));
        return new NDList(frames);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        return list.singletonOrThrow().toFloatArray();
    }
}
