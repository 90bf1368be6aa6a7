package io.frameguard.frames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** The payloads the decoders read, for producers written in Java (the demo, benchmarks, tests). */
public final class FrameEncoding {

    private FrameEncoding() {}

    /** {@code application/json}: {@code {"values":[...]}}. */
    public static byte[] json(float[] frame) {
        StringBuilder b = new StringBuilder(frame.length * 12 + 12).append("{\"").append(JsonFrameDecoder.VALUES_FIELD).append("\":[");
        for (int i = 0; i < frame.length; i++) {
            b.append(i > 0 ? "," : "").append(frame[i]);
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code application/x-float32}: little-endian float32 values. */
    public static byte[] float32(float[] frame) {
        ByteBuffer b = ByteBuffer.allocate(4 * frame.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : frame) {
            b.putFloat(v);
        }
        return b.array();
    }
}
