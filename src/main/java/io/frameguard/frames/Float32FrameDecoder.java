package io.frameguard.frames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.kafka.common.header.Headers;

/** {@code application/x-float32}: the frame's values as IEEE float32, little-endian, back to back. */
public final class Float32FrameDecoder implements FrameDecoder {

    public static final String CONTENT_TYPE = "application/x-float32";

    @Override
    public List<String> contentTypes() {
        return List.of(CONTENT_TYPE);
    }

    @Override
    public void decode(String contentType, ByteBuffer payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        int dim = shape.dim();
        int length = payload.remaining();
        if (length != 4 * dim) {
            throw new FrameDecodeException(length % 4 == 0 ? FrameDecodeException.WRONG_DIMENSION : FrameDecodeException.MALFORMED,
                    "float32 frame of " + length + " bytes, the model expects " + dim + " values (" + 4 * dim + " bytes)");
        }
        payload.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(dest, offset, dim);
    }
}
