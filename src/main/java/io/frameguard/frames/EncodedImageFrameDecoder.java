package io.frameguard.frames;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
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

    /** The first 8 bytes of every PNG. */
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** The first 3 bytes of every JPEG (start of image, then a marker). */
    private static final byte[] JPEG_START = {(byte) 0xff, (byte) 0xd8, (byte) 0xff};
    /** The type of a PNG's last chunk. */
    private static final byte[] IEND = {'I', 'E', 'N', 'D'};
    /** A PNG chunk's length, type and CRC around its data. */
    private static final int CHUNK_OVERHEAD = 12;

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
        BufferedImage decoded = read(contentType, ByteRange.of(payload), maxPixels, maxDecodedBytes);
        try {
            ImageConversion.toValues(decoded, target, dest, offset);
        } catch (RuntimeException e) { // a colour model the conversion cannot read: this frame's problem, not the scorer's
            throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE,
                    contentType + " cannot be converted: " + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        }
    }

    /** Decoder warnings about what was ignored, the picture whole: an unreadable colour profile, a thumbnail's markers. */
    private static final List<String> HARMLESS_WARNINGS = List.of("Embedded color profile is invalid; ignored",
            "JFIF markers not allowed in JFIF JPEG thumbnail; ignored");
    /** libjpeg's warning that it skipped bytes to reach a marker, and the marker. */
    private static final java.util.regex.Pattern SKIPPED_TO_MARKER =
            java.util.regex.Pattern.compile("extraneous bytes before marker 0x([0-9a-fA-F]{2})");

    /**
     * Whether a decoder's warning leaves the picture whole. Some cameras' JPEGs carry a few bytes between the header's
     * segments, which libjpeg skips to the next marker: harmless before a marker that only the header holds (a frame
     * header SOFn, an application segment APPn, a comment). Bytes skipped to the end of the image, a restart marker or
     * another scan are what damaged image data looks like too (the decoder lost step and skipped the rest), and any
     * other warning (a stream cut short, a bad Huffman code: the reader fills what it lost with gray) is damage.
     */
    static boolean harmless(String warning) {
        java.util.regex.Matcher skipped = SKIPPED_TO_MARKER.matcher(warning);
        if (skipped.find()) {
            int marker = Integer.parseInt(skipped.group(1), 16);
            boolean frameHeader = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
            return frameHeader || (marker >= 0xe0 && marker <= 0xef) || marker == 0xfe;
        }
        return HARMLESS_WARNINGS.stream().anyMatch(warning::contains);
    }

    /**
     * A picture file (PNG or JPEG, told by its first bytes) decoded as the service decodes a frame of it: refused when
     * incomplete, damaged or over the limits, with the reason.
     */
    public static BufferedImage read(byte[] file, long maxPixels, long maxDecodedBytes) throws FrameDecodeException {
        ByteRange image = new ByteRange(file, 0, file.length);
        String type = imageType(image);
        if (type == null) {
            throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE, "not a PNG or JPEG: it starts with neither's "
                    + "signature");
        }
        return read(type, image, maxPixels, maxDecodedBytes);
    }

    private static BufferedImage read(String contentType, ByteRange image, long maxPixels, long maxDecodedBytes)
            throws FrameDecodeException {
        String incomplete = PNG.equals(contentType) ? pngProblem(image) : null;
        if (incomplete != null) {
            throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE, incomplete);
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
            Optional<String> damage = warnings.stream().filter(w -> !harmless(w)).findFirst();
            if (damage.isPresent()) {
                throw new FrameDecodeException(FrameDecodeException.CORRUPT_IMAGE, contentType + " is damaged: " + damage.get());
            }
            return decoded;
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

    /** For a file that is a PNG (it starts with the signature), why it is incomplete, else null; null for any other file. */
    public static String incompletePng(byte[] file) {
        ByteRange r = new ByteRange(file, 0, file.length);
        return PNG.equals(imageType(r)) ? pngProblem(r) : null;
    }

    /**
     * Why a payload is no complete PNG, or null: it must start with the PNG signature and its chunks, each within the
     * payload, must reach the IEND chunk (bytes after it are ignored, as PNG readers do). ImageIO checks neither chunk
     * CRCs nor the zlib checksum, so a PNG cut short could otherwise decode "fine".
     */
    static String pngProblem(ByteRange png) {
        if (!startsWith(png, PNG_SIGNATURE)) {
            return JPEG.equals(imageType(png)) ? "image/png holds a JPEG: send it as image/jpeg"
                    : "image/png is not a PNG: it does not start with the PNG signature";
        }
        byte[] b = png.bytes();
        long at = png.from() + PNG_SIGNATURE.length;
        while (at + CHUNK_OVERHEAD <= png.to()) {
            int i = (int) at;
            long length = (b[i] & 0xffL) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
            if (at + CHUNK_OVERHEAD + length > png.to()) {
                return "image/png is truncated: its " + UntrustedText.shown(new String(b, i + 4, 4,
                        java.nio.charset.StandardCharsets.ISO_8859_1), 4) + " chunk runs past the end";
            }
            if (Arrays.equals(b, i + 4, i + 8, IEND, 0, IEND.length)) {
                return null;
            }
            at += CHUNK_OVERHEAD + length;
        }
        return "image/png is truncated: it ends before its IEND chunk";
    }

    /** The image type whose file signature {@code payload} starts with ({@link #PNG}, {@link #JPEG}), or null. */
    static String imageType(ByteRange payload) {
        return startsWith(payload, PNG_SIGNATURE) ? PNG : startsWith(payload, JPEG_START) ? JPEG : null;
    }

    private static boolean startsWith(ByteRange payload, byte[] prefix) {
        return payload.length() >= prefix.length
                && Arrays.equals(payload.bytes(), payload.from(), payload.from() + prefix.length, prefix, 0, prefix.length);
    }
}
