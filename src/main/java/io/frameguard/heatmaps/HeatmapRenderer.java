package io.frameguard.heatmaps;

import io.frameguard.events.ImageRegion;
import io.frameguard.events.Picture;
import io.frameguard.frames.ImageGeometry;
import io.frameguard.inference.ImageRegions;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Draws an anomaly's {@link Picture} as a PNG. An image: the frame dimmed, the error map in a black-body palette
 * (dark red to yellow) whose opacity grows with the error, and the region of largest error outlined. Colours are
 * relative to the frame's peak error, or to {@value #HOT_PIXEL_THRESHOLDS} times the model's threshold when the
 * peak is lower (a sensor frame's: {@value #HOT_VALUE_THRESHOLDS} times), so that a barely anomalous frame does not
 * look as hot as a grossly anomalous one. Small model
 * inputs are enlarged so that a 28x28 frame is readable.
 */
public final class HeatmapRenderer {

    /** Frames are scaled up by a whole factor until their longer side reaches this many pixels. */
    static final int MIN_SIDE = 280;
    /** Opacity of the overlay where the error is largest. */
    private static final float MAX_ALPHA = 0.85f;
    /** The frame is drawn at this brightness, so that the overlay stands out on bright objects. */
    private static final float FRAME_BRIGHTNESS = 0.6f;
    /**
     * A pixel whose error is this many times the model's threshold is drawn fully hot (the threshold is a mean
     * over all pixels: single pixels of normal frames reach several times it).
     */
    static final double HOT_PIXEL_THRESHOLDS = 25.0;
    /**
     * A sensor value whose error is this many times the model's threshold is drawn fully hot: a sensor model's
     * threshold is a channel's error (its worst channel's, over the channel's typical error), or a mean over a row of
     * a few channels, so one value at the detector's critical ratio of it is grossly anomalous.
     */
    static final double HOT_VALUE_THRESHOLDS = 4.0;

    private HeatmapRenderer() {
    }

    /**
     * The heatmap of an image anomaly's picture.
     *
     * @param modelThreshold the threshold on the card of the model that scored the frame: the scale of the colours
     */
    public static byte[] png(Picture picture, double modelThreshold) throws IOException {
        if (picture.windowChannels() != null) {
            return window(picture, modelThreshold);
        }
        if (picture.height() == 1) {
            return strip(picture, modelThreshold);
        }
        int w = picture.width();
        int ht = picture.height();
        float[] errors = picture.errorValues();
        float max = hot(picture, HOT_PIXEL_THRESHOLDS * modelThreshold);
        BufferedImage small = new BufferedImage(w, ht, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < ht; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                small.setRGB(x, y, blend(pixel(picture, p), max > 0 ? errors[p] / max : 0));
            }
        }
        int scale = Math.max(1, (int) Math.ceil((double) MIN_SIDE / Math.max(w, ht)));
        BufferedImage out = new BufferedImage(w * scale, ht * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = out.createGraphics();
        try {
            g2.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g2.drawImage(small, 0, 0, w * scale, ht * scale, null);
            ImageRegion region = ImageRegions.find(errors, 0, w, ht);
            if (region != null) {
                g2.setColor(Color.CYAN);
                g2.setStroke(new BasicStroke(Math.max(1, scale / 4f)));
                g2.drawRect(region.x() * scale, region.y() * scale, region.width() * scale - 1, region.height() * scale - 1);
            }
        } finally {
            g2.dispose();
        }
        return encode(out);
    }

    /** Size of a sensor frame's heatmap: its values as a line over columns coloured by their error. */
    static final int STRIP_WIDTH = 640;
    static final int STRIP_HEIGHT = 200;

    /**
     * A sensor frame's heatmap: its values in order as a white line, over a background whose columns glow with the
     * error of the values under them (the same palette and scale as an image's).
     */
    private static byte[] strip(Picture picture, double modelThreshold) throws IOException {
        int n = picture.width();
        float max = hot(picture, HOT_VALUE_THRESHOLDS * modelThreshold);
        float[] background = {STRIP_BACKGROUND, STRIP_BACKGROUND, STRIP_BACKGROUND};
        BufferedImage out = new BufferedImage(STRIP_WIDTH, STRIP_HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = out.createGraphics();
        try {
            int[] ys = new int[STRIP_WIDTH];
            for (int x = 0; x < STRIP_WIDTH; x++) {
                int i = (int) ((long) x * n / STRIP_WIDTH);
                g2.setColor(new Color(blend(background, max > 0 ? picture.error(i) / max : 0)));
                g2.drawLine(x, 0, x, STRIP_HEIGHT - 1);
                float v = (picture.frame()[i] & 0xff) / (float) Picture.QUANTA; // 0 at the frame's minimum, 1 at its maximum
                ys[x] = Math.round((STRIP_HEIGHT - 11) * (1 - v)) + 5;
            }
            g2.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g2.setColor(Color.WHITE);
            for (int x = 1; x < STRIP_WIDTH; x++) {
                g2.drawLine(x - 1, ys[x - 1], x, ys[x]);
            }
        } finally {
            g2.dispose();
        }
        return encode(out);
    }

    /**
     * Height of one channel's row in a window's heatmap: at least this, more while the whole stays under 400, less (one
     * pixel at least) where the whole would be taller than {@link #MAX_WINDOW_HEIGHT}.
     */
    static final int MIN_CHANNEL_ROW = 16;
    /** Tallest window heatmap, in pixels (one row of at least a pixel for each of {@link Picture#MAX_WINDOW_CHANNELS}). */
    static final int MAX_WINDOW_HEIGHT = Picture.MAX_WINDOW_CHANNELS;

    /**
     * A sensor window's heatmap: one row per channel, its values over time as a white line (scaled to the channel's own
     * range) over cells that glow with each value's error, so that the channels and moments that went wrong stand out.
     */
    private static byte[] window(Picture picture, double modelThreshold) throws IOException {
        int channels = picture.windowChannels();
        int steps = picture.width() / channels;
        int row = Math.max(1, Math.min(Math.max(MIN_CHANNEL_ROW, 400 / channels), MAX_WINDOW_HEIGHT / channels));
        float max = hot(picture, HOT_VALUE_THRESHOLDS * modelThreshold);
        float[] background = {STRIP_BACKGROUND, STRIP_BACKGROUND, STRIP_BACKGROUND};
        BufferedImage out = new BufferedImage(STRIP_WIDTH, row * channels, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = out.createGraphics();
        try {
            for (int c = 0; c < channels; c++) {
                int lo = 255;
                int hi = 0;
                for (int s = 0; s < steps; s++) {
                    int b = picture.frame()[s * channels + c] & 0xff;
                    lo = Math.min(lo, b);
                    hi = Math.max(hi, b);
                }
                int[] ys = new int[STRIP_WIDTH];
                for (int x = 0; x < STRIP_WIDTH; x++) {
                    int i = (int) ((long) x * steps / STRIP_WIDTH) * channels + c;
                    g2.setColor(new Color(blend(background, max > 0 ? picture.error(i) / max : 0)));
                    g2.drawLine(x, c * row, x, (c + 1) * row - 1);
                    float v = hi > lo ? ((picture.frame()[i] & 0xff) - lo) / (float) (hi - lo) : 0.5f;
                    ys[x] = c * row + 2 + Math.round((row - 5) * (1 - v));
                }
                g2.setColor(Color.WHITE);
                for (int x = 1; x < STRIP_WIDTH; x++) {
                    g2.drawLine(x - 1, ys[x - 1], x, ys[x]);
                }
                g2.setColor(Color.DARK_GRAY);
                g2.drawLine(0, (c + 1) * row - 1, STRIP_WIDTH - 1, (c + 1) * row - 1);
            }
        } finally {
            g2.dispose();
        }
        return encode(out);
    }

    /** Brightness of a sensor heatmap's columns where there is no error. */
    private static final float STRIP_BACKGROUND = 0.15f;

    /** The error drawn fully hot: the picture's peak error, or {@code least} if higher. */
    private static float hot(Picture picture, double least) {
        float max = (float) least;
        for (int i = 0; i < picture.errors().length; i++) {
            max = Math.max(max, picture.error(i));
        }
        return max;
    }

    /** {@code base} (RGB in [0, 1]) under the palette's colour for heat {@code t}, as opaque as the heat: packed RGB. */
    private static int blend(float[] base, float t) {
        float[] heat = palette(t);
        float a = MAX_ALPHA * t;
        int r = Math.round(255 * ((1 - a) * base[0] + a * heat[0]));
        int g = Math.round(255 * ((1 - a) * base[1] + a * heat[1]));
        int b = Math.round(255 * ((1 - a) * base[2] + a * heat[2]));
        return r << 16 | g << 8 | b;
    }

    private static byte[] encode(BufferedImage image) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, "png", bytes);
        return bytes.toByteArray();
    }

    private static float[] pixel(Picture picture, int p) {
        if (picture.channels() == ImageGeometry.GRAY) {
            float v = FRAME_BRIGHTNESS * clamp(picture.value(p));
            return new float[] {v, v, v};
        }
        return new float[] {FRAME_BRIGHTNESS * clamp(picture.value(3 * p)), FRAME_BRIGHTNESS * clamp(picture.value(3 * p + 1)),
            FRAME_BRIGHTNESS * clamp(picture.value(3 * p + 2))};
    }

    /** Black-body palette: 0.25 dark red, 0.5 red-orange, 1 yellow. */
    static float[] palette(float t) {
        return new float[] {clamp(0.4f + 1.2f * t), clamp(1.4f * t - 0.4f), clamp(2f * t - 1.6f)};
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }
}
