package io.frameguard.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The translator's one-copy read of TensorFlow outputs gives what DJL's own copy gives. */
class ReconstructionErrorTranslatorTest {

    /** DJL's engine straight from an NDManager, as no model load before it has pointed DJL at the local library. */
    @BeforeAll
    static void localTensorFlow() {
        TensorFlowLibrary.ensureLocal();
    }

    @Test
    void anOutputReadInOneCopyHoldsDjlsValues() {
        Random random = new Random(3);
        float[] values = new float[256 * 1024];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        try (NDManager manager = NDManager.newBaseManager("TensorFlow")) {
            NDArray input = manager.create(values, new Shape(256, 1024));
            NDArray computed = input.mul(2).sub(1); // an eager op's result, as a model's output is
            for (int round = 0; round < 20; round++) { // again and again: each read releases what it resolved
                // isEqualTo compares the arrays as Arrays.equals does; containsExactly on 262,144 values took seconds a call
                assertThat(ReconstructionErrorTranslator.floats(computed, null)).isEqualTo(computed.toFloatArray());
            }
            assertThat(ReconstructionErrorTranslator.floats(input, null)).isEqualTo(values);
            assertThat(ReconstructionErrorTranslator.floats(manager.create(new float[0]), null)).isEmpty();
        }
    }

    /**
     * A caller's buffer at least as long as the output is filled from its start and returned, the rest left as it was (a
     * worker's buffer sized for its largest call serves its smaller ones too); a shorter one is left alone.
     */
    @Test
    void anOutputIsReadIntoTheCallersBufferWhenItFits() {
        float[] values = {1, 2, 3, 4, 5, 6};
        try (NDManager manager = NDManager.newBaseManager("TensorFlow")) {
            NDArray output = manager.create(values, new Shape(2, 3)).mul(2);
            float[] buffer = new float[6];
            assertThat(ReconstructionErrorTranslator.floats(output, buffer)).isSameAs(buffer).containsExactly(2, 4, 6, 8, 10, 12);
            float[] larger = {-1, -1, -1, -1, -1, -1, -1, -1};
            assertThat(ReconstructionErrorTranslator.floats(output, larger)).isSameAs(larger).containsExactly(2, 4, 6, 8, 10, 12, -1, -1);
            float[] shorter = new float[5];
            float[] read = ReconstructionErrorTranslator.floats(output, shorter);
            assertThat(read).isNotSameAs(shorter).containsExactly(2, 4, 6, 8, 10, 12);
            assertThat(shorter).containsOnly(0f);
        }
    }

    /** A model's error output must hold a map per frame of the call: fewer (or more) values is an error, not a read. */
    @Test
    void errorMapsOfAnotherSizeThanTheCallsAreRefused() {
        try (NDManager manager = NDManager.newBaseManager("TensorFlow")) {
            NDArray output = manager.create(new float[6], new Shape(2, 3));
            assertThat(ReconstructionErrorTranslator.checked(output, 2, 3)).isSameAs(output);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReconstructionErrorTranslator.checked(output, 3, 3))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("6 error values").hasMessageContaining("3 frames");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReconstructionErrorTranslator.checked(output, 1, 3))
                    .isInstanceOf(IllegalStateException.class);
        }
    }
}
