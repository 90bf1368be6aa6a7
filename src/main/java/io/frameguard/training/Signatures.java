package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import io.frameguard.model.ModelCard;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;

/**
 * The graph of a model's second output, its signature: per frame, a fixed-length vector that says what is wrong with
 * it, for finding past anomalies like it by cosine similarity (the anomaly memory).
 *
 * <p>Sensor signatures scale each part to unit length before the parts are joined, so that each weighs the same in a
 * cosine whatever its size; image signatures weigh each part by how far it departs from normal pictures:
 * <ul>
 *   <li>images: <em>where</em> the error is (the error map averaged over a grid of at most 8x8 cells), <em>what</em>
 *       the frame is (the autoencoder's latent code) and what it looks like from afar (a thumbnail), then centred on the
 *       product ({@link #centred}): one camera's pictures are all alike as a whole, so only where and how far a picture
 *       departs from the normal ones tells one defect from another;
 *   <li>sensor frames of at most {@value #MAX_SENSOR_CHANNELS} values: which channels carry the error (the error map)
 *       and in which direction (the reconstruction's residual, signed). Larger sensor frames get no signature yet.
 * </ul>
 * A model whose signature would be longer than the anomaly memory indexes gets none ({@link #indexable}).
 */
final class Signatures {

    /** Sensor frames with more values get no signature (it would be twice as long as the frame). */
    static final int MAX_SENSOR_CHANNELS = 64;
    private static final int MAX_GRID = 8;
    private static final float EPSILON = 1e-12f;

    /** A signature's output and its card entry. */
    record Signature(Operand<TFloat32> output, ModelCard.Signature card) {}

    private Signatures() {
    }

    /**
     * Images: where the error is (the error map on a grid of cells), what the picture is like (the latent code) and what
     * it looks like from afar (the picture itself on the same grid, each channel); the first two scaled to unit length,
     * then each part centred on the product ({@link #centred}).
     *
     * @param onNormal the values of an output on normal pictures (the training set's), one row per picture
     * @return null (no signature) when the normal pictures' signatures are not all finite numbers
     */
    static Signature image(Ops tf, Operand<TFloat32> x, Operand<TFloat32> errors, Operand<TFloat32> code, int latent,
            ImageGeometry g, Function<Operand<TFloat32>, float[]> onNormal) {
        int side = gridSide(g.width(), g.height());
        int ch = g.height() / side;
        int cw = g.width() / side;
        Operand<TFloat32> cells = tf.math.mean(tf.reshape(errors, tf.constant(new int[] {-1, side, ch, side, cw})),
                tf.constant(new int[] {2, 4}));
        Operand<TFloat32> grid = tf.reshape(cells, tf.constant(new int[] {-1, side * side}));
        Operand<TFloat32> pooled = tf.math.mean(tf.reshape(x, tf.constant(new int[] {-1, side, ch, side, cw, g.channels()})),
                tf.constant(new int[] {2, 4}));
        Operand<TFloat32> thumbnail = tf.reshape(pooled, tf.constant(new int[] {-1, side * side * g.channels()}));
        // where and what: directions (an error's size says how bad, not what kind); from afar: as seen, since a picture
        // darker all over keeps its thumbnail's direction and only its length tells it from the product
        Operand<TFloat32> joined = tf.concat(List.of(unit(tf, grid), unit(tf, code), thumbnail), tf.constant(1));
        int[] parts = {side * side, latent, side * side * g.channels()};
        String kind = "error-grid-" + side + "x" + side + "+latent-" + latent + "+thumbnail-" + side + "x" + side
                + (g.channels() == 1 ? "" : "x" + g.channels()) + io.frameguard.events.Signature.CENTRED;
        float[] normal = onNormal.apply(joined);
        for (float v : normal) {
            if (!Float.isFinite(v)) { // a model whose training diverged: no centre, so no signature to search by
                return null;
            }
        }
        return new Signature(centred(tf, joined, parts, normal), new ModelCard.Signature(kind,
                parts[0] + parts[1] + parts[2], "where in the picture the error is (its map averaged over a " + side + "x"
                        + side + " grid), what the picture is like (the autoencoder's " + latent + "-value latent code) and "
                        + "what it looks like from afar (the picture averaged over the same grid), the first two scaled to "
                        + "unit length; each part less its mean on the training pictures and divided by their typical "
                        + "distance from it"));
    }

