package io.frameguard.heatmaps;

import io.frameguard.events.Picture;
import io.frameguard.frames.ImageGeometry;

/**
 * Makes the {@link Picture} of a scored frame: the frame and its error map reduced by whole blocks so that an image's
 * longer side is at most {@value #MAX_IMAGE_SIDE} pixels and a sensor frame at most {@value #MAX_SENSOR_VALUES} values,
 * then quantised to bytes. A block's frame value is its mean; its error is its largest, so that a defect of one
 * pixel still shows after the reduction.
 */
public final class Pictures {

    /** Longest side of an image's picture: a thumbnail that a console shows as it is. */
    public static final int MAX_IMAGE_SIDE = 64;
    /** Most values of a sensor frame's picture. */
    public static final int MAX_SENSOR_VALUES = 2048;

    private Pictures() {
    }

    /**
     * The picture of the frame at {@code values[valueOffset..]} with its error map at {@code errors[errorOffset..]}.
     *
     * @param image the frame's geometry; null for a sensor frame of {@code dim} values (its error map has as many)
     */
    public static Picture of(ImageGeometry image, int dim, float[] values, int valueOffset, float[] errors, int errorOffset) {
        int width = image == null ? dim : image.width();
        int height = image == null ? 1 : image.height();
        int channels = image == null ? 1 : image.channels();
        int block = image == null ? ceilDiv(dim, MAX_SENSOR_VALUES) : ceilDiv(Math.max(width, height), MAX_IMAGE_SIDE);
        int w = ceilDiv(width, block);
        int h = ceilDiv(height, block);
        float[] frame = new float[w * h * channels];
        float[] error = new float[w * h];
        int[] counts = new int[w * h];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int cell = (y / block) * w + x / block;
                int pixel = y * width + x;
                counts[cell]++;
                error[cell] = Math.max(error[cell], finite(errors[errorOffset + pixel]));
                for (int c = 0; c < channels; c++) {
                    frame[cell * channels + c] += finite(values[valueOffset + pixel * channels + c]);
                }
            }
        }
        for (int cell = 0; cell < counts.length; cell++) {
            for (int c = 0; c < channels; c++) {
                frame[cell * channels + c] /= counts[cell];
            }
        }
        float min = image != null ? 0f : min(frame);
        float max = image != null ? 1f : max(frame);
        float scale = Math.max(0f, max(error));
        return new Picture(w, h, channels, scale, quantise(error, 0f, scale), min, max, quantise(frame, min, max));
    }

    /**
     * The picture of a sensor window of {@code channels} channels ({@code dim / channels} steps, step after step): steps
     * are reduced in whole blocks, never channels with each other, so that each channel can be drawn over time.
     */
    public static Picture window(int channels, int dim, float[] values, int valueOffset, float[] errors, int errorOffset) {
        int steps = dim / channels;
        int block = ceilDiv(dim, MAX_SENSOR_VALUES);
        int kept = ceilDiv(steps, block);
        float[] frame = new float[kept * channels];
        float[] error = new float[kept * channels];
        int[] counts = new int[kept];
        for (int s = 0; s < steps; s++) {
            int cell = s / block;
            counts[cell]++;
            for (int c = 0; c < channels; c++) {
                int v = s * channels + c;
                frame[cell * channels + c] += finite(values[valueOffset + v]);
                error[cell * channels + c] = Math.max(error[cell * channels + c], finite(errors[errorOffset + v]));
            }
        }
        for (int cell = 0; cell < kept; cell++) {
            for (int c = 0; c < channels; c++) {
                frame[cell * channels + c] /= counts[cell];
            }
        }
        float min = min(frame);
        float max = max(frame);
        float scale = Math.max(0f, max(error));
        return new Picture(kept * channels, 1, 1, scale, quantise(error, 0f, scale), min, max, quantise(frame, min, max),
                channels);
    }

    private static byte[] quantise(float[] v, float min, float max) {
        byte[] out = new byte[v.length];
        float span = max - min;
        for (int i = 0; i < v.length; i++) {
            float t = span > 0 ? (v[i] - min) / span : 0f;
            out[i] = (byte) Math.round(Picture.QUANTA * Math.max(0f, Math.min(1f, t)));
        }
        return out;
    }

    private static float finite(float v) {
        return Float.isFinite(v) ? v : 0f;
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : v) {
            m = Math.min(m, x);
        }
        return v.length == 0 ? 0f : m;
    }

    private static float max(float[] v) {
        float m = v.length == 0 ? 0f : Float.NEGATIVE_INFINITY;
        for (float x : v) {
            m = Math.max(m, x);
        }
        return m;
    }

    private static int ceilDiv(int a, int b) {
        return Math.max(1, (a + b - 1) / b);
    }
}
