package io.frameguard.training;

import java.util.Arrays;
import org.tensorflow.EagerSession;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.SelfAdjointEig;
import org.tensorflow.types.TFloat32;

/**
 * How many directions the channels of one time step move in together: the principal components of the standardised
 * step vectors of the training windows. The {@code channels} architecture's bottleneck is that wide unless
 * {@code --latent} says otherwise, and so is a dense or variational model's on sensor frames that are one step of their
 * channels (a row per time step): narrower and it cannot reconstruct normal steps (a normal frame looks faulty),
 * wider and a faulty channel is reconstructed from itself (a fault looks normal).
 */
final class ChannelSpectrum {

    /** Share of the step vectors' variance the bottleneck keeps: the rest is taken for noise. */
    static final double KEPT_VARIANCE = 0.99;
    static final int MIN_LATENT = 1;
    /** Components within this factor of the mean of those after them count as noise. */
    static final double FLAT = 1.5;

    private ChannelSpectrum() {
    }

    /**
     * The bottleneck width for windows of {@code channels} channels ({@code values}: rows of dim values, time-major):
     * the principal components of the steps standardised by {@code mean} and {@code std}, largest first, until they
     * keep {@value #KEPT_VARIANCE} of the variance or the rest look like noise ({@link #noise}), within
     * [{@value #MIN_LATENT}, channels - 1]: every direction the channels share is kept (one left out reconstructs badly
     * on every channel that moves in it, and hides their faults), but never as many as the channels, which would pass
     * each channel through and rebuild none from the others.
     */
    static int latent(float[] values, float[] mean, float[] std, int channels) {
        return latent(values, mean, std, channels, null);
    }

    /**
     * {@link #latent(float[], float[], float[], int)} over the channels the model sees: {@code hidden} ones (null:
     * none) are left out of the spectrum, each of which would otherwise add its own direction.
     */
    static int latent(float[] values, float[] mean, float[] std, int channels, boolean[] hidden) {
        double[] cov = covariance(values, mean, std, channels);
        int seen = channels;
        if (hidden != null) {
            int[] kept = java.util.stream.IntStream.range(0, channels).filter(c -> !hidden[c]).toArray();
            double[] sub = new double[kept.length * kept.length];
            for (int a = 0; a < kept.length; a++) {
                for (int b = 0; b < kept.length; b++) {
                    sub[a * kept.length + b] = cov[kept[a] * channels + kept[b]];
                }
            }
            cov = sub;
            seen = kept.length;
        }
        if (seen < 2) {
            return MIN_LATENT;
        }
        double[] eigenvalues = eigenvalues(cov, seen);
        double total = Arrays.stream(eigenvalues).map(v -> Math.max(0, v)).sum();
        int max = Math.max(MIN_LATENT, seen - 1);
        double kept = 0;
        int k = 0;
        while (k < max && kept < KEPT_VARIANCE * total && !noise(eigenvalues, k)) {
            kept += Math.max(0, eigenvalues[k]);
            k++;
        }
        return Math.max(MIN_LATENT, Math.min(max, k));
    }

    /**
     * Whether the k-th component (largest first) and all after it are noise: the k-th is within {@value #FLAT} of the
     * mean of them all. Noise independent per channel spreads evenly over every direction left, so its eigenvalues are
     * flat; a shared signal stands well above them. Keeping noisy directions would let a faulty channel be rebuilt from
     * itself.
     */
    static boolean noise(double[] eigenvalues, int k) {
        double sum = 0;
        for (int i = k; i < eigenvalues.length; i++) {
            sum += Math.max(0, eigenvalues[i]);
        }
        double mean = sum / (eigenvalues.length - k);
        return eigenvalues.length - k >= 2 && Math.max(0, eigenvalues[k]) <= FLAT * mean;
    }

    /** The channels' covariance over every step of every row, row-major [channels, channels]. */
    static double[] covariance(float[] values, float[] mean, float[] std, int channels) {
        int dim = mean.length;
        long steps = values.length / channels;
        double[] cov = new double[channels * channels];
        double[] z = new double[channels];
        for (int s = 0; s < steps; s++) {
            int base = s * channels;
            int pos = base % dim;
            for (int c = 0; c < channels; c++) {
                z[c] = (values[base + c] - mean[pos + c]) / std[pos + c];
            }
            for (int a = 0; a < channels; a++) {
                for (int b = a; b < channels; b++) {
                    cov[a * channels + b] += z[a] * z[b];
                }
            }
        }
        for (int a = 0; a < channels; a++) {
            for (int b = a; b < channels; b++) {
                cov[a * channels + b] /= steps;
                cov[b * channels + a] = cov[a * channels + b];
            }
        }
        return cov;
    }

    /** Eigenvalues of a symmetric matrix, largest first (TensorFlow's self-adjoint eigensolver, run eagerly). */
    static double[] eigenvalues(double[] symmetric, int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) symmetric[i];
        }
        try (EagerSession session = EagerSession.create()) {
            Ops tf = Ops.create(session);
            SelfAdjointEig<TFloat32> eig = tf.linalg.selfAdjointEig(tf.constant(Shape.of(n, n), DataBuffers.of(m, true, false)),
                    SelfAdjointEig.computeV(false));
            float[] e = new float[n];
            eig.e().asTensor().asRawTensor().data().asFloats().read(e);
            double[] sorted = new double[n];
            for (int i = 0; i < n; i++) {
                sorted[i] = e[n - 1 - i]; // ascending from TensorFlow
            }
            return sorted;
        }
    }
}
