package io.frameguard.scoring;

/**
 * The arrays a worker's predictor calls write their error maps into ({@link io.frameguard.inference.FrameBatch#errorsInto()}),
 * reused by length: the two lengths used last are kept. A batch split into calls of {@code predict-batch} frames ends
 * with a smaller call whenever {@code max-batch} is not a multiple of it, and with one array the two lengths would
 * replace each other's array on every batch. A caller reads each call's error maps before its next call.
 */
final class ErrorBuffers {

    private float[] recent = new float[0];
    private float[] older = new float[0];

    /** An array of exactly {@code length} values, the one used before for that length if it is one of the last two. */
    float[] forLength(int length) {
        if (recent.length == length) {
            return recent;
        }
        float[] other = older;
        older = recent;
        recent = other.length == length ? other : new float[length];
        return recent;
    }
}
