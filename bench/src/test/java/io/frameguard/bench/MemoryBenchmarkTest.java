package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryBenchmarkTest {

    /**
     * Recognition names a vector's kind as the memory does: the label that all of its 5 nearest others at least the
     * similarity alike agree on; with its own kind unknown, any other kind at all.
     */
    @Test
    void recognitionCountsRightWrongAndNewKindsNamed() {
        List<float[]> vectors = List.of(
                new float[] {1, 0, 0}, new float[] {0.99f, 0.1f, 0}, // a pair of kind a
                new float[] {0.9f, 0.45f, 0}, // kind b, alone of its kind: 0.89 alike the first a, 0.94 the second
                new float[] {0, 0, 1}); // kind c, like nothing
        double[] r = MemoryBenchmark.recognition(vectors, List.of("a", "a", "b", "c"), 0.9);
        // a0: only a1 is alike enough, right; a1: a0 and b disagree, nothing; b: only a1, wrong; c: nothing
        assertThat(r[0]).isEqualTo(0.25);
        assertThat(r[1]).isEqualTo(0.25);
        // without its own kind: a1 is named b, b is named a; a0 (0.89 from b) and c nothing
        assertThat(r[2]).isEqualTo(0.5);
    }

    /** A picture of each defect kind is the normal picture of the same draw with a visible defect. */
    @Test
    void theCameraLinesDefectsDepartFromTheProduct() {
        float[] normal = new CameraLine(3).picture(null);
        assertThat(new CameraLine(3).picture(null)).isEqualTo(normal);
        for (String kind : CameraLine.KINDS) {
            assertThat(distance(normal, new CameraLine(3).picture(kind))).as(kind).isGreaterThan(0.5);
        }
        assertThat(new CameraLine(3).normal(3).rows()).isEqualTo(3);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }
}
