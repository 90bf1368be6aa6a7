package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The image error map in the graph: the Gaussian-smoothed residual, squared and averaged over channels, and after
 * calibration divided by each pixel's error variance on held-out normal images.
 *
 * <p>Why: an anomaly in an image is a region, not a pixel, and smoothing sums evidence over neighbours while
 * averaging away single-pixel noise; and some pixels (edges of the normal class's shapes) are hard to reconstruct
 * even on normal images, so their raw error says little. Both are measured to lift one-class AUROC on
 * Fashion-MNIST (see docs/BENCHMARKS.md).
 */
final class ErrorMaps {

    /** Kernel radius in sigmas: the Gaussian beyond 2 sigma holds under 5% of the weight. */
    private static final double RADIUS_SIGMAS = 2.0;

    /** The smoothed map [-1, pixels], before the per-pixel weights exist. */
    record Head(Operand<TFloat32> map) {
        /** The named output: the map times the weights, or the map alone when {@code weights} is null. */
        Operand<TFloat32> output(Ops tf, String name, float[] weights) {
            return weights == null ? tf.withName(name).identity(map)
                    : tf.withName(name).math.mul(map, tf.constant(weights));
        }
    }

    private ErrorMaps() {
    }

    /**
     * The per-pixel error of {@code residual} (reconstruction - input, [-1, dim], channels last): each channel's
     * residual smoothed with a Gaussian of {@code sigma} pixels, squared, averaged over channels.
     *
     * <p>Smoothing the residual before squaring keeps errors that are coherent over a region and cancels the
     * high-frequency ones (a shape's edge reconstructed a pixel off), which normal images have too. The blur is
     * separable and runs as two small matrix products (rows, then columns): TensorFlow's CPU conv2d with one
     * channel is several times slower than the whole autoencoder.
     */
    static Head smoothed(Ops tf, Operand<TFloat32> residual, ImageGeometry image, double sigma) {
        int h = image.height();
        int w = image.width();
        int c = image.channels();
        // [n, h, w, c] -> [n, c, h, w]: the blur works on one channel plane at a time
        Operand<TFloat32> planes = tf.linalg.transpose(tf.reshape(residual, tf.constant(new int[] {-1, h, w, c})),
                tf.constant(new int[] {0, 3, 1, 2}));
        Operand<TFloat32> squared;
        if (sigma > 0) {
            Operand<TFloat32> rows = tf.linalg.matMul(tf.reshape(planes, tf.constant(new int[] {-1, w})), blurMatrix(tf, w, sigma));
            Operand<TFloat32> turned = tf.linalg.transpose(tf.reshape(rows, tf.constant(new int[] {-1, h, w})),
                    tf.constant(new int[] {0, 2, 1}));
            Operand<TFloat32> cols = tf.linalg.matMul(tf.reshape(turned, tf.constant(new int[] {-1, h})), blurMatrix(tf, h, sigma));
            // back from [n*c, w, h] to [n, c, h, w]
            Operand<TFloat32> blurred = tf.linalg.transpose(tf.reshape(cols, tf.constant(new int[] {-1, c, w, h})),
                    tf.constant(new int[] {0, 1, 3, 2}));
            squared = tf.math.square(blurred);
        } else {
            squared = tf.math.square(planes);
        }
        Operand<TFloat32> pixels = tf.math.mean(squared, tf.constant(new int[] {1}));
        return new Head(tf.reshape(pixels, tf.constant(new int[] {-1, image.pixels()})));
    }

    /**
     * The [n, n] matrix M with (v M)_j = sum_i v_i g(i - j): a 1-D Gaussian blur of a row vector, zero beyond
     * the edges.
     */
    private static Operand<TFloat32> blurMatrix(Ops tf, int n, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(RADIUS_SIGMAS * sigma));
        float[] k = gaussian(radius, sigma);
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = Math.max(0, i - radius); j <= Math.min(n - 1, i + radius); j++) {
                m[i * n + j] = k[i - j + radius];
            }
        }
        return tf.constant(Shape.of(n, n), DataBuffers.of(m, true, false));
    }

    /** Normalised 1-D Gaussian weights for offsets -radius..radius. */
    static float[] gaussian(int radius, double sigma) {
        float[] k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            double v = Math.exp(-(i * i) / (2 * sigma * sigma));
            k[i + radius] = (float) v;
            sum += v;
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= (float) sum;
        }
        return k;
    }

    /**
     * Mean variance / variance of each pixel over the rows of {@code maps} (so the weights average about 1 and
     * scores keep the map's scale), the variance floored at {@code floor} times the mean variance (pixels that
     * never err, such as a constant background, would otherwise weigh without bound).
     */
    static float[] inverseVariance(float[] maps, int pixels, double floor) {
        int rows = maps.length / pixels;
        double[] sum = new double[pixels];
        double[] sq = new double[pixels];
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < pixels; p++) {
                double v = maps[r * pixels + p];
                sum[p] += v;
                sq[p] += v * v;
            }
        }
        double[] var = new double[pixels];
        double meanVar = 0;
        for (int p = 0; p < pixels; p++) {
            double m = sum[p] / rows;
            var[p] = Math.max(0, sq[p] / rows - m * m);
            meanVar += var[p] / pixels;
        }
        double min = Math.max(floor * meanVar, Float.MIN_NORMAL);
        float[] w = new float[pixels];
        for (int p = 0; p < pixels; p++) {
            w[p] = (float) (meanVar / Math.max(var[p], min));
        }
        return w;
    }
}
