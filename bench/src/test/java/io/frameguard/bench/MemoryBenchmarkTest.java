package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryBenchmarkTest {

    /**
     * Recognition names a vector's kind by its nearest other at least the similarity alike: right, wrong, or (with its
     * own kind unknown) any other kind at all.
     */
    @Test
    void recognitionCountsRightWrongAndNewKindsNamed() {
        List<float[]> vectors = List.of(
                new float[] {1, 0, 0}, new float[] {0.99f, 0.1f, 0}, // a pair of kind a
                new float[] {0.9f, 0.45f, 0}, // kind b, nearest the a's (cosine 0.89-0.94) and alone of its kind
                new float[] {0, 0, 1}); // kind c, like nothing
        double[] r = MemoryBenchmark.recognition(vectors, List.of("a", "a", "b", "c"), 0.9);
        // a0: nearest a1 (0.995), right; a1: nearest a0, right; b: nearest a1 (0.94), wrong; c: none
        assertThat(r[0]).isEqualTo(0.5);
        assertThat(r[1]).isEqualTo(0.25);
        // without its own kind: a1 is named b (0.94), b is named a, a0 (0.89 from b) and c nothing
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
