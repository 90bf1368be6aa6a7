package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.frameguard.frames.ImageGeometry;
import org.junit.jupiter.api.Test;
import org.tensorflow.EagerSession;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The error shape of an image signature ({@link Signatures#errorShape}) says what a defect looks like, not where it lies:
 * computed by the graph on residuals drawn by hand.
 */
class ErrorShapeTest {

    private static final ImageGeometry GRAY = new ImageGeometry(28, 28, 1);
    /** Places of the values in the error shape: the spectrum's bands, then the excess's five, then the residual's five. */
    private static final int SPECTRUM = Signatures.SPECTRUM_BANDS;
    private static final int ELONGATION = SPECTRUM + 1;
    private static final int DEEPEST = Signatures.SHAPE_LENGTH - 1;

    @Test
    void aDefectHasOneShapeWhereverItLies() {
        float[] here = new float[GRAY.dim()];
        float[] there = new float[GRAY.dim()];
        spot(here, 28, 5, 6, 3, 0.4f);
        spot(there, 28, 17, 19, 3, 0.4f);
        float[] a = shape(GRAY, here);
        float[] b = shape(GRAY, there);
        for (int i = 0; i < a.length; i++) {
            assertThat((double) b[i]).as("value %d", i).isCloseTo(a[i], within(1e-4 + 1e-3 * Math.abs(a[i])));
        }
    }

    @Test
    void aPicturesOverallLevelLeavesTheSpectrumAlone() {
        // each picture with a spot of its size: {width, height, x, y, side}
        int[][] pictures = {{28, 28, 9, 7, 3}, {40, 24, 9, 7, 3}, {224, 224, 9, 7, 3}, {8, 6, 2, 1, 2}, {1, 28, 0, 5, 1}};
        for (int[] p : pictures) {
            ImageGeometry g = new ImageGeometry(p[0], p[1], 1);
            float[] spot = new float[g.dim()];
            spot(spot, g.width(), p[2], p[3], p[4], 0.4f);
            float[] lighter = spot.clone();
            for (int i = 0; i < lighter.length; i++) {
                lighter[i] -= 0.1f; // the whole picture a little lighter than its reconstruction
            }
            float[] a = shape(g, spot);
            float[] b = shape(g, lighter);
            for (int i = 0; i < SPECTRUM; i++) {
                assertThat((double) b[i]).as("%s band %d", g, i).isCloseTo(a[i], within(1e-3));
            }
        }
    }

    @Test
    void aPointIsNotElongatedAndALineIs() {
        float[] point = new float[GRAY.dim()];
        point[14 * 28 + 14] = 0.5f;
        float[] line = new float[GRAY.dim()];
        for (int x = 10; x < 19; x++) {
            line[14 * 28 + x] = 0.5f;
        }
        float[] spot = new float[GRAY.dim()];
        spot(spot, 28, 12, 12, 4, 0.5f);
        assertThat((double) shape(GRAY, point)[ELONGATION]).isCloseTo(0.0, within(0.01));
        assertThat((double) shape(GRAY, spot)[ELONGATION]).isCloseTo(0.0, within(0.01));
        assertThat((double) shape(GRAY, line)[ELONGATION]).isGreaterThan(0.8);
        // on a picture wider than high, a line down it as across it, and a spot anywhere round
        ImageGeometry wide = new ImageGeometry(40, 24, 1);
        float[] down = new float[wide.dim()];
        for (int y = 6; y < 15; y++) {
            down[y * 40 + 31] = 0.5f;
        }
        float[] wideSpot = new float[wide.dim()];
        spot(wideSpot, 40, 30, 3, 4, 0.5f);
        assertThat((double) shape(wide, down)[ELONGATION]).isCloseTo(shape(GRAY, line)[ELONGATION], within(1e-3));
        assertThat((double) shape(wide, wideSpot)[ELONGATION]).isCloseTo(0.0, within(0.01));
    }

    @Test
    void aChangeOfHueShowsThoughTheChannelsMeanIsUnchanged() {
        ImageGeometry rgb = new ImageGeometry(28, 28, 3);
        float[] hue = new float[rgb.dim()];
        for (int y = 10; y < 13; y++) {
            for (int x = 10; x < 13; x++) {
                hue[(y * 28 + x) * 3] = 0.3f; // red rebuilt higher, blue lower than seen: the mean unchanged
                hue[(y * 28 + x) * 3 + 2] = -0.3f;
            }
        }
        float[] values = shape(rgb, hue);
        assertThat((double) values[DEEPEST]).isGreaterThan(0.2);
        for (float v : values) {
            assertThat(Float.isFinite(v)).isTrue();
        }
    }

    @Test
    void nothingToSeeIsStillANumber() {
        for (ImageGeometry g : new ImageGeometry[] {GRAY, new ImageGeometry(1, 1, 1), new ImageGeometry(9, 1, 3)}) {
            for (float v : shape(g, new float[g.dim()])) {
                assertThat(Float.isFinite(v)).as("%s", g).isTrue();
            }
        }
    }

    /** A square of {@code side} pixels at (x, y) of a gray picture {@code width} pixels wide, where the picture is darker than rebuilt by {@code depth}. */
    private static void spot(float[] residual, int width, int x, int y, int side, float depth) {
        for (int j = y; j < y + side; j++) {
            for (int i = x; i < x + side; i++) {
                residual[j * width + i] = depth;
            }
        }
    }

    /** The error shape of one picture's residual (reconstruction minus picture), its error map the squared residual. */
    private static float[] shape(ImageGeometry g, float[] residual) {
        float[] errors = new float[g.pixels()];
        for (int p = 0; p < g.pixels(); p++) {
            for (int c = 0; c < g.channels(); c++) {
                errors[p] += residual[p * g.channels() + c] * residual[p * g.channels() + c] / g.channels();
            }
        }
        try (EagerSession session = EagerSession.create()) {
            Ops tf = Ops.create(session);
            Operand<TFloat32> out = Signatures.errorShape(tf, row(tf, residual), row(tf, errors), new float[g.pixels()], g);
            float[] values = new float[Signatures.SHAPE_LENGTH];
            out.asTensor().asRawTensor().data().asFloats().read(values);
            return values;
        }
    }

    private static Operand<TFloat32> row(Ops tf, float[] values) {
        return tf.constant(Shape.of(1, values.length), DataBuffers.of(values, true, false));
    }
}
