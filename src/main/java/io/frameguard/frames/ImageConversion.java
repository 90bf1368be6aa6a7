package io.frameguard.frames;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.color.ColorSpace;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;

/**
 * Turns decoded pictures into a model's input: resized to its width and height, converted to its channels,
 * 8-bit values scaled to [0, 1]. The one conversion used by the service's decoders and by training on image
 * files, so the two cannot disagree.
 *
 * <p>Pixels are handled as packed sRGB ints: gray rasters (8 or 16 bits, with alpha or not) are read sample by sample
 * and scaled by their bit depth (Java2D's {@code getRGB} would pass them through its linear gray colour space and
 * change their values: a 16-bit gray PNG's dark belt came out three times as bright), RGB
 * becomes gray with the Rec. 601 luma weights. Resizing is bilinear, halving step by step first when
 * shrinking by more than 2x so that large pictures are averaged rather than sampled.
 */
public final class ImageConversion {

    private static final float SCALE = 1f / 255f;

    private ImageConversion() {
    }

    /**
     * Whether an image is gray: its colour space is, whatever its depth and alpha (band 0 is the gray), or its palette
     * holds grays only (ImageIO reads a gray PNG of 1, 2 or 4 bits as an indexed image); another indexed image (a
     * palette PNG) is not, however few bands its raster has, since its palette holds its colours.
     */
    public static boolean isGray(BufferedImage image) {
        if (image.getColorModel() instanceof IndexColorModel palette) {
            for (int i = 0; i < palette.getMapSize(); i++) {
                if (palette.getRed(i) != palette.getGreen(i) || palette.getGreen(i) != palette.getBlue(i)) {
                    return false;
                }
            }
            return true;
        }
        return image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY;
    }

    /** Writes {@code image} in geometry {@code g} to {@code dest[offset .. offset + g.dim())}. */
    public static void toValues(BufferedImage image, ImageGeometry g, float[] dest, int offset) {
        Raster raster = image.getRaster();
        boolean gray = isGray(image);
        int w = image.getWidth();
        int h = image.getHeight();
        int[] rgb;
        if (gray && !(image.getColorModel() instanceof IndexColorModel)) { // an indexed image's samples are its palette's indices
            long max = (1L << raster.getSampleModel().getSampleSize(0)) - 1;
            rgb = new int[w * h];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = max == 255 ? row[x] : (int) ((row[x] * 255L + max / 2) / max);
                    rgb[y * w + x] = v << 16 | v << 8 | v;
                }
            }
        } else {
            rgb = image.getRGB(0, 0, w, h, null, 0, w);
        }
        write(rgb, w, h, gray, g, dest, offset);
    }

    /**
     * Writes raw 8-bit pixels ({@code channels} 1 or 3, channels last, row-major) in geometry {@code g}.
     *
     * @throws IllegalArgumentException if {@code pixels} does not hold exactly width x height x channels bytes
     */
    public static void toValues(byte[] pixels, int width, int height, int channels, ImageGeometry g, float[] dest,
            int offset) {
        if ((long) width * height * channels != pixels.length) {
            throw new IllegalArgumentException(pixels.length + " bytes are not " + width + "x" + height + "x" + channels);
        }
        toValues(pixels, 0, width, height, channels, g, dest, offset);
    }

    /** {@link #toValues(byte[], int, int, int, ImageGeometry, float[], int)} of the pixels that start at {@code pixels[from]}. */
    static void toValues(byte[] pixels, int from, int width, int height, int channels, ImageGeometry g, float[] dest,
            int offset) {
        int n = width * height * channels;
        if (width == g.width() && height == g.height() && channels == g.channels()) {
            for (int i = 0; i < n; i++) {
                dest[offset + i] = (pixels[from + i] & 0xff) * SCALE;
            }
            return;
        }
        int[] rgb = new int[width * height];
        for (int i = 0; i < rgb.length; i++) {
            if (channels == ImageGeometry.GRAY) {
                int v = pixels[from + i] & 0xff;
                rgb[i] = v << 16 | v << 8 | v;
            } else {
                int p = from + 3 * i;
                rgb[i] = (pixels[p] & 0xff) << 16 | (pixels[p + 1] & 0xff) << 8 | (pixels[p + 2] & 0xff);
            }
        }
        write(rgb, width, height, channels == ImageGeometry.GRAY, g, dest, offset);
    }

    private static void write(int[] rgb, int w, int h, boolean gray, ImageGeometry g, float[] dest, int offset) {
        if (w != g.width() || h != g.height()) {
            rgb = resize(rgb, w, h, g.width(), g.height());
        }
        int o = offset;
        for (int p : rgb) {
            int r = p >> 16 & 0xff;
            int gr = p >> 8 & 0xff;
            int b = p & 0xff;
            if (g.channels() == ImageGeometry.GRAY) {
                dest[o++] = gray ? r * SCALE : (0.299f * r + 0.587f * gr + 0.114f * b) * SCALE;
            } else {
                dest[o++] = r * SCALE;
                dest[o++] = gr * SCALE;
                dest[o++] = b * SCALE;
            }
        }
    }

    private static int[] resize(int[] rgb, int w, int h, int tw, int th) {
        BufferedImage current = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        current.setRGB(0, 0, w, h, rgb, 0, w);
        int cw = w;
        int ch = h;
        while (cw != tw || ch != th) {
            int nw = cw >= 2 * tw ? cw / 2 : tw;
            int nh = ch >= 2 * th ? ch / 2 : th;
            BufferedImage next = new BufferedImage(nw, nh, BufferedImage.TYPE_INT_RGB);
            Graphics2D g2 = next.createGraphics();
            try {
                g2.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                g2.drawImage(current, 0, 0, nw, nh, null);
            } finally {
                g2.dispose();
            }
            current = next;
            cw = nw;
            ch = nh;
        }
        return current.getRGB(0, 0, tw, th, null, 0, tw);
    }
}
