package io.frameguard.frames;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Picks a frame's decoder from its {@code content-type} header (parameters such as {@code ; charset=utf-8}
 * ignored), and applies the checks every frame gets whatever its type: a source key, a payload that is
 * present and not too large.
 */
public final class FrameDecoders {

    public static final String CONTENT_TYPE_HEADER = "content-type";

    private final Map<String, FrameDecoder> byType = new HashMap<>();
    private final FrameDecoder defaultDecoder;
    private final int maxBytes;

    public FrameDecoders(List<FrameDecoder> decoders, String defaultContentType, int maxBytes) {
        for (FrameDecoder d : decoders) {
            for (String type : d.contentTypes()) {
                byType.put(type, d);
            }
        }
        this.defaultDecoder = byType.get(normalise(defaultContentType));
        if (defaultDecoder == null) {
            throw new IllegalArgumentException("frameguard.frames.default-content-type: no decoder for '"
                    + defaultContentType + "'; supported: " + byType.keySet());
        }
        this.maxBytes = maxBytes;
    }

    /** The built-in decoders: JSON and float32. */
    public static FrameDecoders standard(String defaultContentType, int maxBytes) {
        return new FrameDecoders(List.of(new JsonFrameDecoder(), new Float32FrameDecoder()), defaultContentType, maxBytes);
    }

    /** Decodes one Kafka record's frame into {@code dest[offset .. offset+dim)}. */
    public void decode(byte[] key, byte[] payload, Headers headers, float[] dest, int offset, int dim)
            throws FrameDecodeException {
        if (key == null || key.length == 0) {
            throw new FrameDecodeException(FrameDecodeException.MISSING_SOURCE, "the record key (source id) is missing");
        }
        if (payload == null || payload.length == 0) {
            throw new FrameDecodeException(FrameDecodeException.EMPTY, "the record value is empty");
        }
        if (payload.length > maxBytes) {
            throw new FrameDecodeException(FrameDecodeException.TOO_LARGE,
                    "frame of " + payload.length + " bytes exceeds frameguard.frames.max-bytes=" + maxBytes);
        }
        decoderFor(headers).decode(payload, dest, offset, dim);
    }

    FrameDecoder decoderFor(Headers headers) throws FrameDecodeException {
        Header h = headers == null ? null : headers.lastHeader(CONTENT_TYPE_HEADER);
        if (h == null || h.value() == null) {
            return defaultDecoder;
        }
        String type = normalise(new String(h.value(), StandardCharsets.UTF_8));
        FrameDecoder d = byType.get(type);
        if (d == null) {
            String shown = type.length() > 80 ? type.substring(0, 80) + "..." : type;
            throw new FrameDecodeException(FrameDecodeException.UNSUPPORTED_CONTENT_TYPE,
                    "no decoder for content-type '" + shown + "'; supported: " + byType.keySet());
        }
        return d;
    }

    private static String normalise(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi >= 0 ? contentType.substring(0, semi) : contentType).strip().toLowerCase(Locale.ROOT);
    }
}
