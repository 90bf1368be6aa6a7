package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import io.frameguard.model.ModelCard;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TFloat32;

/**
 * The graph of a model's second output, its signature: per frame, a fixed-length vector that says what is wrong with
 * it, for finding past anomalies like it by cosine similarity (the anomaly memory).
 *
 * <p>Each part is scaled to unit length before the parts are joined, so that each weighs the same in a cosine
 * whatever its size:
 * <ul>
 *   <li>images: <em>where</em> the error is (the error map averaged over a grid of at most 8x8 cells) and <em>what</em>
 *       the frame is (the autoencoder's latent code);
 *   <li>sensor frames of at most {@value #MAX_SENSOR_CHANNELS} values: which channels carry the error (the error map)
 *       and in which direction (the reconstruction's residual, signed). Larger sensor frames get no signature yet.
 * </ul>
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

    /** Images: the error map on a grid of cells, and the latent code. */
    static Signature image(Ops tf, Operand<TFloat32> errors, Operand<TFloat32> code, int latent, ImageGeometry g) {
        int side = gridSide(g.width(), g.height());
        int ch = g.height() / side;
        int cw = g.width() / side;
        Operand<TFloat32> cells = tf.math.mean(tf.reshape(errors, tf.constant(new int[] {-1, side, ch, side, cw})),
                tf.constant(new int[] {2, 4}));
        Operand<TFloat32> grid = tf.reshape(cells, tf.constant(new int[] {-1, side * side}));
        Operand<TFloat32> joined = tf.concat(List.of(unit(tf, grid), unit(tf, code)), tf.constant(1));
        String kind = "error-grid-" + side + "x" + side + "+latent-" + latent;
        return new Signature(joined, new ModelCard.Signature(kind, side * side + latent,
                "where in the picture the error is (its map averaged over a " + side + "x" + side + " grid) and what the "
                        + "picture is like (the autoencoder's " + latent + "-value latent code), each scaled to unit length"));
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
