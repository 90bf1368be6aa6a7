package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChannelSpectrumTest {

    /** Steps of {@code channels} channels moved by {@code factors} random signals each, plus a little noise. */
    private static float[] steps(int rows, int channels, int factors, double noise, long seed) {
        Random r = new Random(seed);
        double[][] mix = new double[channels][factors];
        for (double[] row : mix) {
            for (int f = 0; f < factors; f++) {
                row[f] = r.nextGaussian();
            }
        }
        float[] v = new float[rows * channels];
        for (int i = 0; i < rows; i++) {
            double[] z = r.doubles(factors).map(x -> x * 2 - 1).toArray();
            for (int c = 0; c < channels; c++) {
                double x = noise * r.nextGaussian();
                for (int f = 0; f < factors; f++) {
                    x += mix[c][f] * z[f];
                }
                v[i * channels + c] = (float) x;
            }
        }
        return v;
    }

    private static int latent(float[] values, int channels) {
        float[] mean = new float[channels];
        float[] std = new float[channels];
        Arrays.fill(std, 1f);
        return ChannelSpectrum.latent(values, mean, std, channels);
    }

    @Test
    void theBottleneckIsAsWideAsTheSignalsThatMoveTheChannels() {
        assertThat(latent(steps(4000, 12, 3, 0.02, 1), 12)).isEqualTo(3);
        assertThat(latent(steps(4000, 12, 5, 0.02, 2), 12)).isEqualTo(5);
        // noisy sensors: the noise spreads over every direction and is left out, though 99 % of the variance would take it
        assertThat(latent(steps(20_000, 16, 5, 0.4, 5), 16)).isEqualTo(5);
    }

    @Test
    void itStaysANarrowingWhateverTheData() {
        // independent channels: nothing shared, every direction noise: the narrowest bottleneck
        assertThat(latent(steps(4000, 12, 0, 1.0, 3), 12)).isEqualTo(1);
        // more shared signals than half the channels: more than half kept (a signal left out reconstructs badly on
        // every channel that moves with it), as many as keep 99 % of the variance (seven of these nine)
        assertThat(latent(steps(4000, 12, 9, 0.02, 6), 12)).isEqualTo(7);
        assertThat(latent(steps(4000, 3, 1, 0.01, 4), 3)).isEqualTo(1);
        assertThat(latent(steps(4000, 3, 2, 0.01, 7), 3)).isEqualTo(2);
    }

    @Test
    void eigenvaluesComeLargestFirst() {
        double[] m = {2, 0, 0, 0, 5, 0, 0, 0, 1};
        assertThat(ChannelSpectrum.eigenvalues(m, 3)).containsExactly(5.0, 2.0, 1.0);
    }
}
