package io.frameguard.heatmaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.Picture;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A sensor frame's picture: each value and error quantised to a byte between the frame's ends, as a plain loop would. */
class PicturesTest {

    @Test
    void eachValueIsQuantisedToTheNearestStepBetweenTheFramesEnds() {
        Random rnd = new Random(11);
        int dim = 300;
        for (int trial = 0; trial < 50; trial++) {
            float[] values = new float[dim + 5];
            float[] errors = new float[dim + 7];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) rnd.nextGaussian() * 3;
            }
            for (int i = 0; i < errors.length; i++) {
                errors[i] = (float) rnd.nextGaussian(); // negative errors count as none
            }
            values[5 + rnd.nextInt(dim)] = Float.NaN;
            values[5 + rnd.nextInt(dim)] = Float.POSITIVE_INFINITY;
            errors[7 + rnd.nextInt(dim)] = Float.NEGATIVE_INFINITY;
            errors[7 + rnd.nextInt(dim)] = Float.NaN;
            Picture p = Pictures.of(null, dim, values, 5, errors, 7);

            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            float scale = 0;
            for (int i = 0; i < dim; i++) {
                float v = Float.isFinite(values[5 + i]) ? values[5 + i] : 0f;
                min = Math.min(min, v);
                max = Math.max(max, v);
                float e = Float.isFinite(errors[7 + i]) ? errors[7 + i] : 0f;
                scale = Math.max(scale, e);
            }
            assertThat(p.frameMin()).isEqualTo(min);
            assertThat(p.frameMax()).isEqualTo(max);
            assertThat(p.errorScale()).isEqualTo(scale);
            for (int i = 0; i < dim; i++) {
                float v = Float.isFinite(values[5 + i]) ? values[5 + i] : 0f;
                float e = Float.isFinite(errors[7 + i]) ? errors[7 + i] : 0f;
                assertThat(p.frame()[i] & 0xff).as("value %d", i).isEqualTo(Math.round((v - min) * (Picture.QUANTA / (max - min))));
                assertThat(p.errors()[i] & 0xff).as("error %d", i)
                        .isEqualTo(Math.max(0, Math.round(e * (Picture.QUANTA / scale))));
            }
        }
    }

    @Test
    void aFlatFrameIsAllZero() {
        float[] values = new float[64];
        java.util.Arrays.fill(values, 2.5f);
        Picture p = Pictures.of(null, 64, values, 0, new float[64], 0);
        assertThat(p.frame()).containsOnly((byte) 0);
        assertThat(p.errors()).containsOnly((byte) 0);
    }
}
