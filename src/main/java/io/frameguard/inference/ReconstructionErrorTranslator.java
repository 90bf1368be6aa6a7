package io.frameguard.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.tensorflow.engine.TfNDArray;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import io.frameguard.model.ModelArtifact;
import java.nio.ByteOrder;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.TF_Tensor;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * Feeds a {@link FrameBatch} to the SavedModel as one [rows, dim] tensor (through the calling session's
 * {@link InputStaging}) and returns the model's outputs: its error maps (row-major: per-feature errors for sensors,
 * per-pixel for images) and, when the model has them, its signatures, reconstructions and channels' contributions. The
 * batch is already a batch: no DJL batchifier.
 */
final class ReconstructionErrorTranslator implements NoBatchifyTranslator<ModelCall, ModelOutputs> {

    /** The context attachment under which a call's {@link FrameBatch#errorsInto()} waits for its outputs. */
    private static final String ERRORS_INTO = "frameguard.errorsInto";
    /** The context attachment that holds a call's number of frames, to check its outputs against. */
    private static final String ROWS = "frameguard.rows";
    private final int errorWidth;
    private final int signatureLength;
    private final int contributionWidth;

    /**
     * @param signatureLength values per frame of the {@code signature} output; 0 when the model has none
     * @param contributionWidth values per frame of the {@code contributions} output, which then every function has; 0
     *     when the model has none
     */
    ReconstructionErrorTranslator(int errorWidth, int signatureLength, int contributionWidth) {
        this.errorWidth = errorWidth;
        this.signatureLength = signatureLength;
        this.contributionWidth = contributionWidth;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, ModelCall call) {
        FrameBatch batch = call.batch();
        NDArray frames = ctx.getNDManager().create(call.staging().stage(batch.values(), batch.offset(), batch.rows() * batch.dim()),
                new Shape(batch.rows(), batch.dim()), DataType.FLOAT32);
        ctx.setAttachment(ROWS, batch.rows());
        if (batch.errorsInto() != null) {
            ctx.setAttachment(ERRORS_INTO, batch.errorsInto());
        }
        return new NDList(frames);
    }

    @Override
    public ModelOutputs processOutput(TranslatorContext ctx, NDList list) {
        int rows = (Integer) ctx.getAttachment(ROWS);
        float[] errorsInto = (float[]) ctx.getAttachment(ERRORS_INTO);
        if (list.size() == 1 && contributionWidth == 0) { // the error maps alone
            return new ModelOutputs(floats(checked(list.singletonOrThrow(), rows, errorWidth), errorsInto), null);
        }
        NDArray errors = checked(output(list, ModelArtifact.OUTPUT_NAME, errorWidth), rows, errorWidth);
        // a function that computes no signature (serving_default beside describe) returns none
        NDArray signatures = signatureLength == 0 ? null : optionalOutput(list, ModelArtifact.SIGNATURE_NAME, signatureLength);
        // by name only: for a sensor model they are as wide as the error map, so their width cannot tell them apart
        NDArray reconstructions = list.get(ModelArtifact.RECONSTRUCTION_NAME);
        NDArray contributions = contributionWidth == 0 ? null : list.get(ModelArtifact.CONTRIBUTIONS_NAME);
        if (contributionWidth > 0 && contributions == null) {
            throw new IllegalStateException("the model has no output " + ModelArtifact.CONTRIBUTIONS_NAME + ", which its card declares");
        }
        return new ModelOutputs(floats(errors, errorsInto), signatures == null ? null : floats(signatures, null),
                reconstructions == null ? null : floats(reconstructions, null),
                contributions == null ? null : floats(checked(contributions, rows, contributionWidth), null));
    }

    /**
     * The values of a float32 output, copied once from the tensor's memory into a new array. DJL's
     * {@code toFloatArray} copies twice (into a new heap buffer, then into the array), on every batch's error maps, which
     * are as large as its frames. The tensor is resolved as DJL resolves it (on a GPU, that copies it to the host) and
     * released when the copy is done. Arrays of another engine or type: {@code toFloatArray}.
     *
     * @param into the array to copy into, from its start, when it holds at least as many values ({@link
     *     FrameBatch#errorsInto()}); null or shorter: a new array of the output's length
     */
    static float[] floats(NDArray array, float[] into) {
        if (!(array instanceof TfNDArray) || array.getDataType() != DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (PointerScope scope = new PointerScope()) { // releases the status and the resolved tensor
            TF_Status status = TF_Status.newStatus();
            TF_Tensor tensor = tensorflow.TFE_TensorHandleResolve(((TfNDArray) array).getHandle(), status);
            status.throwExceptionIfNotOK();
            tensor = tensor.withDeallocator();
            long bytes = tensorflow.TF_TensorByteSize(tensor);
            int length = Math.toIntExact(bytes / Float.BYTES);
            float[] values = into != null && into.length >= length ? into : new float[length];
            tensorflow.TF_TensorData(tensor).capacity(bytes).asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer().get(values, 0, length);
            return values;
        }
    }

    /**
     * {@code errors} when it holds {@code rows} maps of {@code width} values, else an error: read into a caller's larger
     * buffer, a short output would leave an earlier call's maps in the rest, scored as this call's frames.
     */
    static NDArray checked(NDArray errors, int rows, int width) {
        long size = errors.getShape().size();
        if (size != (long) rows * width) {
            throw new IllegalStateException("the model returned " + size + " error values (shape " + errors.getShape() + ") for "
                    + rows + " frames of " + width);
        }
        return errors;
    }

    /** The output of that name, or, where the engine did not name its outputs, the one that many values wide. */
    private static NDArray output(NDList list, String name, int width) {
        NDArray found = optionalOutput(list, name, width);
        if (found == null) {
            throw new IllegalStateException("the model has no output " + name + " of " + width + " values per frame");
        }
        return found;
    }

    /** {@link #output}, or null when there is none. */
    private static NDArray optionalOutput(NDList list, String name, int width) {
        NDArray named = list.get(name);
        if (named != null) {
            return named;
        }
        for (NDArray a : list) {
            if (a.getShape().dimension() == 2 && a.getShape().get(1) == width) {
                return a;
            }
        }
        return null;
    }
}
