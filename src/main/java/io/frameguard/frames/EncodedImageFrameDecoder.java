package io.frameguard.frames;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import org.apache.kafka.common.header.Headers;

/**
 * {@code image/png} and {@code image/jpeg}: a picture file, decoded with the JDK's ImageIO reader for the
 * declared type and converted to the model's geometry ({@link ImageConversion}).
 *
 * <p>A hostile picture must not cost memory: the width, height and sample layout are read from the file's header
 * first, and a picture of more than {@code maxPixels}, or whose decoded pixels would take more than
 * {@code maxDecodedBytes} (a small file of 16-bit RGBA pixels decodes to eight bytes a pixel), is refused before any
 * pixel is decoded. Truncated or corrupt files are
 * refused too, including those the JPEG reader would only warn about and fill with grey.
 */
public final class EncodedImageFrameDecoder implements FrameDecoder {

    public static final String PNG = "image/png";
    public static final String JPEG = "image/jpeg";

    static {
        // Decode in memory: ImageIO's default cache writes temporary files for stream input.
        ImageIO.setUseCache(false);
    }

    /** The last 12 bytes of every complete PNG: the empty IEND chunk with its CRC. */
    private static final byte[] PNG_IEND = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};

    private final long maxPixels;
    private final long maxDecodedBytes;

    public EncodedImageFrameDecoder(long maxPixels, long maxDecodedBytes) {
        this.maxPixels = maxPixels;
        this.maxDecodedBytes = maxDecodedBytes;
    }

    @Override
    public List<String> contentTypes() {
        return List.of(PNG, JPEG);
    }

    @Override
    public void decode(String contentType, ByteBuffer payload, Headers headers, float[] dest, int offset, FrameShape shape)
            throws FrameDecodeException {
        ImageGeometry target = RawImageFrameDecoder.requireImageModel(contentType, shape);
        ByteRange image = ByteRange.of(payload);
        if (PNG.equals(contentType) && !endsWith(image, PNG_IEND)) {
            // ImageIO checks neither chunk CRCs nor the zlib checksum: a PNG cut short can decode "fine"
            throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE, "image/png is truncated: it does not end with an IEND chunk");
        }
        Iterator<ImageReader> readers = ImageIO.getImageReadersByMIMEType(contentType);
        if (!readers.hasNext()) {
            throw new FrameDecodeException(FrameDecodeException.UNSUPPORTED_CONTENT_TYPE, "no ImageIO reader for " + contentType);
        }
        ImageReader reader = readers.next();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(image.bytes(), image.from(), image.length()))) {
            reader.setInput(in, true, true);
            List<String> warnings = new java.util.ArrayList<>(1);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if ((long) width * height > maxPixels) {
                throw new FrameDecodeException(FrameDecodeException.IMAGE_TOO_LARGE, contentType + " of " + width + "x"
                        + height + " pixels exceeds frameguard.frames.max-image-pixels=" + maxPixels);
            }
            long decodedBytes = (long) width * height * bitsPerPixel(reader) / 8;
            if (decodedBytes > maxDecodedBytes) {
                throw new FrameDecodeException(FrameDecodeException.IMAGE_TOO_LARGE, contentType + " of " + width + "x"
                        + height + " pixels decodes to " + decodedBytes + " bytes, more than "
                        + "frameguard.frames.max-decoded-image-bytes=" + maxDecodedBytes);
            }
            ImageReadParam param = reader.getDefaultReadParam();
            BufferedImage decoded = reader.read(0, param);
            if (!warnings.isEmpty()) {
                throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE, contentType + " is damaged: " + warnings.get(0));
            }
            ImageConversion.toValues(decoded, target, dest, offset);
        } catch (IOException | RuntimeException e) {
            // ImageIO reports damaged files as IIOException and, for some, as runtime exceptions from the codec
            throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE,
                    contentType + " cannot be decoded: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        } finally {
            reader.dispose();
        }
    }

    /** Bits per decoded pixel, from the header's sample layout (the widest the reader offers). */
    private static int bitsPerPixel(ImageReader reader) throws IOException {
        int widest = 0;
        ImageTypeSpecifier raw = reader.getRawImageType(0);
        Iterator<ImageTypeSpecifier> offered = reader.getImageTypes(0);
        List<ImageTypeSpecifier> types = new java.util.ArrayList<>();
        if (raw != null) {
            types.add(raw);
        }
        offered.forEachRemaining(types::add);
        for (ImageTypeSpecifier t : types) {
            int bits = 0;
            for (int size : t.getSampleModel().getSampleSize()) {
                bits += size;
            }
            widest = Math.max(widest, bits);
        }
        return Math.max(widest, 8);
    }

    private static boolean endsWith(ByteRange payload, byte[] suffix) {
        return payload.length() >= suffix.length
                && Arrays.equals(payload.bytes(), payload.to() - suffix.length, payload.to(), suffix, 0, suffix.length);
    }
}
