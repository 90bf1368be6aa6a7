package io.frameguard.frames;

import java.nio.ByteBuffer;
import org.apache.kafka.common.header.Headers;

/**
 * Decodes one frame payload of a content type straight into a batch buffer (no intermediate array), so that
 * decoding costs no more than inference.
 */
public interface FrameDecoder {

    /** Content types (lower case, without parameters) this decoder reads. */
    java.util.List<String> contentTypes();

    /**
     * Writes exactly {@code shape.dim()} finite values to {@code dest[offset .. offset+dim)} or throws.
     *
     * @param contentType the frame's content type, one of {@link #contentTypes()}
     * @param payload the frame's bytes, from its position to its limit (a view into the consumer's fetch response:
     *     read in place, its position and limit left as they are)
     * @param headers the record's headers, for formats that carry metadata there
     * @throws FrameDecodeException with a reason code when the payload is not a frame of that shape
     */
    void decode(String contentType, ByteBuffer payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException;

    /** {@link #decode(String, ByteBuffer, Headers, float[], int, FrameShape)} of a whole array. */
    default void decode(String contentType, byte[] payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        decode(contentType, ByteBuffer.wrap(payload), headers, dest, offset, shape);
    }
}
