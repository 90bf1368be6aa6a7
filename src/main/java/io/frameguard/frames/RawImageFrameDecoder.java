package io.frameguard.frames;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * {@code image/x-gray8} and {@code image/x-rgb8}: uncompressed 8-bit pixels, row-major, channels last, with the
 * size in the {@value #WIDTH_HEADER} and {@value #HEIGHT_HEADER} headers (decimal). The payload must hold
 * exactly width x height x channels bytes; the size is checked against {@code maxPixels} before anything else.
 */
public final class RawImageFrameDecoder implements FrameDecoder {

    public static final String GRAY8 = "image/x-gray8";
    public static final String RGB8 = "image/x-rgb8";
    public static final String WIDTH_HEADER = "image-width";
    public static final String HEIGHT_HEADER = "image-height";

    private final long maxPixels;

    public RawImageFrameDecoder(long maxPixels) {
        this.maxPixels = maxPixels;
    }

    @Override
    public List<String> contentTypes() {
        return List.of(GRAY8, RGB8);
    }

    @Override
    public void decode(String contentType, ByteBuffer payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        ImageGeometry target = requireImageModel(contentType, shape);
        int channels = GRAY8.equals(contentType) ? ImageGeometry.GRAY : ImageGeometry.RGB;
        int width = sizeHeader(headers, WIDTH_HEADER);
        int height = sizeHeader(headers, HEIGHT_HEADER);
        long pixels = (long) width * height;
        if (pixels > maxPixels) {
            throw new FrameDecodeException(FrameDecodeException.IMAGE_TOO_LARGE, contentType + " of " + width + "x"
                    + height + " pixels exceeds frameguard.frames.max-image-pixels=" + maxPixels);
        }
        ByteRange image = ByteRange.of(payload);
        int length = image.length();
        if (length != pixels * channels) {
            boolean otherChannels = length % pixels == 0;
            throw new FrameDecodeException(otherChannels ? FrameDecodeException.WRONG_CHANNELS : FrameDecodeException.MALFORMED,
                    contentType + " of " + width + "x" + height + " needs " + pixels * channels + " bytes, got "
                            + length + (otherChannels ? " (" + length / pixels + " channels)" : ""));
        }
        ImageConversion.toValues(image.bytes(), image.from(), width, height, channels, target, dest, offset);
    }

    /** The model's image geometry, or a refusal naming the mismatch when the model reads sensor frames. */
    static ImageGeometry requireImageModel(String contentType, FrameShape shape) throws FrameDecodeException {
        if (!shape.isImage()) {
            throw new FrameDecodeException(FrameDecodeException.UNSUPPORTED_CONTENT_TYPE,
                    contentType + " frame, but the model reads sensor frames of " + shape.dim() + " values");
        }
        return shape.image();
    }

    private static int sizeHeader(Headers headers, String name) throws FrameDecodeException {
        Header h = headers == null ? null : headers.lastHeader(name);
        if (h == null || h.value() == null) {
            throw new FrameDecodeException(FrameDecodeException.BAD_IMAGE_HEADER, "raw image without a " + name + " header");
        }
        String text = new String(h.value(), StandardCharsets.UTF_8).strip();
        try {
            int v = Integer.parseInt(text);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        String shown = text.length() > 20 ? text.substring(0, 20) + "..." : text;
        throw new FrameDecodeException(FrameDecodeException.BAD_IMAGE_HEADER, name + " '" + shown + "' is not a positive integer");
    }
}
