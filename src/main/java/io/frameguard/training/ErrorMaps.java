package io.frameguard.training;

import io.frameguard.frames.ImageGeometry;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The image error map in the graph: the Gaussian-smoothed residual, squared and averaged over channels, optionally
 * plus a structural (1 - SSIM) map; after calibration each map is divided by each pixel's error variance on
 * held-out normal images and the maps are added with weights.
 *
 * <p>Why: an anomaly in an image is a region, not a pixel, and smoothing sums evidence over neighbours while
 * averaging away single-pixel noise; some pixels (edges of the normal class's shapes) are hard to reconstruct
 * even on normal images, so their raw error says little; and the structural map compares local contrast and
 * correlation rather than intensity, so it sees a texture or an edge the reconstruction lost where the squared
 * residual is small. Each is kept because it lifts one-class AUROC on Fashion-MNIST (bench/fashion-mnist;
 * docs/benchmarks-history.md).
 */
final class ErrorMaps {

    /** Kernel radius in sigmas: the Gaussian beyond 2 sigma holds under 5% of the weight. */
    static final double RADIUS_SIGMAS = 2.0;
    /** SSIM's Gaussian window, in pixels: the value of Wang et al. (2004). */
    static final double SSIM_SIGMA = 1.5;
    /** SSIM's stabilising constants (0.01 L)^2 and (0.03 L)^2 for pixels in [0, 1] (L = 1), as in Wang et al. */
    private static final float SSIM_C1 = 1e-4f;
    private static final float SSIM_C2 = 9e-4f;

    /**
     * The per-pixel maps [-1, pixels], before their weights exist: the smoothed residual first, then the
     * structural map when asked for.
     */
    record Head(List<Operand<TFloat32>> maps) {
        /**
         * The named output: the sum of each map times its per-pixel weights ({@code weights} one array per map),
         * or the first map alone when {@code weights} is null.
         */
        Operand<TFloat32> output(Ops tf, String name, List<float[]> weights) {
            if (weights == null) {
                return tf.withName(name).identity(maps.get(0));
            }
            Operand<TFloat32> sum = tf.math.mul(maps.get(0), tf.constant(weights.get(0)));
            for (int i = 1; i < maps.size(); i++) {
                sum = tf.math.add(sum, tf.math.mul(maps.get(i), tf.constant(weights.get(i))));
            }
            return tf.withName(name).identity(sum);
        }
    }

    private ErrorMaps() {
    }

    /**
     * The maps of {@code reconstruction} against {@code x} ([-1, dim], channels last, pixels in [0, 1]): always
     * {@link #smoothed}, and {@link #structural} when {@code structural} is set.
     */
    static Head head(Ops tf, Operand<TFloat32> x, Operand<TFloat32> reconstruction, ImageGeometry image, double sigma,
            boolean structural) {
        Operand<TFloat32> smoothed = smoothed(tf, tf.math.sub(reconstruction, x), image, sigma);
        return new Head(structural ? List.of(smoothed, structural(tf, x, reconstruction, image)) : List.of(smoothed));
    }

    /**
     * The per-pixel error of {@code residual} (reconstruction - input, [-1, dim], channels last): each channel's
     * residual smoothed with a Gaussian of {@code sigma} pixels, squared, averaged over channels.
     *
     * <p>Smoothing the residual before squaring keeps errors that are coherent over a region and cancels the
     * high-frequency ones (a shape's edge reconstructed a pixel off), which normal images have too.
     */
    static Operand<TFloat32> smoothed(Ops tf, Operand<TFloat32> residual, ImageGeometry image, double sigma) {
        Operand<TFloat32> planes = planes(tf, residual, image);
        Operand<TFloat32> blurred = sigma > 0 ? blur(tf, planes, image.height(), image.width(), sigma) : planes;
        return channelMean(tf, tf.math.square(blurred), image);
    }

    /**
     * 1 - SSIM of the reconstruction against the input, averaged over channels (Wang et al., 2004): local means,
     * variances and covariance under a Gaussian window of {@value #SSIM_SIGMA} pixels. 0 where the two agree in
     * brightness, contrast and structure, up to 2 where they are anti-correlated.
     *
     * <p>When both sides are even it is computed on the images averaged over 2x2 blocks, with the window scaled to
     * match, and each block's value given to its four pixels: a quarter of the blur's cost, which at full size is
     * comparable to the autoencoder's, for the same AUROC on Fashion-MNIST (docs/benchmarks-history.md).
     */
    static Operand<TFloat32> structural(Ops tf, Operand<TFloat32> x, Operand<TFloat32> reconstruction, ImageGeometry image) {
        int h = image.height();
        int w = image.width();
        int f = h % 2 == 0 && w % 2 == 0 ? 2 : 1;
        int bh = h / f;
        int bw = w / f;
        Operand<TFloat32> a = blocks(tf, planes(tf, x, image), image, f);
        Operand<TFloat32> b = blocks(tf, planes(tf, reconstruction, image), image, f);
        // the five moments blurred in one pass: [n, 5c, bh, bw]
        Operand<TFloat32> moments = blur(tf, tf.concat(List.of(a, b, tf.math.mul(a, a), tf.math.mul(b, b), tf.math.mul(a, b)),
                tf.constant(1)), bh, bw, SSIM_SIGMA / f);
        List<Operand<TFloat32>> m = new ArrayList<>();
        tf.split(tf.constant(1), moments, 5L).forEach(m::add);
        Operand<TFloat32> muA = m.get(0);
        Operand<TFloat32> muB = m.get(1);
        Operand<TFloat32> muAB = tf.math.mul(muA, muB);
        Operand<TFloat32> muA2 = tf.math.square(muA);
        Operand<TFloat32> muB2 = tf.math.square(muB);
        Operand<TFloat32> varA = tf.math.sub(m.get(2), muA2);
        Operand<TFloat32> varB = tf.math.sub(m.get(3), muB2);
        Operand<TFloat32> cov = tf.math.sub(m.get(4), muAB);
        Operand<TFloat32> two = tf.constant(2f);
        Operand<TFloat32> c1 = tf.constant(SSIM_C1);
        Operand<TFloat32> c2 = tf.constant(SSIM_C2);
        Operand<TFloat32> ssim = tf.math.div(
                tf.math.mul(tf.math.add(tf.math.mul(two, muAB), c1), tf.math.add(tf.math.mul(two, cov), c2)),
                tf.math.mul(tf.math.add(tf.math.add(muA2, muB2), c1), tf.math.add(tf.math.add(varA, varB), c2)));
        // [n, c, bh, bw] -> mean over channels [n, bh, bw] -> each block's value on its f x f pixels [n, pixels]
        Operand<TFloat32> map = tf.math.mean(tf.math.sub(tf.constant(1f), ssim), tf.constant(new int[] {1}));
        if (f > 1) {
            Operand<TFloat32> cells = tf.reshape(map, tf.constant(new int[] {-1, bh, 1, bw, 1}));
            Operand<TInt32> batch = tf.slice(tf.shape(map), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
            map = tf.broadcastTo(cells, tf.concat(List.of(batch, tf.constant(new int[] {bh, f, bw, f})), tf.constant(0)));
        }
        return tf.reshape(map, tf.constant(new int[] {-1, image.pixels()}));
    }

    /** [n, c, h, w] averaged over f x f blocks: [n, c, h/f, w/f] (unchanged when f is 1). */
    private static Operand<TFloat32> blocks(Ops tf, Operand<TFloat32> planes, ImageGeometry image, int f) {
        if (f == 1) {
            return planes;
        }
        int c = image.channels();
        Operand<TFloat32> split = tf.reshape(planes, tf.constant(new int[] {-1, c, image.height() / f, f, image.width() / f, f}));
        return tf.math.mean(split, tf.constant(new int[] {3, 5}));
    }

    /** [n, dim] channels last to [n, c, h, w]: the blur works on one channel plane at a time. */
    private static Operand<TFloat32> planes(Ops tf, Operand<TFloat32> values, ImageGeometry image) {
        return tf.linalg.transpose(tf.reshape(values, tf.constant(new int[] {-1, image.height(), image.width(), image.channels()})),
                tf.constant(new int[] {0, 3, 1, 2}));
    }

    /** [n, c, h, w] to [n, pixels]: the mean over channels. */
    private static Operand<TFloat32> channelMean(Ops tf, Operand<TFloat32> planes, ImageGeometry image) {
        Operand<TFloat32> pixels = tf.math.mean(planes, tf.constant(new int[] {1}));
        return tf.reshape(pixels, tf.constant(new int[] {-1, image.pixels()}));
    }

    /**
     * Gaussian blur of every [h, w] plane of {@code planes} ([n, k, h, w], any k). Separable, as two small matrix
     * products (rows, then columns), because TensorFlow's CPU conv2d with one channel costs more than the whole
     * autoencoder.
     */
    private static Operand<TFloat32> blur(Ops tf, Operand<TFloat32> planes, int h, int w, double sigma) {
        Operand<TFloat32> rows = tf.linalg.matMul(tf.reshape(planes, tf.constant(new int[] {-1, w})), blurMatrix(tf, w, sigma));
        Operand<TFloat32> turned = tf.linalg.transpose(tf.reshape(rows, tf.constant(new int[] {-1, h, w})),
                tf.constant(new int[] {0, 2, 1}));
        Operand<TFloat32> cols = tf.linalg.matMul(tf.reshape(turned, tf.constant(new int[] {-1, h})), blurMatrix(tf, h, sigma));
        // back from [n*k, w, h] to [n, k, h, w]
        Operand<TFloat32> back = tf.linalg.transpose(tf.reshape(cols, tf.constant(new int[] {-1, w, h})),
                tf.constant(new int[] {0, 2, 1}));
        return tf.reshape(back, tf.shape(planes));
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

    /** Standard deviation over the rows of {@code maps} of each row's score: the mean of map times {@code weights}. */
    static double scoreSpread(float[] maps, float[] weights) {
        int pixels = weights.length;
        int rows = maps.length / pixels;
        double sum = 0;
        double sq = 0;
        for (int r = 0; r < rows; r++) {
            double score = 0;
            for (int p = 0; p < pixels; p++) {
                score += (double) maps[r * pixels + p] * weights[p];
            }
            score /= pixels;
            sum += score;
            sq += score * score;
        }
        double mean = sum / rows;
        return Math.sqrt(Math.max(0, sq / rows - mean * mean));
    }
}
