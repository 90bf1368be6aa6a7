package io.frameguard.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Image frames: decoded and converted to the model's geometry, hostile ones refused with a reason. */
class ImageDecodersTest {

    private static final byte[] KEY = "camera-1".getBytes(StandardCharsets.UTF_8);
    private static final ImageGeometry GRAY_8X6 = new ImageGeometry(8, 6, 1);
    private static final FrameDecoders DECODERS = FrameDecoders.standard("application/json", 5_000_000, 1_000_000);

    static RecordHeaders headers(String contentType, Integer width, Integer height) {
        RecordHeaders h = new RecordHeaders();
        h.add(FrameDecoders.CONTENT_TYPE_HEADER, contentType.getBytes(StandardCharsets.UTF_8));
        if (width != null) {
            h.add(RawImageFrameDecoder.WIDTH_HEADER, width.toString().getBytes(StandardCharsets.UTF_8));
        }
        if (height != null) {
            h.add(RawImageFrameDecoder.HEIGHT_HEADER, height.toString().getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    /** A gray gradient: pixel (x, y) = 10 * x + 20 * y. */
    static BufferedImage gradient(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = Math.min(255, 10 * x + 20 * y);
                if (type == BufferedImage.TYPE_BYTE_GRAY) {
                    img.getRaster().setSample(x, y, 0, v); // setRGB would pass it through the linear gray colour space
                } else {
                    img.setRGB(x, y, v << 16 | v << 8 | v);
                }
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }

    private static float[] decode(byte[] payload, RecordHeaders headers, ImageGeometry g) throws FrameDecodeException {
        float[] dest = new float[g.dim() + 3];
        DECODERS.decode(KEY, payload, headers, dest, 3, FrameShape.image(g));
        return Arrays.copyOfRange(dest, 3, dest.length);
    }

    private static String reason(byte[] payload, RecordHeaders headers, FrameShape shape) {
        try {
            DECODERS.decode(KEY, payload, headers, new float[shape.dim()], 0, shape);
        } catch (FrameDecodeException e) {
            return e.reason() + ": " + e.getMessage();
        }
        throw new AssertionError("frame was accepted");
    }

    @Test
    void grayPngDecodesToExactUnitValues() throws Exception {
        float[] v = decode(encode(gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png"), headers("image/png", null, null), GRAY_8X6);
        assertThat(v[0]).isEqualTo(0f);
        assertThat(v[2 * 8 + 3]).isCloseTo(70 / 255f, within(1e-6f));
        assertThat(v[5 * 8 + 7]).isCloseTo(170 / 255f, within(1e-6f));
    }

    /**
     * A 16-bit gray PNG (and a gray one with alpha) decodes to the values its 8-bit copy does: its samples scaled by its
     * bit depth, not passed through Java2D's linear gray colour space (which brightened a dark belt from 0.125 to 0.39).
     * Training on a directory of them reads them alike.
     */
    @Test
    void sixteenBitAndAlphaGrayPngsDecodeAsTheir8BitCopies() throws Exception {
        BufferedImage eight = gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage sixteen = new BufferedImage(8, 6, BufferedImage.TYPE_USHORT_GRAY);
        java.awt.image.ColorModel grayAlpha = new java.awt.image.ComponentColorModel(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_GRAY), true, false,
                java.awt.Transparency.TRANSLUCENT, java.awt.image.DataBuffer.TYPE_BYTE);
        BufferedImage withAlpha = new BufferedImage(grayAlpha, grayAlpha.createCompatibleWritableRaster(8, 6), false, null);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 8; x++) {
                int v = eight.getRaster().getSample(x, y, 0);
                sixteen.getRaster().setSample(x, y, 0, v * 257);
                withAlpha.getRaster().setSample(x, y, 0, v);
                withAlpha.getRaster().setSample(x, y, 1, 255);
            }
        }
        float[] expected = decode(encode(eight, "png"), headers("image/png", null, null), GRAY_8X6);
        assertThat(decode(encode(sixteen, "png"), headers("image/png", null, null), GRAY_8X6)).containsExactly(expected, within(1e-6f));
        assertThat(decode(encode(withAlpha, "png"), headers("image/png", null, null), GRAY_8X6)).containsExactly(expected, within(1e-6f));

        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("gray16");
        java.nio.file.Files.write(dir.resolve("a.png"), encode(sixteen, "png"));
        assertThat(io.frameguard.datasets.ImageFiles.readImageDir(dir, GRAY_8X6).values()).containsExactly(expected, within(1e-6f));
        // a PNG cut short is refused there as the service refuses it, naming the file
        byte[] png = encode(eight, "png");
        java.nio.file.Files.write(dir.resolve("b.png"), Arrays.copyOf(png, png.length - 20));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> io.frameguard.datasets.ImageFiles.readImageDir(dir, GRAY_8X6)))
                .hasMessageContaining("b.png: image/png is truncated");
    }

