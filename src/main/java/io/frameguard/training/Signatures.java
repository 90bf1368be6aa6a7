package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import io.frameguard.model.ModelCard;
import java.util.ArrayList;
import java.util.List;
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
 *   <li>images: how the picture departs from the product (<em>where</em> the error is: the error map averaged over a
 *       grid of at most 8x8 cells; <em>what</em> the frame is: the autoencoder's latent code; what it looks like from
 *       afar: a thumbnail) and what <em>shape</em> its error has wherever it lies (its spectrum, size, elongation, sign,
 *       roughness: {@link #errorShape}), each part centred on the product ({@link #centred}): one camera's pictures are
 *       all alike as a whole, so only how a picture departs from the normal ones tells one defect from another, and a
 *       defect's kind (a spot, a scratch) shows in the shape of its error, not in the place where it lies;
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

    /** An output's values on normal frames (the training set's, up to {@link #CENTRE_FRAMES} of them). */
    interface NormalFrames {
        /** The output's rows, one per frame. */
        float[] rows(Operand<TFloat32> output);

        /** The mean of the output's rows, without holding them all (an error map per frame of a large picture). */
        float[] mean(Operand<TFloat32> output);
    }

    private Signatures() {
    }

    /**
     * Images: how the picture departs from the product ({@link #departure}: where, what, from afar) and what shape its
     * error has wherever it lies ({@link #errorShape}), each centred on the product ({@link #centred}), then each half
     * scaled to unit length so that the two weigh alike in a cosine.
     *
     * @param reconstruction the autoencoder's reconstruction of {@code x}, in its units
     * @param normal the values of an output on normal pictures (the training set's)
     * @return null (no signature) when the normal pictures' signatures are not all finite numbers
     */
    static Signature image(Ops tf, Operand<TFloat32> x, Operand<TFloat32> reconstruction, Operand<TFloat32> errors,
            Operand<TFloat32> code, int latent, ImageGeometry g, NormalFrames normal) {
        int side = gridSide(g.width(), g.height());
        Operand<TFloat32> departure = departure(tf, x, errors, code, side, g);
        int[] looks = {side * side, latent, side * side * g.channels()};
        float[] normalErrors = normal.mean(errors);
        float[] normalDeparture = normal.rows(departure);
        if (!finite(normalErrors) || !finite(normalDeparture)) { // a model whose training diverged: no centre
            return null;
        }
        Operand<TFloat32> shape = errorShape(tf, tf.math.sub(reconstruction, x), errors, normalErrors, g);
        float[] normalShape = normal.rows(shape);
        if (!finite(normalShape)) {
            return null;
        }
        Operand<TFloat32> joined = tf.concat(List.of(
                unit(tf, centred(tf, departure, looks, new boolean[looks.length], normalDeparture)),
                unit(tf, centred(tf, shape, SHAPE_PARTS, SHAPE_EACH_VALUE, normalShape))), tf.constant(1));
        int length = looks[0] + looks[1] + looks[2] + SHAPE_LENGTH;
        String kind = "error-grid-" + side + "x" + side + "+latent-" + latent + "+thumbnail-" + side + "x" + side
                + (g.channels() == 1 ? "" : "x" + g.channels()) + "+error-shape-" + SHAPE_LENGTH
                + io.frameguard.events.Signature.CENTRED;
        return new Signature(joined, new ModelCard.Signature(kind, length, "how the picture departs from the product: where "
                + "the error is (its map averaged over a " + side + "x" + side + " grid), what the picture is like (the "
                + "autoencoder's " + latent + "-value latent code) and what it looks like from afar (the picture averaged over "
                + "the same grid); and what shape the error has wherever it lies (the residual's spectrum in " + SPECTRUM_BANDS
                + " bands of frequency, the size, elongation, concentration and sign of the error above its normal level, and "
                + "the residual's peak share, share of pixels, roughness, sign and depth); each part less its mean on the "
                + "training pictures and divided by their typical distance from it, each half scaled to unit length"));
    }

    /**
     * Where the error is (the error map on a grid of cells), what the picture is like (the latent code) and what it looks
     * like from afar (the picture itself on the same grid, each channel); the first two scaled to unit length.
     */
    private static Operand<TFloat32> departure(Ops tf, Operand<TFloat32> x, Operand<TFloat32> errors, Operand<TFloat32> code,
            int side, ImageGeometry g) {
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
        return tf.concat(List.of(unit(tf, grid), unit(tf, code), thumbnail), tf.constant(1));
    }

    /** Bands of spatial frequency in the error shape's spectrum: rings from 1 to 8 steps ({@link #spectrumBands}). */
    static final int SPECTRUM_BANDS = 7;
    /** The spectrum's step is about one cycle per this many pixels, whatever the picture's size. */
    private static final int SPECTRUM_SCALE = 32;
    /** Statistics of the error's shape: five of the error above normal ({@link #excessShape}), five of the residual. */
    private static final int SHAPE_STATISTICS = 10;
    static final int SHAPE_LENGTH = SPECTRUM_BANDS + SHAPE_STATISTICS;
    /** The error shape's parts as {@link #centred} scales them: the spectrum as one, each statistic on its own. */
    private static final int[] SHAPE_PARTS = {SPECTRUM_BANDS, SHAPE_STATISTICS / 2, SHAPE_STATISTICS / 2};
    private static final boolean[] SHAPE_EACH_VALUE = {false, true, true};

    /**
     * What the error looks like wherever it lies, [-1, {@value #SHAPE_LENGTH}]: a defect's kind (a spot, a scratch, a chip
     * out of an edge) shows in the shape of its error, not in its place, which the departure's error grid says. Every
     * value is unchanged when the defect moves within the picture:
     * <ul>
     *   <li>the amplitude spectrum of the residual (averaged over the channels) in {@value #SPECTRUM_BANDS} bands of
     *       frequency, scaled to unit length: how large and how sharp-edged the departure is;
     *   <li>of the error above its mean on normal pictures ({@link #excessShape}): how wide, how elongated, how
     *       concentrated in one pixel and in how many pixels it lies, and whether the picture is darker or brighter there;
     *   <li>of the residual ({@link #residualShape}): how concentrated in one pixel, in how many pixels, how rough, how
     *       one-sided, and how deep at its deepest.
     * </ul>
     *
     * @param residual reconstruction minus picture, [-1, dim] channels last
     * @param meanErrors the per-pixel mean of the error map on normal pictures
     */
    static Operand<TFloat32> errorShape(Ops tf, Operand<TFloat32> residual, Operand<TFloat32> errors, float[] meanErrors,
            ImageGeometry g) {
        Operand<TFloat32> byChannel = tf.reshape(residual, tf.constant(new int[] {-1, g.pixels(), g.channels()}));
        Operand<TFloat32> signed = tf.math.mean(byChannel, tf.constant(2)); // [-1, pixels]: darker (+) or brighter (-)
        // the shape of a colour picture's departure is that of its size in every channel: a change of hue (red up, blue
        // down) cancels in the channels' mean
        Operand<TFloat32> plane = g.channels() == 1 ? signed
                : tf.math.sqrt(tf.math.add(tf.math.mean(tf.math.square(byChannel), tf.constant(2)), tf.constant(EPSILON)));
        Operand<TFloat32> excess = tf.nn.relu(tf.math.sub(errors, tf.constant(new float[][] {meanErrors})));
        return tf.concat(List.of(unit(tf, spectrumBands(tf, plane, g)), excessShape(tf, excess, signed, g),
                residualShape(tf, plane, signed, g)), tf.constant(1));
    }

    /**
     * The amplitude spectrum of each picture's plane [-1, pixels] at frequencies of 0 to 7 steps across and -7 to 7 steps
     * down (the other half is its mirror), summed over the rings of radius 1 to 2, 2 to 3, ... 7 to 8, one band each,
     * [-1, {@value #SPECTRUM_BANDS}]. A step is the whole number of cycles per picture nearest one cycle per
     * {@value #SPECTRUM_SCALE} pixels ({@link #cyclesPerStep}): a defect of a given size in pixels has much the same
     * spectrum on any camera, and a plane of one level has none (its transform is zero at whole cycles per picture). A
     * frequency beyond half a cycle per pixel on either axis (on a side under 15 pixels) is left out: the picture would
     * show it as a lower one, or as its level. The amplitude of a defect's transform does not change as it moves within the
     * picture, and the rings' sums little as it turns where a step is about as long on both axes (sides near multiples of
     * 32 pixels: 224x224, 640x480; on a small picture that is not square the rings are ellipses). Two products with the
     * basis of each axis compute it.
     */
    private static Operand<TFloat32> spectrumBands(Ops tf, Operand<TFloat32> plane, ImageGeometry g) {
        int h = g.height();
        int w = g.width();
        int stepX = cyclesPerStep(w);
        int stepY = cyclesPerStep(h);
        int across = SPECTRUM_BANDS + 1; // 0 .. 7
        int down = 2 * SPECTRUM_BANDS + 1; // -7 .. 7
        float[][] bx = new float[w][2 * across];
        for (int x = 0; x < w; x++) {
            for (int k = 0; k < across; k++) {
                double a = 2 * Math.PI * k * stepX * x / w;
                bx[x][k] = (float) Math.cos(a);
                bx[x][across + k] = (float) Math.sin(a);
            }
        }
        float[][] by = new float[h][2 * down];
        for (int y = 0; y < h; y++) {
            for (int k = 0; k < down; k++) {
                double a = 2 * Math.PI * (k - SPECTRUM_BANDS) * stepY * y / h;
                by[y][k] = (float) Math.cos(a);
                by[y][down + k] = (float) Math.sin(a);
            }
        }
        // along each row: [-1 * h, 2 * across] (cosine part, sine part)
        Operand<TFloat32> rows = tf.linalg.matMul(tf.reshape(plane, tf.constant(new int[] {-1, w})), tf.constant(bx));
        // then down each column of those: [-1, 2 * across, 2 * down]
        Operand<TFloat32> cols = tf.linalg.matMul(tf.reshape(tf.linalg.transpose(tf.reshape(rows,
                tf.constant(new int[] {-1, h, 2 * across})), tf.constant(new int[] {0, 2, 1})), tf.constant(new int[] {-1, h})),
                tf.constant(by));
        Operand<TFloat32> parts = tf.reshape(cols, tf.constant(new int[] {-1, 2, across, 2, down}));
        Operand<TFloat32> cc = slice(tf, parts, 0, 0, across, down);
        Operand<TFloat32> sc = slice(tf, parts, 1, 0, across, down);
        Operand<TFloat32> cs = slice(tf, parts, 0, 1, across, down);
        Operand<TFloat32> ss = slice(tf, parts, 1, 1, across, down);
        // e^-i(a+b): real cos a cos b - sin a sin b, imaginary -(sin a cos b + cos a sin b)
        Operand<TFloat32> re = tf.math.sub(cc, ss);
        Operand<TFloat32> im = tf.math.add(sc, cs);
        Operand<TFloat32> amplitude = tf.math.sqrt(tf.math.add(tf.math.add(tf.math.square(re), tf.math.square(im)),
                tf.constant(EPSILON))); // [-1, across, down]
        float[][] bands = new float[across * down][SPECTRUM_BANDS];
        for (int kx = 0; kx < across; kx++) {
            for (int k = 0; k < down; k++) {
                int ky = k - SPECTRUM_BANDS;
                double radius = Math.hypot(kx, ky);
                if (kx == 0 && ky <= 0 || radius >= SPECTRUM_BANDS + 1 // the constant, the mirror of the half kept, the
                        || !held(kx * stepX, w) || !held(ky * stepY, h)) { // corners beyond the last ring (counted, they
                    continue; // would make it depend on orientation), and what the picture cannot hold
                }
                bands[kx * down + k][(int) Math.floor(radius) - 1] = 1;
            }
        }
        return tf.linalg.matMul(tf.reshape(amplitude, tf.constant(new int[] {-1, across * down})), tf.constant(bands));
    }

    /** Whether a side of {@code side} pixels holds {@code cycles} whole cycles apart from its level: at most half a cycle a pixel. */
    private static boolean held(int cycles, int side) {
        return 2 * Math.abs(cycles) <= side;
    }

    /** Whole cycles per picture of {@code side} pixels in one step of the spectrum: about one per {@value #SPECTRUM_SCALE} pixels. */
    static int cyclesPerStep(int side) {
        return Math.max(1, Math.round(side / (float) SPECTRUM_SCALE));
    }

    /** [-1, 2, across, 2, down] to the [-1, across, down] of row basis {@code i} and column basis {@code j}. */
    private static Operand<TFloat32> slice(Ops tf, Operand<TFloat32> parts, int i, int j, int across, int down) {
        Operand<TFloat32> one = tf.slice(parts, tf.constant(new int[] {0, i, 0, j, 0}), tf.constant(new int[] {-1, 1, -1, 1, -1}));
        return tf.reshape(one, tf.constant(new int[] {-1, across, down}));
    }

    /**
     * Of the error above its normal level, [-1, pixels]: its spread about its centre (weighted by its square, in
     * picture widths), its elongation (the difference of its variances along its two axes over their sum and a pixel's:
     * 0 for a round spot or a point, 0.87 for a line 9 pixels long),
     * its peak's share of the whole, the share of the pixels it lies in, and its sign (+1 where the picture is darker
     * than its reconstruction, -1 brighter; {@code signed} is the residual's mean over the channels).
     */
    private static Operand<TFloat32> excessShape(Ops tf, Operand<TFloat32> excess, Operand<TFloat32> signed, ImageGeometry g) {
        int n = g.pixels();
        // each pixel's row and column, in pixels, made in the graph (as constants they would cost 8 bytes a pixel)
        Operand<TFloat32> across = tf.range(tf.constant(0f), tf.constant((float) g.width()), tf.constant(1f));
        Operand<TFloat32> down = tf.range(tf.constant(0f), tf.constant((float) g.height()), tf.constant(1f));
        Operand<TFloat32> x = tf.reshape(tf.tile(tf.reshape(across, tf.constant(new int[] {1, g.width()})),
                tf.constant(new int[] {g.height(), 1})), tf.constant(new int[] {1, n}));
        Operand<TFloat32> y = tf.reshape(tf.tile(tf.reshape(down, tf.constant(new int[] {g.height(), 1})),
                tf.constant(new int[] {1, g.width()})), tf.constant(new int[] {1, n}));
        Operand<TFloat32> weight = tf.math.square(excess);
        Operand<TFloat32> total = tf.math.add(sum(tf, weight), tf.constant(EPSILON));
        Operand<TFloat32> my = tf.math.div(sum(tf, tf.math.mul(weight, y)), total);
        Operand<TFloat32> mx = tf.math.div(sum(tf, tf.math.mul(weight, x)), total);
        Operand<TFloat32> dy = tf.math.sub(y, my);
        Operand<TFloat32> dx = tf.math.sub(x, mx);
        Operand<TFloat32> cyy = tf.math.div(sum(tf, tf.math.mul(weight, tf.math.square(dy))), total);
        Operand<TFloat32> cxx = tf.math.div(sum(tf, tf.math.mul(weight, tf.math.square(dx))), total);
        Operand<TFloat32> cxy = tf.math.div(sum(tf, tf.math.mul(weight, tf.math.mul(dx, dy))), total);
        Operand<TFloat32> half = tf.math.mul(tf.math.add(cyy, cxx), tf.constant(0.5f));
        // half the axes' difference, in pixels squared (the square root's floor, EPSILON, is far below a pixel's)
        Operand<TFloat32> disc = tf.math.sqrt(tf.math.add(tf.nn.relu(tf.math.sub(tf.math.square(half),
                tf.math.sub(tf.math.mul(cyy, cxx), tf.math.square(cxy)))), tf.constant(EPSILON)));
        Operand<TFloat32> spread = tf.math.div(tf.math.sqrt(tf.math.add(tf.math.mul(half, tf.constant(2f)), tf.constant(EPSILON))),
                tf.constant((float) Math.max(g.width(), g.height())));
        Operand<TFloat32> elongation = tf.math.div(tf.math.mul(disc, tf.constant(2f)),
                tf.math.add(tf.math.mul(half, tf.constant(2f)), tf.constant(POINT_AREA)));
        Operand<TFloat32> mass = tf.math.add(sum(tf, excess), tf.constant(EPSILON));
        Operand<TFloat32> peak = tf.math.div(tf.max(excess, tf.constant(1), org.tensorflow.op.core.Max.keepDims(true)), mass);
        Operand<TFloat32> covered = tf.math.div(tf.math.square(mass), tf.math.mul(total, tf.constant((float) n)));
        Operand<TFloat32> sign = tf.math.div(sum(tf, tf.math.mul(excess, signed)),
                tf.math.add(sum(tf, tf.math.mul(excess, tf.math.abs(signed))), tf.constant(EPSILON)));
        return tf.concat(List.of(spread, elongation, peak, covered, sign), tf.constant(1));
    }

    /**
     * Added to the sum of an error's axes (pixels squared) in its elongation: a point or a spot of a pixel or two, whose
     * axes are both near zero, is not elongated.
     */
    private static final float POINT_AREA = 1f;

    /**
     * Of the residual's size {@code plane} [-1, pixels] (its value, for one channel): its largest value's share of its
     * length, the share of the pixels its energy lies in, its roughness (the length of its steps between neighbouring
     * pixels against its own), the mean of {@code signed} (the channels' mean) in units of its root mean square, and its
     * largest value.
     */
    private static Operand<TFloat32> residualShape(Ops tf, Operand<TFloat32> plane, Operand<TFloat32> signed, ImageGeometry g) {
        int n = g.pixels();
        Operand<TFloat32> square = tf.math.square(plane);
        Operand<TFloat32> energy = tf.math.add(sum(tf, square), tf.constant(EPSILON));
        Operand<TFloat32> length = tf.math.sqrt(energy);
        Operand<TFloat32> deepest = tf.max(tf.math.abs(plane), tf.constant(1), org.tensorflow.op.core.Max.keepDims(true));
        Operand<TFloat32> peak = tf.math.div(deepest, length);
        Operand<TFloat32> covered = tf.math.div(tf.math.square(energy), tf.math.mul(tf.math.add(sum(tf,
                tf.math.square(square)), tf.constant(EPSILON)), tf.constant((float) n)));
        Operand<TFloat32> grid = tf.reshape(plane, tf.constant(new int[] {-1, g.height(), g.width()}));
        Operand<TFloat32> steps = tf.constant(0f);
        if (g.width() > 1) {
            steps = tf.math.add(steps, sum2(tf, tf.math.sub(
                    tf.slice(grid, tf.constant(new int[] {0, 0, 1}), tf.constant(new int[] {-1, -1, g.width() - 1})),
                    tf.slice(grid, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, -1, g.width() - 1})))));
        }
        if (g.height() > 1) {
            steps = tf.math.add(steps, sum2(tf, tf.math.sub(
                    tf.slice(grid, tf.constant(new int[] {0, 1, 0}), tf.constant(new int[] {-1, g.height() - 1, -1})),
                    tf.slice(grid, tf.constant(new int[] {0, 0, 0}), tf.constant(new int[] {-1, g.height() - 1, -1})))));
        }
        Operand<TFloat32> rough = tf.math.sqrt(tf.math.div(tf.math.add(steps, tf.constant(EPSILON)), energy));
        Operand<TFloat32> signedLength = tf.math.sqrt(tf.math.add(sum(tf, tf.math.square(signed)), tf.constant(EPSILON)));
        Operand<TFloat32> oneSided = tf.math.div(sum(tf, signed), tf.math.mul(signedLength, tf.constant((float) Math.sqrt(n))));
        return tf.concat(List.of(peak, covered, rough, oneSided, deepest), tf.constant(1));
    }

    /** Each row's sum, [-1, 1]. */
    private static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> rows) {
        return tf.sum(rows, tf.constant(1), Sum.keepDims(true));
    }

    /** Each picture's sum of squares of a [-1, h, w] grid, [-1, 1]. */
    private static Operand<TFloat32> sum2(Ops tf, Operand<TFloat32> grid) {
        return tf.reshape(tf.sum(tf.math.square(grid), tf.constant(new int[] {1, 2})), tf.constant(new int[] {-1, 1}));
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** The mean of rows of {@code width} values. */
    private static float[] meanRow(float[] rows, int width) {
        int n = rows.length / width;
        double[] sum = new double[width];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < width; i++) {
                sum[i] += rows[r * width + i];
            }
        }
        float[] out = new float[width];
        for (int i = 0; i < width; i++) {
            out[i] = (float) (sum[i] / Math.max(1, n));
        }
        return out;
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
     * @param eachValue per part, whether each of its values is divided by its own spread instead (so that statistics
     *     of unlike units weigh alike), scaled so that the part's typical distance is still one
     */
    static Operand<TFloat32> centred(Ops tf, Operand<TFloat32> joined, int[] parts, boolean[] eachValue, float[] normal) {
        int length = java.util.Arrays.stream(parts).sum();
        int rows = normal.length / length;
        if (rows == 0) {
            throw new IllegalArgumentException("no normal frames to centre a signature on");
        }
        float[] centre = meanRow(normal, length);
        double[] squares = new double[length];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < length; i++) {
                double d = normal[r * length + i] - centre[i];
                squares[i] += d * d;
            }
        }
        float[] scale = new float[length];
        for (int p = 0, from = 0; p < parts.length; from += parts[p], p++) {
            if (eachValue[p]) {
                for (int i = from; i < from + parts[p]; i++) {
                    scale[i] = 1f / Math.max((float) Math.sqrt(squares[i] / rows * parts[p]), SPREAD_FLOOR);
                }
            } else {
                double part = 0;
                for (int i = from; i < from + parts[p]; i++) {
                    part += squares[i];
                }
                java.util.Arrays.fill(scale, from, from + parts[p], 1f / Math.max((float) Math.sqrt(part / rows), SPREAD_FLOOR));
            }
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