    /** Normal frames whose signatures set a signature's centre, at most. */
    static final int CENTRE_FRAMES = 2000;
    /**
     * Least typical distance of a part from its centre: a part that normal frames never move (a uniform picture) then
     * counts an anomaly's departure as large, not as infinite.
     */
    private static final float SPREAD_FLOOR = 1e-3f;

    /**
     * Each part of {@code joined} less its mean over the normal frames' rows {@code normal}, divided by the root mean
     * square of the normal frames' distance from that mean. A picture then weighs in each part as far as it departs from
     * the product there, in units of normal variation, and two unlike defects of one product are no longer alike merely
     * because both pictures show the product (the anomaly memory's cosine would call any two of them alike).
     *
     * @param parts the lengths of the parts, in order
     */
    static Operand<TFloat32> centred(Ops tf, Operand<TFloat32> joined, int[] parts, float[] normal) {
        int length = java.util.Arrays.stream(parts).sum();
        int rows = normal.length / length;
        if (rows == 0) {
            throw new IllegalArgumentException("no normal frames to centre a signature on");
        }
        double[] mean = new double[length];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < length; i++) {
                mean[i] += normal[r * length + i];
            }
        }
        float[] centre = new float[length];
        for (int i = 0; i < length; i++) {
            centre[i] = (float) (mean[i] / rows);
        }
        float[] scale = new float[length];
        for (int p = 0, from = 0; p < parts.length; from += parts[p], p++) {
            double squares = 0;
            for (int r = 0; r < rows; r++) {
                for (int i = from; i < from + parts[p]; i++) {
                    double d = normal[r * length + i] - centre[i];
                    squares += d * d;
                }
            }
            float spread = Math.max((float) Math.sqrt(squares / rows), SPREAD_FLOOR);
            java.util.Arrays.fill(scale, from, from + parts[p], 1f / spread);
        }
        return tf.math.mul(tf.math.sub(joined, tf.constant(new float[][] {centre})), tf.constant(new float[][] {scale}));
    }

    /**
     * {@code signature}, or null (the model gets none) when it is longer than the anomaly memory indexes
     * ({@link io.frameguard.events.Signature#MAX_LENGTH}): its anomalies could be listed but never found by similarity.
     */
    static Signature indexable(Signature signature) {
        return signature == null || signature.card().length() <= io.frameguard.events.Signature.MAX_LENGTH ? signature : null;
    }

    /** Sensor frames: the per-channel error and the signed residual; none for frames of more than 64 values. */
    static Signature sensor(Ops tf, Operand<TFloat32> errors, Operand<TFloat32> residual, int dim) {
        if (dim > MAX_SENSOR_CHANNELS) {
            return null;
        }
        Operand<TFloat32> joined = tf.concat(List.of(unit(tf, errors), unit(tf, residual)), tf.constant(1));
        return new Signature(joined, new ModelCard.Signature("error-map+residual-" + dim, 2 * dim,
                "which channels carry the error (the per-channel error) and in which direction (the reconstruction's "
                        + "residual, in standard units), each scaled to unit length"));
    }

    /** Fewest time steps a window must have for its spectrum and shape to say anything. */
    static final int MIN_WINDOW_STEPS = 8;
    /** A step counts as still when the channel moves less than this share of its typical step. */
    private static final float STILL_SHARE = 0.2f;
    /** Weight of the shape statistics against the spectra (each spectrum has unit length). */
    private static final float STATS_WEIGHT = 2f;

    /**
     * Sensor windows of {@code steps} steps of {@code channels} channels (time-major): what shape the error has on the
     * channels that carry it, whichever channels those are. For each channel: the amplitude spectrum of its residual
     * (unit length: the error's rhythm) and five shape statistics (how concentrated in one step the error is, how
     * one-sided, how rough, how much the channel itself moved, and the share of its steps in which it stood still). The
     * channels are then averaged, each weighted by its share of the squared per-channel error, so that the one to three
     * channels that carry a fault make the signature.
     *
     * @param x the standardised frame
     * @param residual reconstruction minus {@code x}
     * @param typicalStep per channel, the mean absolute change from one step to the next in normal windows
     *     (standardised units; {@link #typicalSteps})
     */
    static Signature window(Ops tf, Operand<TFloat32> x, Operand<TFloat32> residual, int channels, int steps,
            float[] typicalStep) {
        int bins = steps / 2;
        Operand<TFloat32> r = byChannel(tf, residual, channels, steps); // [-1, C, T]
        Operand<TFloat32> xs = byChannel(tf, x, channels, steps);
        Operand<TFloat32> energy = tf.math.mean(tf.math.square(r), tf.constant(2)); // [-1, C]
        Operand<TFloat32> e2 = tf.math.square(energy);
        Operand<TFloat32> weight = tf.math.div(e2, tf.math.add(tf.sum(e2, tf.constant(1), Sum.keepDims(true)),
                tf.constant(EPSILON))); // [-1, C]
        Operand<TFloat32> rms = tf.math.sqrt(tf.math.add(energy, tf.constant(EPSILON)));
        Operand<TFloat32> peak = tf.math.div(tf.max(tf.math.abs(r), tf.constant(2)),
                tf.math.mul(rms, tf.constant((float) Math.sqrt(steps))));
        Operand<TFloat32> oneSided = tf.math.div(tf.math.abs(tf.math.mean(r, tf.constant(2))), rms);
        Operand<TFloat32> rough = tf.math.div(tf.math.sqrt(tf.math.add(tf.math.mean(tf.math.square(steps(tf, r, steps)),
                tf.constant(2)), tf.constant(EPSILON))), tf.math.mul(rms, tf.constant(2f)));
        Operand<TFloat32> mean = tf.math.mean(xs, tf.constant(2));
        Operand<TFloat32> moved = tf.math.sqrt(tf.math.add(tf.math.maximum(tf.math.sub(
                tf.math.mean(tf.math.square(xs), tf.constant(2)), tf.math.square(mean)), tf.constant(0f)), tf.constant(EPSILON)));
        float[][][] scale = new float[1][channels][1];
        for (int c = 0; c < channels; c++) {
            scale[0][c][0] = 1f / Math.max(STILL_SHARE * typicalStep[c], EPSILON);
        }
        Operand<TFloat32> dx = tf.math.mul(steps(tf, xs, steps), tf.constant(scale));
        Operand<TFloat32> still = tf.math.mean(tf.math.exp(tf.math.neg(tf.math.square(dx))), tf.constant(2));
        List<Operand<TFloat32>> parts = new ArrayList<>();
        Operand<TFloat32> w = tf.reshape(weight, tf.constant(new int[] {-1, channels, 1}));
        parts.add(tf.sum(tf.math.mul(unitLast(tf, spectrum(tf, r, channels, steps, bins)), w), tf.constant(1)));
        for (Operand<TFloat32> stat : List.of(peak, oneSided, rough, moved, still)) {
            parts.add(tf.math.mul(tf.sum(tf.math.mul(stat, weight), tf.constant(1), Sum.keepDims(true)),
                    tf.constant(STATS_WEIGHT)));
        }
        Operand<TFloat32> joined = tf.concat(parts, tf.constant(1));
        return new Signature(joined, new ModelCard.Signature("window-shape-" + channels + "x" + steps, bins + 5,
                "what shape the error has on the channels that carry it, whichever they are: per channel the amplitude "
                        + "spectrum of the residual and how concentrated, one-sided and rough the error is, how much the "
                        + "channel moved and how often it stood still; channels weighted by their share of the squared error"));
    }

    /** Per channel, the mean absolute change between consecutive steps of the standardised training windows. */
    static float[] typicalSteps(float[] frames, float[] mean, float[] std, int channels) {
        int dim = mean.length;
        int steps = dim / channels;
        int rows = frames.length / dim;
        double[] sum = new double[channels];
        for (int row = 0; row < rows; row++) {
            int base = row * dim;
            for (int t = 1; t < steps; t++) {
                for (int c = 0; c < channels; c++) {
                    int i = t * channels + c;
                    int j = i - channels;
                    sum[c] += Math.abs((frames[base + i] - mean[i]) / std[i] - (frames[base + j] - mean[j]) / std[j]);
                }
            }
        }
        float[] out = new float[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = (float) (sum[c] / Math.max(1, (long) rows * (steps - 1)));
        }
        return out;
    }

    /** [-1, T*C] time-major to [-1, C, T]. */
    private static Operand<TFloat32> byChannel(Ops tf, Operand<TFloat32> flat, int channels, int steps) {
        return tf.linalg.transpose(tf.reshape(flat, tf.constant(new int[] {-1, steps, channels})), tf.constant(new int[] {0, 2, 1}));
    }

    /** [-1, C, T] to the change from each step to the next, [-1, C, T-1]. */
    private static Operand<TFloat32> steps(Ops tf, Operand<TFloat32> series, int steps) {
        return tf.math.sub(tf.slice(series, tf.constant(new int[] {0, 0, 1}), tf.constant(new int[] {-1, -1, steps - 1})),
                tf.slice(series, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, -1, steps - 1})));
    }

    /** The amplitude spectrum (frequencies 1 .. T/2) of each channel's series, [-1, C, T/2]: one product with [cos | sin]. */
    private static Operand<TFloat32> spectrum(Ops tf, Operand<TFloat32> series, int channels, int steps, int bins) {
        float[][] basis = new float[steps][2 * bins];
        for (int t = 0; t < steps; t++) {
            for (int k = 0; k < bins; k++) {
                double a = 2 * Math.PI * (k + 1) * t / steps;
                basis[t][k] = (float) Math.cos(a);
                basis[t][bins + k] = (float) Math.sin(a);
            }
        }
        Operand<TFloat32> rows = tf.reshape(series, tf.constant(new int[] {-1, steps}));
        Operand<TFloat32> parts = tf.reshape(tf.linalg.matMul(rows, tf.constant(basis)), tf.constant(new int[] {-1, channels, 2, bins}));
        return tf.math.sqrt(tf.math.add(tf.sum(tf.math.square(parts), tf.constant(2)), tf.constant(EPSILON)));
    }

    /** Each [.., K] vector scaled to unit length. */
    private static Operand<TFloat32> unitLast(Ops tf, Operand<TFloat32> v) {
        Operand<TFloat32> norm2 = tf.sum(tf.math.square(v), tf.constant(-1), Sum.keepDims(true));
        return tf.math.mul(v, tf.math.rsqrt(tf.math.add(norm2, tf.constant(EPSILON))));
    }

    /** Largest number of cells per side (at most 8) that divides both sides. */
    static int gridSide(int width, int height) {
        for (int side = MAX_GRID; side > 1; side--) {
            if (width % side == 0 && height % side == 0) {
                return side;
            }
        }
        return 1;
    }

    /** Each row scaled to unit length (a row of zeros stays zeros). */
    private static Operand<TFloat32> unit(Ops tf, Operand<TFloat32> rows) {
        Operand<TFloat32> norm2 = tf.sum(tf.math.square(rows), tf.constant(1), Sum.keepDims(true));
        return tf.math.mul(rows, tf.math.rsqrt(tf.math.add(norm2, tf.constant(EPSILON))));
    }
}
