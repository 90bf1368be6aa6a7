package io.frameguard.inference;

/**
 * Frames ready for the model: {@code rows} frames of {@code dim} raw values each, row-major in {@code values}
 * from {@code offset} on. A worker decodes a whole poll into one buffer and scores it in place, a slice per
 * predictor call, without copying.
 */
public record FrameBatch(float[] values, int offset, int rows, int dim) {
    public FrameBatch {
        if (offset < 0 || rows < 0 || dim <= 0 || offset + (long) rows * dim > values.length) {
            throw new IllegalArgumentException("batch of " + rows + "x" + dim + " at " + offset + " does not fit "
                    + values.length + " values");
        }
    }

    /** The first {@code rows} frames of {@code values}. */
    public FrameBatch(float[] values, int rows, int dim) {
        this(values, 0, rows, dim);
    }
}
