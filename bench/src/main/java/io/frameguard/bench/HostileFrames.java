package io.frameguard.bench;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.EncodedImageFrameDecoder;
import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.JsonFrameDecoder;
import io.frameguard.frames.RawImageFrameDecoder;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Frames a sensor model must refuse, of every kind a careless or hostile producer sends: random bytes, truncated,
 * empty, over the size limit and at the broker's limit, NaN and infinite values, finite values that overflow the model's
 * arithmetic, a huge key, wrong dimension, wrong or missing content type, image bombs
 * (a PNG header declaring 50,000 x 50,000 pixels), malformed and pathological JSON (deep nesting, endless
 * numbers), absurd headers, headers that alone nearly fill a record, no source key. Each comes with its kind so a test can check the dead-letter reason
 * per kind. Deterministic for a seed.
 */
final class HostileFrames {

    /** One hostile record: {@code key} may be null. */
    record Hostile(String kind, String key, byte[] value, Headers headers) {}

    /** The kinds, in the order {@link #next} cycles through them. */
    static final List<String> KINDS = List.of("random-bytes", "random-json-bytes", "truncated", "empty", "huge", "nan", "infinity",
            "json-overflow", "too-many-values", "too-few-json-values", "wrong-content-type", "missing-content-type", "image-bomb",
            "malformed-json", "deeply-nested-json", "endless-number", "absurd-image-headers", "garbage-content-type", "no-source-key",
            "overflowing-values", "huge-key", "at-size-limit", "headers-at-size-limit");

    /** Over the service's default frameguard.frames.max-bytes (1,000,000) and under the broker's message limit. */
    static final int HUGE_BYTES = 1_040_000;
    /**
     * A few hundred bytes under the broker's default message limit (1,048,588 bytes a batch): the frame itself is
     * accepted, its dead-letter copy with the reason's headers would not be.
     */
    static final int AT_LIMIT_BYTES = 1_048_300;
    /** A key (source id) of control bytes far over the service's key cap: JSON escapes each to six bytes. */
    static final int HUGE_KEY_BYTES = 200_000;

    private final int dim;
    private final SensorSimulator sim;
    private final SplittableRandom random;

    HostileFrames(SensorSimulator sim, long seed) {
        this.dim = sim.dim();
        this.sim = sim;
        this.random = new SplittableRandom(seed);
    }

