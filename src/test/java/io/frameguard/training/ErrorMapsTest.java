package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.frameguard.frames.ImageGeometry;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The structural map of the exported graph against SSIM computed directly from its definition (Wang et al.,
 * 2004) with plain loops: on 2x2 block means when both sides are even, at full size otherwise.
 */
class ErrorMapsTest {

    private static final double TOLERANCE = 2e-4;

    @Test
    void structuralMapIsSsimOnBlockMeansForEvenSides() {
        checkAgainstReference(new ImageGeometry(8, 6, 1), 3);
        checkAgainstReference(new ImageGeometry(10, 12, 3), 2);
    }

    @Test
    void structuralMapIsSsimAtFullSizeForOddSides() {
        checkAgainstReference(new ImageGeometry(7, 5, 1), 3);
    }

    @Test
    void aPerfectReconstructionHasNoStructuralErrorAndAnInvertedOneTheMost() {
        ImageGeometry g = new ImageGeometry(28, 28, 1); // large enough that the windows cut off at the edges matter little
        float[] x = randomImages(new Random(1), 2, g);
        float[] same = structural(g, x, x.clone(), 2);
        for (float v : same) {
            assertThat((double) v).isCloseTo(0.0, within(1e-5));
        }
        float[] inverted = x.clone();
        for (int i = 0; i < inverted.length; i++) {
            inverted[i] = 1 - inverted[i];
        }
        float[] worst = structural(g, x, inverted, 2);
        double mean = 0;
        for (float v : worst) {
            mean += v / worst.length;
        }
        assertThat(mean).as("anti-correlated structure scores above 1").isGreaterThan(1.0);
    }

    private static void checkAgainstReference(ImageGeometry g, int n) {
        Random random = new Random(42);
        float[] x = randomImages(random, n, g);
        float[] y = randomImages(random, n, g);
        float[] graph = structural(g, x, y, n);
        double[] reference = referenceSsimMap(x, y, n, g);
        assertThat(graph).hasSize(reference.length);
        for (int i = 0; i < graph.length; i++) {
            assertThat((double) graph[i]).as("pixel %d of %s", i, g).isCloseTo(reference[i], within(TOLERANCE));
        }
    }

    private static float[] structural(ImageGeometry g, float[] x, float[] y, int n) {
        try (EagerSession session = EagerSession.create()) {
            Ops tf = Ops.create(session);
            Operand<TFloat32> map = ErrorMaps.structural(tf, constant(tf, x, n, g), constant(tf, y, n, g), g);
            float[] out = new float[n * g.pixels()];
            map.asTensor().asRawTensor().data().asFloats().read(out);
            return out;
        }
    }

    private static Operand<TFloat32> constant(Ops tf, float[] values, int n, ImageGeometry g) {
        return tf.constant(Shape.of(n, g.dim()), DataBuffers.of(values, true, false));
    }

    private static float[] randomImages(Random random, int n, ImageGeometry g) {
        float[] v = new float[n * g.dim()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat();
        }
        return v;
    }

    /** 1 - SSIM per pixel, channels averaged, from the definition; windows cut off (not renormalised) at the edges. */
    private static double[] referenceSsimMap(float[] x, float[] y, int n, ImageGeometry g) {
        int h = g.height();
        int w = g.width();
        int c = g.channels();
        int f = h % 2 == 0 && w % 2 == 0 ? 2 : 1;
        int bh = h / f;
        int bw = w / f;
        double sigma = ErrorMaps.SSIM_SIGMA / f;
        int radius = Math.max(1, (int) Math.ceil(ErrorMaps.RADIUS_SIGMAS * sigma));
        float[] k = ErrorMaps.gaussian(radius, sigma);
        double[] out = new double[n * h * w];
        for (int img = 0; img < n; img++) {
            for (int ch = 0; ch < c; ch++) {
                double[][] a = blockMeans(x, img, ch, g, f);
                double[][] b = blockMeans(y, img, ch, g, f);
                for (int i = 0; i < bh; i++) {
                    for (int j = 0; j < bw; j++) {
                        double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
                        for (int di = -radius; di <= radius; di++) {
                            for (int dj = -radius; dj <= radius; dj++) {
                                int ii = i + di;
                                int jj = j + dj;
                                if (ii < 0 || jj < 0 || ii >= bh || jj >= bw) {
                                    continue;
                                }
                                double wt = (double) k[di + radius] * k[dj + radius];
                                ma += wt * a[ii][jj];
                                mb += wt * b[ii][jj];
                                aa += wt * a[ii][jj] * a[ii][jj];
                                bb += wt * b[ii][jj] * b[ii][jj];
                                ab += wt * a[ii][jj] * b[ii][jj];
                            }
                        }
                        double c1 = 1e-4;
                        double c2 = 9e-4;
                        double ssim = ((2 * ma * mb + c1) * (2 * (ab - ma * mb) + c2))
                                / ((ma * ma + mb * mb + c1) * ((aa - ma * ma) + (bb - mb * mb) + c2));
                        for (int pi = 0; pi < f; pi++) {
                            for (int pj = 0; pj < f; pj++) {
                                out[img * h * w + (i * f + pi) * w + (j * f + pj)] += (1 - ssim) / c;
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static double[][] blockMeans(float[] v, int img, int ch, ImageGeometry g, int f) {
        int h = g.height();
        int w = g.width();
        int c = g.channels();
        double[][] m = new double[h / f][w / f];
        for (int r = 0; r < h; r++) {
            for (int col = 0; col < w; col++) {
                m[r / f][col / f] += v[img * g.dim() + (r * w + col) * c + ch] / (f * f);
            }
        }
        return m;
    }
}
