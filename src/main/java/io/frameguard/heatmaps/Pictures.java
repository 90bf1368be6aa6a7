package io.frameguard.heatmaps;

import io.frameguard.events.Picture;
import io.frameguard.frames.ImageGeometry;

/**
 * Makes the {@link Picture} of a scored frame: the frame and its error map reduced by whole blocks so that an image's
 * longer side is at most {@value Picture#MAX_IMAGE_SIDE} pixels and a sensor frame at most {@value Picture#MAX_SENSOR_VALUES} values,
 * then quantised to bytes. A block's frame value is its mean; its error is its largest, so that a defect of one
 * pixel still shows after the reduction.
 */
public final class Pictures {

    private static final int MAX_IMAGE_SIDE = Picture.MAX_IMAGE_SIDE;
    private static final int MAX_SENSOR_VALUES = Picture.MAX_SENSOR_VALUES;

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
        int block = block(image, dim);
        if (block == 1 && width > 0 && height > 0) {
            return unreduced(image, width, height, values, valueOffset, errors, errorOffset);
        }
        int w = ceilDiv(width, block);
        int h = ceilDiv(height, block);
        float[] frame = reduceFrame(image, dim, values, valueOffset);
        float[] error = new float[w * h];
        for (int y = 0; y < height; y++) {
            int row = errorOffset + y * width;
            int cells = (y / block) * w;
            for (int x0 = 0, cell = cells; x0 < width; x0 += block, cell++) { // one block of the row per cell
                float e = error[cell];
                for (int x = x0, to = Math.min(width, x0 + block); x < to; x++) {
                    e = Math.max(e, finite(errors[row + x]));
                }
                error[cell] = e;
            }
        }
        float min = image != null ? 0f : min(frame);
        float max = image != null ? 1f : max(frame);
        float scale = Math.max(0f, max(error));
        return new Picture(w, h, image == null ? 1 : image.channels(), scale, quantise(error, 0f, scale), min, max,
                quantise(frame, min, max));
    }

    /**
     * {@link #of} where each cell is one value: quantised straight from the frame and its error map, each read twice
     * (once for its range, once to quantise), with 0 for any value that is not finite.
     */
    private static Picture unreduced(ImageGeometry image, int width, int height, float[] values, int valueOffset, float[] errors,
            int errorOffset) {
        int frameValues = width * height * (image == null ? 1 : image.channels());
        float min = 0f;
        float max = 1f;
        // plain comparisons: finite() has taken NaN out, and Math.min and max spend a few instructions per value keeping
        // NaN and -0 apart (a picture is made for every candidate anomaly)
        if (image == null) {
            min = Float.POSITIVE_INFINITY;
            max = Float.NEGATIVE_INFINITY;
            for (int i = valueOffset, end = valueOffset + frameValues; i < end; i++) {
                float v = finite(values[i]);
                min = v < min ? v : min;
                max = v > max ? v : max;
            }
        }
        float scale = 0f; // negative errors count as none
        for (int i = errorOffset, end = errorOffset + width * height; i < end; i++) {
            float e = finite(errors[i]);
            scale = e > scale ? e : scale;
        }
        return new Picture(width, height, image == null ? 1 : image.channels(), scale,
                quantise(errors, errorOffset, width * height, 0f, scale, true), min, max,
                quantise(values, valueOffset, frameValues, min, max, true));
    }

    /**
     * The picture of a sensor window of {@code channels} channels ({@code dim / channels} steps, step after step): steps
     * are reduced in whole blocks, never channels with each other, so that each channel can be drawn over time.
     */
    public static Picture window(int channels, int dim, float[] values, int valueOffset, float[] errors, int errorOffset) {
        int block = ceilDiv(dim, MAX_SENSOR_VALUES);
        float[] frame = reduceWindow(channels, dim, values, valueOffset);
        float[] error = new float[frame.length];
        int steps = dim / channels;
        for (int s = 0; s < steps; s++) {
            int step = errorOffset + s * channels;
            int cells = (s / block) * channels;
            for (int c = 0; c < channels; c++) {
                error[cells + c] = Math.max(error[cells + c], finite(errors[step + c]));
            }
        }
        float min = min(frame);
        float max = max(frame);
        float scale = Math.max(0f, max(error));
        return new Picture(frame.length, 1, 1, scale, quantise(error, 0f, scale), min, max, quantise(frame, min, max),
                channels, null);
    }

    /**
     * The picture with the model's reconstruction of its frame ({@code reconstruction[offset..]}, {@code dim} values in
     * the frame's units), reduced as the frame was and quantised on the frame's scale.
     *
     * @param image the frame's geometry; null for sensor frames and windows
     */
    public static Picture withReconstruction(Picture picture, ImageGeometry image, int dim, float[] reconstruction, int offset) {
        float[] reduced = picture.windowChannels() != null
                ? reduceWindow(picture.windowChannels(), dim, reconstruction, offset)
                : reduceFrame(image, dim, reconstruction, offset);
        return reduced.length != picture.frame().length ? picture
                : picture.withReconstruction(quantise(reduced, picture.frameMin(), picture.frameMax()));
    }

    /** Cells per block side: an image's longer side to at most {@value Picture#MAX_IMAGE_SIDE}, a sensor frame to its maximum. */
    private static int block(ImageGeometry image, int dim) {
        return image == null ? ceilDiv(dim, MAX_SENSOR_VALUES) : ceilDiv(Math.max(image.width(), image.height()), MAX_IMAGE_SIDE);
    }

    /** A frame's values, each block's mean (per colour channel). */
    private static float[] reduceFrame(ImageGeometry image, int dim, float[] values, int offset) {
        int width = image == null ? dim : image.width();
        int height = image == null ? 1 : image.height();
        int channels = image == null ? 1 : image.channels();
        int block = block(image, dim);
        if (block == 1) {
            return finiteCopy(values, offset, width * height * channels);
        }
        int w = ceilDiv(width, block);
        int h = ceilDiv(height, block);
        float[] frame = new float[w * h * channels];
        int[] counts = new int[w * h];
        for (int y = 0; y < height; y++) {
            int row = offset + y * width * channels;
            int cells = (y / block) * w;
            for (int x0 = 0, cell = cells; x0 < width; x0 += block, cell++) { // one block of the row per cell
                int to = Math.min(width, x0 + block);
                counts[cell] += to - x0;
                for (int x = x0; x < to; x++) {
                    for (int c = 0; c < channels; c++) {
                        frame[cell * channels + c] += finite(values[row + x * channels + c]);
                    }
                }
            }
        }
        for (int cell = 0; cell < counts.length; cell++) {
            for (int c = 0; c < channels; c++) {
                frame[cell * channels + c] /= counts[cell];
            }
        }
        return frame;
    }

    /** A window's values, each channel's mean over each block of steps. */
    private static float[] reduceWindow(int channels, int dim, float[] values, int offset) {
        int steps = dim / channels;
        int block = ceilDiv(dim, MAX_SENSOR_VALUES);
        if (block == 1) {
            return finiteCopy(values, offset, steps * channels);
        }
        int kept = ceilDiv(steps, block);
        float[] frame = new float[kept * channels];
        int[] counts = new int[kept];
        for (int s = 0; s < steps; s++) {
            int cell = s / block;
            counts[cell]++;
            int step = offset + s * channels;
            for (int c = 0; c < channels; c++) {
                frame[cell * channels + c] += finite(values[step + c]);
            }
        }
        for (int cell = 0; cell < kept; cell++) {
            for (int c = 0; c < channels; c++) {
                frame[cell * channels + c] /= counts[cell];
            }
        }
        return frame;
    }

    /** Each value's byte between {@code min} (0) and {@code max} ({@link Picture#QUANTA}), clamped; all 0 when they meet. */
    private static byte[] quantise(float[] v, float min, float max) {
        return quantise(v, 0, v.length, min, max, false);
    }

    /**
     * {@link #quantise(float[], float, float)} of the {@code n} values from {@code from}; with {@code nonFiniteAsZero},
     * a value that is not finite counts as 0 (as a frame's own values do in its picture), otherwise NaN gives 0 and an
     * infinity the nearest end.
     */
    private static byte[] quantise(float[] v, int from, int n, float min, float max, boolean nonFiniteAsZero) {
        byte[] out = new byte[n];
        float span = max - min;
        if (!(span > 0)) {
            return out;
        }
        float quantaPerUnit = Picture.QUANTA / span;
        for (int i = 0; i < n; i++) {
            float value = v[from + i];
            // to nearest, then clamped as an int (no float branches); the cast takes NaN to 0 and an infinity to an end
            int q = (int) (((nonFiniteAsZero ? finite(value) : value) - min) * quantaPerUnit + 0.5f);
            out[i] = (byte) Math.max(0, Math.min(Picture.QUANTA, q));
        }
        return out;
    }

    /** The values as they are where no reduction is needed, with 0 for any that is not finite. */
    private static float[] finiteCopy(float[] values, int offset, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = finite(values[offset + i]);
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