    /** The i-th hostile frame (kinds in turn), from {@code source}. */
    Hostile next(long i, String source) {
        String kind = KINDS.get((int) (i % KINDS.size()));
        float[] valid = sim.frame(source, i);
        return switch (kind) {
            case "random-bytes" -> of(kind, source, randomBytes(1 + random.nextInt(4 * dim - 1)), Float32FrameDecoder.CONTENT_TYPE);
            case "random-json-bytes" -> of(kind, source, randomBytes(1 + random.nextInt(4 * dim)), JsonFrameDecoder.CONTENT_TYPE);
            case "truncated" -> of(kind, source, Arrays.copyOf(FrameEncoding.float32(valid), 1 + random.nextInt(4 * dim - 1)),
                    Float32FrameDecoder.CONTENT_TYPE);
            case "empty" -> of(kind, source, new byte[0], Float32FrameDecoder.CONTENT_TYPE);
            case "huge" -> of(kind, source, randomBytes(HUGE_BYTES), Float32FrameDecoder.CONTENT_TYPE);
            case "nan" -> of(kind, source, FrameEncoding.float32(with(valid, Float.NaN)), Float32FrameDecoder.CONTENT_TYPE);
            case "infinity" -> of(kind, source, FrameEncoding.float32(with(valid, random.nextBoolean() ? Float.POSITIVE_INFINITY
                    : Float.NEGATIVE_INFINITY)), Float32FrameDecoder.CONTENT_TYPE);
            case "json-overflow" -> of(kind, source, jsonWith(valid, "1e999"), JsonFrameDecoder.CONTENT_TYPE);
            case "too-many-values" -> of(kind, source, FrameEncoding.float32(Arrays.copyOf(valid, dim + 1 + random.nextInt(dim))),
                    Float32FrameDecoder.CONTENT_TYPE);
            case "too-few-json-values" -> of(kind, source, FrameEncoding.json(Arrays.copyOf(valid, random.nextInt(dim))),
                    JsonFrameDecoder.CONTENT_TYPE);
            case "wrong-content-type" -> of(kind, source, FrameEncoding.float32(valid), "text/plain");
            case "missing-content-type" -> new Hostile(kind, source, FrameEncoding.float32(valid), new RecordHeaders());
            case "image-bomb" -> of(kind, source, pngHeader(50_000, 50_000), EncodedImageFrameDecoder.PNG);
            case "malformed-json" -> of(kind, source, List.of("{\"values\":[1,2,", "[1,2,\"x\"]", "{\"values\":null}", "nul", "[1,,2]",
                    "{\"values\":{\"a\":1}}").get(random.nextInt(6)).getBytes(StandardCharsets.UTF_8), JsonFrameDecoder.CONTENT_TYPE);
            // in a field the decoder skips: the parser's nesting limit must stop it, not the decoder's structure check
            case "deeply-nested-json" -> of(kind, source, ("{\"meta\":" + "[".repeat(100_000) + "]".repeat(100_000) + ",\"values\":[1]}")
                    .getBytes(StandardCharsets.UTF_8), JsonFrameDecoder.CONTENT_TYPE);
            case "endless-number" -> of(kind, source, ("{\"values\":[" + "9".repeat(500_000) + "]}").getBytes(StandardCharsets.UTF_8),
                    JsonFrameDecoder.CONTENT_TYPE);
            case "absurd-image-headers" -> {
                Hostile h = of(kind, source, randomBytes(64), RawImageFrameDecoder.GRAY8);
                h.headers().add(RawImageFrameDecoder.WIDTH_HEADER, "-7".getBytes(StandardCharsets.UTF_8));
                h.headers().add(RawImageFrameDecoder.HEIGHT_HEADER, "99999999999999999999".getBytes(StandardCharsets.UTF_8));
                yield h;
            }
            case "garbage-content-type" -> of(kind, source, FrameEncoding.float32(valid), new String(randomBytes(10_000),
                    StandardCharsets.ISO_8859_1));
            case "no-source-key" -> of(kind, null, FrameEncoding.float32(valid), Float32FrameDecoder.CONTENT_TYPE);
            // every value finite, so every decoder accepts it, but near float32's largest: the model's score overflows
            case "overflowing-values" -> of(kind, source, FrameEncoding.float32(overflowing()), Float32FrameDecoder.CONTENT_TYPE);
            // a valid frame under a key that would make its score record too large to send
            case "huge-key" -> of(kind, "\u0001".repeat(HUGE_KEY_BYTES), FrameEncoding.float32(valid), Float32FrameDecoder.CONTENT_TYPE);
            case "at-size-limit" -> of(kind, source, randomBytes(AT_LIMIT_BYTES), Float32FrameDecoder.CONTENT_TYPE);
            // the bulk in its own headers, which a dead letter cut to fit keeps: only one that keeps nothing of it fits
            case "headers-at-size-limit" -> {
                Hostile h = of(kind, source, new byte[0], Float32FrameDecoder.CONTENT_TYPE);
                for (int part = 0; part < 4; part++) {
                    h.headers().add("bulk-" + part, randomBytes(AT_LIMIT_BYTES / 4 - 16));
                }
                yield h;
            }
            default -> throw new IllegalStateException(kind);
        };
    }

    private static Hostile of(String kind, String key, byte[] value, String contentType) {
        RecordHeaders h = new RecordHeaders();
        h.add(FrameDecoders.CONTENT_TYPE_HEADER, contentType.getBytes(StandardCharsets.ISO_8859_1));
        return new Hostile(kind, key, value, h);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private float[] with(float[] frame, float value) {
        float[] f = frame.clone();
        f[random.nextInt(f.length)] = value;
        return f;
    }

    private float[] overflowing() {
        float[] f = new float[dim];
        for (int i = 0; i < dim; i++) {
            f[i] = random.nextBoolean() ? 3e38f : -3e38f;
        }
        return f;
    }

    private byte[] jsonWith(float[] frame, String literal) {
        String json = new String(FrameEncoding.json(frame), StandardCharsets.UTF_8);
        int comma = json.indexOf(',');
        return (json.substring(0, comma + 1) + literal + json.substring(json.indexOf(',', comma + 1)))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A PNG signature and an IHDR chunk (valid CRC) declaring width x height 8-bit gray, and nothing else. */
    static byte[] pngHeader(int width, int height) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteBuffer ihdr = ByteBuffer.allocate(17).order(ByteOrder.BIG_ENDIAN);
            ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                    .put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
            out.writeInt(13);
            out.write(ihdr.array());
            CRC32 crc = new CRC32();
            crc.update(ihdr.array());
            out.writeInt((int) crc.getValue());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