    @Test
    void rgbPngBecomesGrayAndRgbModelsGetThreeChannels() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        img.setRGB(1, 0, 0x00ff00);
        byte[] png = encode(img, "png");
        float[] gray = decode(png, headers("image/png", null, null), new ImageGeometry(2, 1, 1));
        assertThat(gray[0]).isCloseTo(0.299f, within(1e-3f));
        assertThat(gray[1]).isCloseTo(0.587f, within(1e-3f));
        float[] rgb = decode(png, headers("image/png", null, null), new ImageGeometry(2, 1, 3));
        assertThat(rgb).containsExactly(1f, 0f, 0f, 0f, 1f, 0f);
    }

    @Test
    void jpegOfAnotherSizeIsResizedToTheModel() throws Exception {
        BufferedImage big = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                big.setRGB(x, y, x < 32 ? 0x202020 : 0xe0e0e0);
            }
        }
        float[] v = decode(encode(big, "jpg"), headers("image/jpeg", null, null), GRAY_8X6);
        assertThat(v[8 + 1]).isCloseTo(0x20 / 255f, within(0.05f));
        assertThat(v[8 + 6]).isCloseTo(0xe0 / 255f, within(0.05f));
    }

    @Test
    void rawGrayAndRgbWithSizeHeaders() throws Exception {
        byte[] gray = new byte[8 * 6];
        gray[5] = (byte) 255;
        float[] v = decode(gray, headers("image/x-gray8", 8, 6), GRAY_8X6);
        assertThat(v[5]).isEqualTo(1f);
        assertThat(v[4]).isEqualTo(0f);
        byte[] rgb = {(byte) 255, 0, 0, 0, 0, (byte) 255};
        assertThat(decode(rgb, headers("image/x-rgb8", 2, 1), new ImageGeometry(2, 1, 3))).containsExactly(1f, 0f, 0f, 0f, 0f, 1f);
    }

    @Test
    void hugeDimensionsAreRefusedFromTheHeaderBeforeDecoding() throws Exception {
        // A real PNG whose IHDR claims 50,000 x 50,000 pixels (2.5 G pixels): refused without allocating them.
        byte[] png = withPngSize(encode(gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png"), 50_000, 50_000);
        assertThat(reason(png, headers("image/png", null, null), FrameShape.image(GRAY_8X6)))
                .startsWith(FrameDecodeException.IMAGE_TOO_LARGE).contains("50000x50000");
        assertThat(reason(new byte[10], headers("image/x-gray8", 50_000, 50_000), FrameShape.image(GRAY_8X6)))
                .startsWith(FrameDecodeException.IMAGE_TOO_LARGE);
    }

    @Test
    void aSmallFileOfWidePixelsIsRefusedByItsDecodedSize() throws Exception {
        // 1024 x 1024 16-bit RGBA: a few KB of PNG, 8 MiB once decoded
        byte[] wide = encode(rgba16(1024, 1024), "png");
        assertThat(wide.length).isLessThan(100_000);
        FrameDecoders capped = FrameDecoders.standard("application/json", 5_000_000, 2_000_000, 1024, 4L << 20);
        FrameShape shape = FrameShape.image(new ImageGeometry(1024, 1024, 1));
        FrameDecodeException refused = org.junit.jupiter.api.Assertions.assertThrows(FrameDecodeException.class,
                () -> capped.decode(KEY, wide, headers("image/png", null, null), new float[shape.dim()], 0, shape));
        assertThat(refused.reason()).isEqualTo(FrameDecodeException.IMAGE_TOO_LARGE);
        assertThat(refused.getMessage()).contains("8388608 bytes").contains("frameguard.frames.max-decoded-image-bytes");
        // the same picture in 8-bit gray (1 MiB decoded) passes the same cap
        capped.decode(KEY, encode(gradient(1024, 1024, BufferedImage.TYPE_BYTE_GRAY), "png"), headers("image/png", null, null),
                new float[shape.dim()], 0, shape);
    }

    /** A picture of 16 bits per channel, four channels (PNG keeps them: colour type 6, bit depth 16). */
    static BufferedImage rgba16(int w, int h) {
        java.awt.image.ColorModel cm = new java.awt.image.ComponentColorModel(
                java.awt.color.ColorSpace.getInstance(java.awt.color.ColorSpace.CS_sRGB), true, false,
                java.awt.Transparency.TRANSLUCENT, java.awt.image.DataBuffer.TYPE_USHORT);
        return new BufferedImage(cm, cm.createCompatibleWritableRaster(w, h), false, null);
    }

    @Test
    void damagedFilesAreRefusedAsCorrupt() throws Exception {
        byte[] png = encode(gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png");
        FrameShape shape = FrameShape.image(GRAY_8X6);
        assertThat(reason(Arrays.copyOf(png, png.length - 20), headers("image/png", null, null), shape))
                .startsWith(FrameDecodeException.CORRUPT_IMAGE);
        byte[] jpeg = encode(gradient(64, 48, BufferedImage.TYPE_INT_RGB), "jpg");
        assertThat(reason(Arrays.copyOf(jpeg, jpeg.length / 2), headers("image/jpeg", null, null), shape))
                .startsWith(FrameDecodeException.CORRUPT_IMAGE);
        // the offline commands read a directory's files as the service reads frames: the JPEG cut short is no image
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("damaged");
        java.nio.file.Files.write(dir.resolve("a.png"), png);
        java.nio.file.Files.write(dir.resolve("b.jpg"), Arrays.copyOf(jpeg, jpeg.length - 40)); // ImageIO.read fills it grey
        io.frameguard.datasets.ImageFiles.ImageDir read = io.frameguard.datasets.ImageFiles.readImageDir(dir, GRAY_8X6, true);
        assertThat(read.frames().rows()).isOne();
        assertThat(read.skipped()).containsOnlyKeys("b.jpg");
        assertThat(read.skipped().get("b.jpg")).contains("image/jpeg is damaged");
        assertThat(reason("not a picture at all".getBytes(StandardCharsets.UTF_8), headers("image/png", null, null), shape))
                .startsWith(FrameDecodeException.CORRUPT_IMAGE);
        // a JPEG sent as PNG is read by the PNG reader only, and refused, each said for what it is
        assertThat(reason(jpeg, headers("image/png", null, null), shape)).startsWith(FrameDecodeException.CORRUPT_IMAGE)
                .contains("a JPEG", "image/jpeg");
        assertThat(reason("not a picture at all".getBytes(StandardCharsets.UTF_8), headers("image/png", null, null), shape))
                .contains("not a PNG");
        assertThat(reason(Arrays.copyOf(png, png.length - 20), headers("image/png", null, null), shape)).contains("truncated");
        // bytes after the IEND chunk are no damage: read as every PNG reader (and training) reads them
        byte[] trailing = Arrays.copyOf(png, png.length + 17);
        assertThat(decode(trailing, headers("image/png", null, null), GRAY_8X6))
                .containsExactly(decode(png, headers("image/png", null, null), GRAY_8X6));
    }

    /**
     * A JPEG with a few bytes between two markers (as some cameras write them) decodes whole, and libjpeg only warns:
     * the frame is read as every viewer shows it, not dead-lettered as damaged.
     */
    @Test
    void aJpegWithExtraneousBytesBeforeAMarkerIsWhole() throws Exception {
        byte[] jpeg = encode(gradient(64, 48, BufferedImage.TYPE_INT_RGB), "jpg");
        int sof = -1;
        for (int i = 2; i < jpeg.length - 1 && sof < 0; i++) {
            sof = (jpeg[i] & 0xff) == 0xFF && (jpeg[i + 1] & 0xff) == 0xC0 ? i : -1;
        }
        byte[] padded = new byte[jpeg.length + 3]; // three zero bytes before the frame header
        System.arraycopy(jpeg, 0, padded, 0, sof);
        System.arraycopy(jpeg, sof, padded, sof + 3, jpeg.length - sof);
        ImageGeometry rgb = new ImageGeometry(64, 48, 3);
        assertThat(decode(padded, headers("image/jpeg", null, null), rgb))
                .containsExactly(decode(jpeg, headers("image/jpeg", null, null), rgb));
        // bytes skipped to the end of the image are what damaged image data looks like: still refused
        byte[] skippedToEnd = new byte[jpeg.length + 60];
        System.arraycopy(jpeg, 0, skippedToEnd, 0, jpeg.length - 2);
        skippedToEnd[skippedToEnd.length - 2] = (byte) 0xFF;
        skippedToEnd[skippedToEnd.length - 1] = (byte) 0xD9;
        assertThat(reason(skippedToEnd, headers("image/jpeg", null, null), FrameShape.image(rgb)))
                .startsWith(FrameDecodeException.CORRUPT_IMAGE).contains("extraneous bytes before marker 0xd9");
        assertThat(EncodedImageFrameDecoder.harmless("Corrupt JPEG data: 2 extraneous bytes before marker 0xd3")).as("a restart")
                .isFalse();
        assertThat(EncodedImageFrameDecoder.harmless("Corrupt JPEG data: 2 extraneous bytes before marker 0xda")).as("a scan")
                .isFalse();
        assertThat(EncodedImageFrameDecoder.harmless("Corrupt JPEG data: 5 extraneous bytes before marker 0xe1")).isTrue();
    }

    /** An image sent without its content type is read as the default, JSON: the refusal says what it looks like. */
    @Test
    void anImageWithoutItsContentTypeIsSaidToBeOne() throws Exception {
        byte[] png = encode(gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png");
        assertThat(reason(png, new RecordHeaders(), FrameShape.image(GRAY_8X6))).startsWith(FrameDecodeException.MALFORMED)
                .contains("looks like a PNG image", "content-type", "image/png");
    }

    @Test
    void rawFramesWithBadHeadersOrChannelsAreRefused() {
        FrameShape shape = FrameShape.image(GRAY_8X6);
        assertThat(reason(new byte[48], headers("image/x-gray8", null, 6), shape)).startsWith(FrameDecodeException.BAD_IMAGE_HEADER);
        assertThat(reason(new byte[48], headers("image/x-gray8", -8, 6), shape)).startsWith(FrameDecodeException.BAD_IMAGE_HEADER);
        assertThat(reason(new byte[3 * 48], headers("image/x-gray8", 8, 6), shape)).startsWith(FrameDecodeException.WRONG_CHANNELS);
        assertThat(reason(new byte[47], headers("image/x-rgb8", 8, 6), shape)).startsWith(FrameDecodeException.MALFORMED);
    }

    @Test
    void imagesForASensorModelAreRefused() throws Exception {
        byte[] png = encode(gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png");
        assertThat(reason(png, headers("image/png", null, null), FrameShape.sensor(48)))
                .startsWith(FrameDecodeException.UNSUPPORTED_CONTENT_TYPE).contains("sensor");
    }

    @Test
    void geometryParsesAndChecks() {
        assertThatThrownBy(() -> new ImageGeometry(8, 6, 2)).hasMessageContaining("channels");
        assertThat(new ImageGeometry(28, 28, 1).dim()).isEqualTo(784);
    }

    /** Rewrites a PNG's IHDR width and height (and the chunk's CRC), leaving the pixel data as it was. */
    static byte[] withPngSize(byte[] png, int width, int height) {
        byte[] out = png.clone();
        ByteBuffer b = ByteBuffer.wrap(out);
        // signature (8) + length (4) + "IHDR" (4): width and height follow
        b.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(out, 12, 4 + 13);
        b.putInt(12 + 4 + 13, (int) crc.getValue());
        return out;
    }
}
