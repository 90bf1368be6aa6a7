package io.frameguard.heatmaps;

import io.frameguard.events.ImageRegion;
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
 * Draws an anomaly's error map over its frame as a PNG: the frame dimmed, the error map in a black-body palette
 * (dark red to yellow) whose opacity grows with the error, and the region of largest error outlined. Colours are
 * relative to the frame's peak error, or to {@value #HOT_PIXEL_THRESHOLDS} times the model's threshold when the
 * peak is lower, so that a barely anomalous frame does not look as hot as a grossly anomalous one. Small model
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

    private HeatmapRenderer() {
    }

    public static byte[] png(HeatmapStore.Heatmap h) throws IOException {
        ImageGeometry g = h.geometry();
        int w = g.width();
        int ht = g.height();
        float max = (float) (HOT_PIXEL_THRESHOLDS * h.modelThreshold());
        for (float e : h.errors()) {
            max = Math.max(max, e);
        }
        BufferedImage small = new BufferedImage(w, ht, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < ht; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                float[] base = pixel(h.frame(), p, g.channels());
                float t = max > 0 ? h.errors()[p] / max : 0;
                float[] heat = palette(t);
                float a = MAX_ALPHA * t;
                int r = Math.round(255 * ((1 - a) * base[0] + a * heat[0]));
                int gr = Math.round(255 * ((1 - a) * base[1] + a * heat[1]));
                int b = Math.round(255 * ((1 - a) * base[2] + a * heat[2]));
                small.setRGB(x, y, r << 16 | gr << 8 | b);
            }
        }
        int scale = Math.max(1, (int) Math.ceil((double) MIN_SIDE / Math.max(w, ht)));
        BufferedImage out = new BufferedImage(w * scale, ht * scale, BufferedImage.TYPE_INT_RGB);
        Graphics2D g2 = out.createGraphics();
        try {
            g2.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g2.drawImage(small, 0, 0, w * scale, ht * scale, null);
            ImageRegion region = ImageRegions.find(h.errors(), 0, w, ht);
            if (region != null) {
                g2.setColor(Color.CYAN);
                g2.setStroke(new BasicStroke(Math.max(1, scale / 4f)));
                g2.drawRect(region.x() * scale, region.y() * scale, region.width() * scale - 1, region.height() * scale - 1);
            }
        } finally {
            g2.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(out, "png", bytes);
        return bytes.toByteArray();
    }

    private static float[] pixel(float[] frame, int p, int channels) {
        if (channels == ImageGeometry.GRAY) {
            float v = FRAME_BRIGHTNESS * clamp(frame[p]);
            return new float[] {v, v, v};
        }
        return new float[] {FRAME_BRIGHTNESS * clamp(frame[3 * p]), FRAME_BRIGHTNESS * clamp(frame[3 * p + 1]),
            FRAME_BRIGHTNESS * clamp(frame[3 * p + 2])};
    }

    /** Black-body palette: 0.25 dark red, 0.5 red-orange, 1 yellow. */
    static float[] palette(float t) {
        return new float[] {clamp(0.4f + 1.2f * t), clamp(1.4f * t - 0.4f), clamp(2f * t - 1.6f)};
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }
}
