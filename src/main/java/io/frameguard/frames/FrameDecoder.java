package io.frameguard.frames;

/**
 * Decodes one frame payload of a content type straight into a batch buffer (no intermediate array), so that
 * decoding costs no more than inference.
 */
public interface FrameDecoder {

    /** Content types (lower case, without parameters) this decoder reads. */
    java.util.List<String> contentTypes();

    /**
     * Writes exactly {@code dim} finite values to {@code dest[offset .. offset+dim)} or throws.
     *
     * @throws FrameDecodeException with a reason code when the payload is not a frame of {@code dim} values
     */
    void decode(byte[] payload, float[] dest, int offset, int dim) throws FrameDecodeException;

    static void requireFinite(float[] dest, int offset, int dim) throws FrameDecodeException {
        for (int i = offset; i < offset + dim; i++) {
            if (!Float.isFinite(dest[i])) {
                throw new FrameDecodeException(FrameDecodeException.NON_FINITE,
                        "value " + (i - offset) + " is " + dest[i]);
            }
        }
    }
}
