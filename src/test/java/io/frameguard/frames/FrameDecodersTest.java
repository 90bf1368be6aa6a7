package io.frameguard.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class FrameDecodersTest {

    private static final FrameDecoders DECODERS = FrameDecoders.standard("application/json", 1000, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS);
    private static final byte[] KEY = "src".getBytes(StandardCharsets.UTF_8);

    private static RecordHeaders type(String contentType) {
        RecordHeaders h = new RecordHeaders();
        h.add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static float[] decode(byte[] key, String payload, RecordHeaders headers, int dim) throws FrameDecodeException {
        float[] dest = new float[dim + 2];
        DECODERS.decode(key, payload.getBytes(StandardCharsets.UTF_8), headers, dest, 2, FrameShape.sensor(dim));
        return dest;
    }

    private static String reasonOf(ThrowingCall call) {
        try {
            call.run();
        } catch (FrameDecodeException e) {
            return e.reason();
        }
        throw new AssertionError("no FrameDecodeException");
    }

    interface ThrowingCall {
        void run() throws FrameDecodeException;
    }

    @Test
    void jsonValuesLandAtTheOffsetAndOtherFieldsAreIgnored() throws Exception {
        float[] d = decode(KEY, "{\"ts\":5,\"meta\":{\"a\":[1,2]},\"values\":[1.5, -2, 3e2]}", type("application/json; charset=utf-8"), 3);
        assertThat(d).containsExactly(0f, 0f, 1.5f, -2f, 300f);
    }

    @Test
    void jsonIsTheDefaultWithoutHeader() throws Exception {
        assertThat(decode(KEY, "{\"values\":[1,2]}", new RecordHeaders(), 2)).containsExactly(0f, 0f, 1f, 2f);
    }

    @Test
    void float32LittleEndian() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.25f).putFloat(-7f);
        float[] dest = new float[2];
        DECODERS.decode(KEY, b.array(), type("application/x-float32"), dest, 0, FrameShape.sensor(2));
        assertThat(dest).containsExactly(1.25f, -7f);
    }

    @Test
    void badFramesAreRefusedWithTheirReason() {
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1,2", type("application/json"), 2))).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(reasonOf(() -> decode(KEY, "[1,2]", type("application/json"), 2))).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1,\"x\"]}", type("application/json"), 2))).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(reasonOf(() -> decode(KEY, "{\"other\":1}", type("application/json"), 2))).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1,2]} x", type("application/json"), 2))).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1,2,3]}", type("application/json"), 2))).isEqualTo(FrameDecodeException.WRONG_DIMENSION);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1]}", type("application/json"), 2))).isEqualTo(FrameDecodeException.WRONG_DIMENSION);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1e39,1]}", type("application/json"), 2))).isEqualTo(FrameDecodeException.NON_FINITE);
        assertThat(reasonOf(() -> decode(KEY, "", type("application/json"), 2))).isEqualTo(FrameDecodeException.EMPTY);
        assertThat(reasonOf(() -> decode(null, "{\"values\":[1,2]}", type("application/json"), 2))).isEqualTo(FrameDecodeException.MISSING_SOURCE);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[1,2]}", type("image/tiff"), 2))).isEqualTo(FrameDecodeException.UNSUPPORTED_CONTENT_TYPE);
        assertThat(reasonOf(() -> decode(KEY, "{\"values\":[" + "1,".repeat(600) + "1]}", type("application/json"), 601)))
                .isEqualTo(FrameDecodeException.TOO_LARGE);
        assertThat(reasonOf(() -> decode(KEY, "abcdefg", type("application/x-float32"), 2))).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(reasonOf(() -> decode(KEY, "abcdefghijkl", type("application/x-float32"), 2))).isEqualTo(FrameDecodeException.WRONG_DIMENSION);
        byte[] nan = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).putFloat(1).array();
        assertThat(reasonOf(() -> DECODERS.decode(KEY, nan, type("application/x-float32"), new float[2], 0, FrameShape.sensor(2))))
                .isEqualTo(FrameDecodeException.NON_FINITE);
    }

    private static FrameDecodeException refusal(ThrowingCall call) {
        try {
            call.run();
        } catch (FrameDecodeException e) {
            return e;
        }
        throw new AssertionError("no FrameDecodeException");
    }

    /**
     * A value that is no finite number says which value and why, in the producer's terms (not the JSON library's
     * settings); a frame with two "values" is refused (which one would count?).
     */
    @Test
    void nonFiniteValuesAndTwoValueArraysAreRefusedInWords() {
        for (String token : new String[] {"NaN", "-Infinity", "Infinity"}) {
            FrameDecodeException e = refusal(() -> decode(KEY, "{\"values\":[1," + token + "]}", type("application/json"), 2));
            assertThat(e.reason()).as(token).isEqualTo(FrameDecodeException.NON_FINITE);
            assertThat(e.getMessage()).contains("values[1]", token).doesNotContain("ALLOW_").doesNotContain("enable");
        }
        FrameDecodeException overflow = refusal(() -> decode(KEY, "{\"values\":[1e39,1]}", type("application/json"), 2));
        assertThat(overflow.getMessage()).contains("values[0] is Infinity as a float32", "a number beyond ±3.4028235E38, was sent");
        byte[] nan = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(Float.NaN).array();
        assertThat(refusal(() -> DECODERS.decode(KEY, nan, type("application/x-float32"), new float[2], 0, FrameShape.sensor(2)))
                .getMessage()).contains("values[1] is NaN");
        FrameDecodeException twice = refusal(() -> decode(KEY, "{\"values\":[1,2],\"values\":[3,4]}", type("application/json"), 2));
        assertThat(twice.reason()).isEqualTo(FrameDecodeException.MALFORMED);
        assertThat(twice.getMessage()).contains("values");
    }

    @Test
    void aKeyOverTheCapIsRefusedAndOneAtTheCapIsNot() throws Exception {
        FrameDecoders decoders = FrameDecoders.standard("application/json", 1000, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS, 16,
                FrameDecoders.DEFAULT_MAX_DECODED_IMAGE_BYTES);
        byte[] json = "{\"values\":[1,2]}".getBytes(StandardCharsets.UTF_8);
        byte[] atCap = new byte[16];
        java.util.Arrays.fill(atCap, (byte) 1);
        decoders.decode(atCap, json, type("application/json"), new float[2], 0, FrameShape.sensor(2));
        byte[] over = new byte[200_000];
        java.util.Arrays.fill(over, (byte) 1);
        assertThat(reasonOf(() -> decoders.decode(over, json, type("application/json"), new float[2], 0, FrameShape.sensor(2))))
                .isEqualTo(FrameDecodeException.KEY_TOO_LARGE);
        // the default cap
        assertThat(reasonOf(() -> decode(over, "{\"values\":[1,2]}", type("application/json"), 2)))
                .isEqualTo(FrameDecodeException.KEY_TOO_LARGE);
    }

    @Test
    void unknownDefaultContentTypeIsAConfigError() {
        assertThatThrownBy(() -> FrameDecoders.standard("text/csv", 10, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("frameguard.frames.default-content-type");
    }
}
