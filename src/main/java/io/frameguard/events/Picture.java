package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A compact picture of an anomalous frame, enough to draw its heatmap on any replica long after the frame was scored:
 * the error map and the frame, both reduced to at most {@code width × height} cells and quantised to one byte per
 * value. Score records of candidate anomalies carry it to the detector, which writes it to the anomaly memory.
 *
 * <p>Images: {@code width × height} pixels (the model's image, scaled down to fit a small thumbnail), {@code channels}
 * 1 (gray) or 3 (RGB, interleaved) in {@code frame}. Sensor frames: one row ({@code height} 1) of the frame's values.
 *
 * @param errorScale the error that byte 255 of {@code errors} stands for (the largest cell)
 * @param errors one byte per cell, row by row: {@code errorScale × b / 255}
 * @param frameMin the value that byte 0 of {@code frame} stands for
 * @param frameMax the value that byte 255 of {@code frame} stands for
 * @param frame one byte per cell and channel, row by row
 * @param windowChannels a sensor window's channels: its one row holds {@code width / windowChannels} steps of that many
 *     values each, step after step (null: not a window)
 * @param reconstruction the frame as the model rebuilt it, reduced and quantised as {@code frame} (between
 *     {@code frameMin} and {@code frameMax}, clamped); null when the model gives none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Picture(int width, int height, int channels, float errorScale, byte[] errors, float frameMin, float frameMax,
        byte[] frame, Integer windowChannels, byte[] reconstruction) {

    public static final int QUANTA = 255;
    /** Longest side of an image's picture: a thumbnail that a console shows as it is. */
    public static final int MAX_IMAGE_SIDE = 64;
    /** Most values of a sensor frame's picture (a window's: of each of its channels' blocks of steps, at most one more). */
    public static final int MAX_SENSOR_VALUES = 2048;
    /** Most channels of a window's picture: its heatmap draws each in a row of at least one pixel. */
    public static final int MAX_WINDOW_CHANNELS = 4096;

    /** The picture of an image or of a one-step sensor frame. */
    public Picture(int width, int height, int channels, float errorScale, byte[] errors, float frameMin, float frameMax,
            byte[] frame) {
        this(width, height, channels, errorScale, errors, frameMin, frameMax, frame, null, null);
    }

    /** The same picture with the model's reconstruction of the frame. */
    public Picture withReconstruction(byte[] r) {
        return new Picture(width, height, channels, errorScale, errors, frameMin, frameMax, frame, windowChannels, r);
    }

    /** The reconstruction's value {@code i} (cell × channels + channel). */
    public float reconstructed(int i) {
        return frameMin + (frameMax - frameMin) * (reconstruction[i] & 0xff) / QUANTA;
    }

    /** The error of cell {@code i}. */
    public float error(int i) {
        return errorScale * (errors[i] & 0xff) / QUANTA;
    }

    /** The frame's value {@code i} (cell × channels + channel). */
    public float value(int i) {
        return frameMin + (frameMax - frameMin) * (frame[i] & 0xff) / QUANTA;
    }

    /** Every cell's error. */
    public float[] errorValues() {
        float[] out = new float[errors.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = error(i);
        }
        return out;
    }

    /** Every value of the frame (cell × channels + channel). */
    public float[] frameValues() {
        float[] out = new float[frame.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = value(i);
        }
        return out;
    }

    /** Every value of the reconstruction, laid out as the frame's; null when there is none. */
    public float[] reconstructionValues() {
        if (reconstruction == null) {
            return null;
        }
        float[] out = new float[reconstruction.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = reconstructed(i);
        }
        return out;
    }

    /**
     * Whether the arrays have the sizes the dimensions say, and the dimensions are within what the scorer makes (a record
     * from elsewhere may be neither: drawing it could take more memory than the service has).
     */
    public boolean wellFormed() {
        long cells = (long) width * height;
        boolean bounded = height > 1 ? width <= MAX_IMAGE_SIDE && height <= MAX_IMAGE_SIDE
                : windowChannels == null ? width <= MAX_SENSOR_VALUES
                : windowChannels <= MAX_WINDOW_CHANNELS && width <= MAX_SENSOR_VALUES + windowChannels;
        return width > 0 && height > 0 && bounded && (channels == 1 || channels == 3) && errors != null && errors.length == cells
                && frame != null && frame.length == cells * channels && Float.isFinite(errorScale)
                && Float.isFinite(frameMin) && Float.isFinite(frameMax)
                && (windowChannels == null || (height == 1 && windowChannels > 0 && width % windowChannels == 0))
                && (reconstruction == null || reconstruction.length == frame.length);
    }
}
