package io.frameguard.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One session's native-memory copy of the frames it feeds the model, reused call after call (grown to the largest
 * call, kept). DJL's TensorFlow engine copies a direct buffer straight into the input tensor; any other buffer it first
 * copies into a new direct buffer of the batch's size, which the JVM zeroes and the kernel maps page by page on every
 * predictor call (docs/BENCHMARKS.md, issue #26). Not thread-safe: a session is one thread's.
 */
final class InputStaging {

    /** Null until the first call (a session may make none, or one call of one frame). */
    private ByteBuffer buffer;

    /**
     * The {@code n} values of {@code values} from {@code offset} as native-order bytes in this staging's memory: a
     * buffer from position 0 to their end, valid until the next call.
     */
    ByteBuffer stage(float[] values, int offset, int n) {
        int bytes = Math.multiplyExact(n, Float.BYTES);
        if (buffer == null || buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes);
        }
        ByteBuffer view = buffer.duplicate().order(ByteOrder.nativeOrder());
        view.clear().limit(bytes);
        view.asFloatBuffer().put(values, offset, n);
        return view;
    }
}
