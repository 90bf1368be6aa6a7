package io.frameguard.inference;

/**
 * Frames ready for the model: {@code rows} frames of {@code dim} raw values each, row-major in {@code values}
 * from {@code offset} on. A worker decodes a whole poll into one buffer and scores it in place, a slice per
 * predictor call, without copying.
 *
 * @param errorsInto where the call's error maps go, from its start, when it holds at least as many values (a worker's
 *     buffer sized for its largest call, reused call after call: a batch's error maps are as large as its frames, and a
 *     new array for each would be a large allocation per call), so the outputs' {@code errors} are valid until the
 *     buffer's next call and may be longer than the maps; null, or shorter: a new array
 */
public record FrameBatch(float[] values, int offset, int rows, int dim, float[] errorsInto) {
    public FrameBatch {
        if (offset < 0 || rows < 0 || dim <= 0 || offset + (long) rows * dim > values.length) {
            throw new IllegalArgumentException("batch of " + rows + "x" + dim + " at " + offset + " does not fit "
                    + values.length + " values");
        }
    }

    /** {@code rows} frames from {@code offset}; their error maps in a new array. */
    public FrameBatch(float[] values, int offset, int rows, int dim) {
        this(values, offset, rows, dim, null);
    }

    /** The first {@code rows} frames of {@code values}. */
    public FrameBatch(float[] values, int rows, int dim) {
        this(values, 0, rows, dim);
    }
}
