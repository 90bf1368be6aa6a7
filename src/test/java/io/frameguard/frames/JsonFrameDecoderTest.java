package io.frameguard.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The byte-level reader of {@code {"values":[...]}} gives exactly Jackson's values, and gives up (for Jackson to read
 * or refuse the frame, with its limits and messages) on everything that is not that one shape in strict JSON.
 */
class JsonFrameDecoderTest {

    private static final JsonFrameDecoder DECODER = new JsonFrameDecoder();

    private static float[] general(byte[] json, int dim) throws FrameDecodeException {
        float[] out = new float[dim];
        JsonFrameDecoder.decodeGeneral(json, out, 0, dim);
        return out;
    }

    private static void assertSameAsJackson(String json, int dim) throws FrameDecodeException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        float[] fast = new float[dim];
        assertThat(JsonFrameDecoder.readSimple(bytes, 0, bytes.length, fast, 0, dim)).as(json).isEqualTo(dim);
        float[] jackson = general(bytes, dim);
        for (int i = 0; i < dim; i++) {
            assertThat(Float.floatToIntBits(fast[i])).as("%s: value %d fast %s, Jackson %s", json, i, fast[i], jackson[i])
                    .isEqualTo(Float.floatToIntBits(jackson[i]));
        }
    }

    @Test
    void framesAsProducersWriteThemReadAsJacksonReadsThem() throws Exception {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            int dim = 1 + random.nextInt(1024);
            float[] frame = new float[dim];
            for (int i = 0; i < dim; i++) {
                frame[i] = switch (random.nextInt(6)) {
                    case 0 -> (float) random.nextGaussian();
                    case 1 -> (float) (random.nextGaussian() * Math.pow(10, random.nextInt(60) - 30));
                    case 2 -> random.nextInt(2000) - 1000;
                    case 3 -> Float.intBitsToFloat(random.nextInt()) ;
                    case 4 -> 0f;
                    default -> random.nextFloat();
                };
                if (!Float.isFinite(frame[i])) {
                    frame[i] = 1.5f;
                }
            }
            assertSameAsJackson(new String(FrameEncoding.json(frame), StandardCharsets.UTF_8), dim);
        }
    }

    /** The reader's own number conversion rounds as Java does, on a million random decimals of every length and scale. */
    @Test
    void numbersRoundAsJavaRoundsThem() {
        Random random = new Random(5);
        for (int k = 0; k < 1_000_000; k++) {
            int digits = 1 + random.nextInt(17);
            StringBuilder d = new StringBuilder(random.nextBoolean() ? "-" : "");
            StringBuilder mantissa = new StringBuilder();
            mantissa.append(1 + random.nextInt(9));
            for (int i = 1; i < digits; i++) {
                mantissa.append(random.nextInt(10));
            }
            int point = random.nextInt(digits + 1);
            d.append(point == 0 ? "0" : mantissa.substring(0, point));
            if (point < digits) {
                d.append('.').append(mantissa.substring(point));
            }
            if (random.nextInt(3) == 0) {
                int exponent = random.nextInt(61) - 30;
                d.append(random.nextBoolean() ? 'e' : 'E').append(exponent >= 0 && random.nextBoolean() ? "+" : "").append(exponent);
            }
            String text = d.toString();
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            float expected = Float.parseFloat(text);
            assertThat(Float.floatToIntBits(toFloat(bytes))).as(text)
                    .isEqualTo(Float.floatToIntBits(expected));
        }
        // decimals right at and around a midpoint between two floats (the case the fast path hands over)
        for (int k = 0; k < 20_000; k++) {
            float f = Float.intBitsToFloat(0x00800000 + random.nextInt(0x7e000000));
            java.math.BigDecimal mid = new java.math.BigDecimal((double) f).add(new java.math.BigDecimal((double) Math.nextUp(f)))
                    .divide(java.math.BigDecimal.valueOf(2));
            for (int precision : new int[] {9, 12, 15, 17, 40}) {
                String text = mid.round(new java.math.MathContext(precision)).toString();
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                assertThat(Float.floatToIntBits(toFloat(bytes))).as(text)
                        .isEqualTo(Float.floatToIntBits(Float.parseFloat(text)));
            }
        }
    }

    /**
     * The number read as a frame's only value and as the first of two (the reader takes digits eight bytes at a time
     * only while eight bytes remain), and as a value beyond the model's (counted, not stored): the same float both times.
     */
    private static float toFloat(byte[] number) {
        String text = new String(number, StandardCharsets.US_ASCII);
        float[] out = new float[1];
        byte[] alone = ("{\"values\":[" + text + "]}").getBytes(StandardCharsets.US_ASCII);
        assertThat(JsonFrameDecoder.readSimple(alone, 0, alone.length, out, 0, 1)).as(text).isEqualTo(1);
        float[] again = new float[1];
        byte[] followed = ("{\"values\":[" + text + ",12345678," + text + "]}").getBytes(StandardCharsets.US_ASCII);
        assertThat(JsonFrameDecoder.readSimple(followed, 0, followed.length, again, 0, 1)).as(text).isEqualTo(3);
        assertThat(Float.floatToIntBits(again[0])).as(text).isEqualTo(Float.floatToIntBits(out[0]));
        return out[0];
    }

    @Test
    void everyJsonNumberFormAndWhitespace() throws Exception {
        assertSameAsJackson(" \n{ \"values\" :\t[ 0 , -0 , 1 , -12 , 0.5 , -0.25e-3 , 1E3 , 2e+2 , 123456789012345678901234567890 , 3.4028236e38 , 1e-50 ] } \r\n", 11);
        assertSameAsJackson("{\"values\":[]}", 0);
        assertSameAsJackson("{\"values\":[-0,-0.0,-0e0,-0.0e5,0,-0,-0.0,-0E-2,0.0,-0,-0.00000000,-0,-0.0]}", 13);
        assertSameAsJackson("{\"values\":[16777217,9007199254740993,0.1,0.30000000000000004]}", 4);
        String digits = "1." + "3".repeat(MAX_DIGITS);
        assertSameAsJackson("{\"values\":[" + digits + "]}", 1);
    }

    private static final int MAX_DIGITS = JsonFrameDecoder.MAX_NUMBER_CHARS - 2;

    @Test
    void anythingElseIsLeftToJackson() {
        List<String> others = List.of(
                "{\"values\":[1,2],\"id\":7}", "{\"id\":7,\"values\":[1,2]}", "{\"val\\u0075es\":[1,2]}",
                "{\"values\":[[1],2]}", "{\"values\":[+1]}", "{\"values\":[01]}", "{\"values\":[1.]}", "{\"values\":[.5]}",
                "{\"values\":[1e]}", "{\"values\":[NaN]}", "{\"values\":[Infinity]}", "{\"values\":[0x10]}", "{\"values\":[1f]}",
                "{\"values\":[\"1\"]}", "{\"values\":[1,]}", "{\"values\":[1 2]}", "{\"values\":[1]", "{\"values\":[1]}}",
                "{\"values\":[1]} x", "[1,2]", "", "{", "{\"values\":", "{\"values\":[" + "9".repeat(1001) + "]}",
                "{\"values\":null}", "\ufeff{\"values\":[1]}",
                // the same with eight bytes or more after the number's start (a fraction's digits are read a word at a time there)
                "{\"values\":[01,2.5,3.5,4.5]}", "{\"values\":[-00.5,2.5,3.5]}", "{\"values\":[-,12345678]}",
                "{\"values\":[1.,12345678]}", "{\"values\":[.5,12345678]}", "{\"values\":[+1,12345678]}",
                "{\"values\":[1e,12345678]}", "{\"values\":[0x10,12345678]}",
                // numbers longer than Jackson allows beyond the model's values (counted, not stored), with and without an exponent
                "{\"values\":[1,2,3,4," + "9".repeat(1001) + "]}", "{\"values\":[1,2,3,4,1." + "1".repeat(1000) + "e5]}",
                "{\"values\":[1,2,3,4,1e" + "0".repeat(1000) + "]}");
        for (String json : others) {
            assertThat(readSimple(json.getBytes(StandardCharsets.UTF_8))).as(json)
                    .isEqualTo(JsonFrameDecoder.NOT_SIMPLE);
        }
    }

    @Test
    void theDecoderStillRefusesWhatJacksonRefusesAndCountsWrongSizes() throws Exception {
        FrameShape shape = FrameShape.sensor(3);
        float[] out = new float[3];
        DECODER.decode("application/json", "{\"values\":[1,2,3],\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8), null, out, 0, shape);
        assertThat(out).containsExactly(1f, 2f, 3f);
        assertThatThrownBy(() -> DECODER.decode("application/json", "{\"values\":[1,2,3,4]}".getBytes(StandardCharsets.UTF_8),
                null, new float[3], 0, shape)).hasMessage("JSON frame has 4 values, the model expects 3")
                .extracting(e -> ((FrameDecodeException) e).reason()).isEqualTo(FrameDecodeException.WRONG_DIMENSION);
        for (String bad : List.of("{\"values\":[+1,2,3]}", "{\"values\":[1,2,3]} x", "{\"values\":[" + "9".repeat(1001) + ",2,3]}",
                "[".repeat(5000) + "]".repeat(5000))) {
            assertThatThrownBy(() -> DECODER.decode("application/json", bad.getBytes(StandardCharsets.UTF_8), null, new float[3], 0, shape))
                    .as(bad.substring(0, Math.min(40, bad.length())))
                    .extracting(e -> ((FrameDecodeException) e).reason()).isEqualTo(FrameDecodeException.MALFORMED);
        }
    }

    private static int readSimple(byte[] json) {
        return JsonFrameDecoder.readSimple(json, 0, json.length, new float[4], 0, 4);
    }
}
