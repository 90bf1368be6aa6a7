package io.frameguard.frames;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Picks a frame's decoder from its {@code content-type} header (parameters such as {@code ; charset=utf-8}
 * ignored), and applies the checks every frame gets whatever its type: a source key that is present and not too
 * large (it is written into every record about the frame), a payload that is present and not too large.
 */
public final class FrameDecoders {

    public static final String CONTENT_TYPE_HEADER = "content-type";

    /** Default cap on an image's width x height, checked from its header before decoding: 4096 x 4096. */
    public static final long DEFAULT_MAX_IMAGE_PIXELS = 4096L * 4096L;

    /** Default cap on the memory one decoded picture takes (4096x4096 pixels of 8-bit RGBA). */
    public static final long DEFAULT_MAX_DECODED_IMAGE_BYTES = 64L << 20;

    /** Default cap on a frame's key (its source id), in bytes. */
    public static final int DEFAULT_MAX_KEY_BYTES = 1024;

    private final Map<String, FrameDecoder> byType = new HashMap<>();
    private final String defaultType;
    private final int maxBytes;
    private final int maxKeyBytes;

    public FrameDecoders(List<FrameDecoder> decoders, String defaultContentType, int maxBytes, int maxKeyBytes) {
        for (FrameDecoder d : decoders) {
            for (String type : d.contentTypes()) {
                byType.put(type, d);
            }
        }
        this.defaultType = normalise(defaultContentType);
        if (!byType.containsKey(defaultType)) {
            throw new IllegalArgumentException("frameguard.frames.default-content-type: no decoder for '"
                    + defaultContentType + "'; supported: " + byType.keySet());
        }
        this.maxBytes = maxBytes;
        this.maxKeyBytes = maxKeyBytes;
    }

    /** The built-in decoders: JSON, float32, PNG, JPEG and raw 8-bit images; keys up to {@link #DEFAULT_MAX_KEY_BYTES}. */
    public static FrameDecoders standard(String defaultContentType, int maxBytes, long maxImagePixels) {
        return standard(defaultContentType, maxBytes, maxImagePixels, DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_DECODED_IMAGE_BYTES);
    }

    /** The built-in decoders: JSON, float32, PNG, JPEG and raw 8-bit images. */
    public static FrameDecoders standard(String defaultContentType, int maxBytes, long maxImagePixels, int maxKeyBytes,
            long maxDecodedImageBytes) {
        return new FrameDecoders(List.of(new JsonFrameDecoder(), new Float32FrameDecoder(),
                new EncodedImageFrameDecoder(maxImagePixels, maxDecodedImageBytes), new RawImageFrameDecoder(maxImagePixels)),
                defaultContentType, maxBytes, maxKeyBytes);
    }

    /** Decodes one frame, a whole array, into {@code dest[offset .. offset + shape.dim())}. */
    public void decode(byte[] key, byte[] payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        decode(key, payload == null ? null : ByteBuffer.wrap(payload), headers, dest, offset, shape);
    }

    /**
     * Decodes one Kafka record's frame into {@code dest[offset .. offset + shape.dim())}: the payload from its
     * position to its limit, read in place (the buffer is left as it was).
     */
    public void decode(byte[] key, ByteBuffer payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        if (key == null || key.length == 0) {
            throw new FrameDecodeException(FrameDecodeException.MISSING_SOURCE, "the record key (source id) is missing");
        }
        if (key.length > maxKeyBytes) {
            throw new FrameDecodeException(FrameDecodeException.KEY_TOO_LARGE,
                    "record key (source id) of " + key.length + " bytes exceeds frameguard.frames.max-key-bytes=" + maxKeyBytes);
        }
        if (payload == null || !payload.hasRemaining()) {
            throw new FrameDecodeException(FrameDecodeException.EMPTY, "the record value is empty");
        }
        if (payload.remaining() > maxBytes) {
            throw new FrameDecodeException(FrameDecodeException.TOO_LARGE,
                    "frame of " + payload.remaining() + " bytes exceeds frameguard.frames.max-bytes=" + maxBytes);
        }
        String type = contentType(headers);
        FrameDecoder d = byType.get(type);
        if (d == null) {
            throw new FrameDecodeException(FrameDecodeException.UNSUPPORTED_CONTENT_TYPE,
                    "no decoder for content-type '" + UntrustedText.shown(type, 80) + "'; supported: " + byType.keySet());
        }
        d.decode(type, payload, headers, dest, offset, shape);
        requireFinite(dest, offset, shape.dim());
    }

    private String contentType(Headers headers) {
        Header h = headers == null ? null : headers.lastHeader(CONTENT_TYPE_HEADER);
        return h == null || h.value() == null ? defaultType : normalise(new String(h.value(), StandardCharsets.UTF_8));
    }

    private static String normalise(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi >= 0 ? contentType.substring(0, semi) : contentType).strip().toLowerCase(Locale.ROOT);
    }

    private static void requireFinite(float[] dest, int offset, int dim) throws FrameDecodeException {
        for (int i = offset; i < offset + dim; i++) {
            if (!Float.isFinite(dest[i])) {
                throw new FrameDecodeException(FrameDecodeException.NON_FINITE, "values[" + (i - offset) + "] is " + dest[i]
                        + (Float.isNaN(dest[i]) ? "" : " as a float32 (an infinity, or a number beyond ±" + Float.MAX_VALUE
                        + ", was sent)") + ": a frame's values must be finite float32 numbers");
            }
        }
    }
}
