package io.frameguard.scoring;

/**
 * Frames ready for the model: {@code rows} frames of {@code dim} raw values each, row-major in {@code values}
 * (which may be longer than {@code rows * dim}, so a worker can reuse one buffer across batches).
 */
public record FrameBatch(float[] values, int rows, int dim) {
    public FrameBatch {
        if (rows < 0 || dim <= 0 || (long) rows * dim > values.length) {
            throw new IllegalArgumentException("batch of " + rows + "x" + dim + " does not fit " + values.length + " values");
        }
    }
}
