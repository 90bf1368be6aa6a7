package io.frameguard.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.frameguard.model.ModelArtifact;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * frameguard.scorer.device with the library tests run on (TensorFlow Java's CPU build): auto and cpu score on the
 * CPU, gpu fails naming the setting and the reason instead of scoring slowly unnoticed. The GPU side is proven on
 * a GPU machine by {@code bench/limit-gpu} (docs/BENCHMARKS.md).
 */
class InferenceDeviceTest {

    @TempDir
    Path tmp;

    @Test
    void parsesTheSettingAndNamesItWhenWrong() {
        assertThat(InferenceDevice.parse(" GPU ")).isEqualTo(InferenceDevice.GPU);
        assertThat(InferenceDevice.parse("auto")).isEqualTo(InferenceDevice.AUTO);
        assertThatThrownBy(() -> InferenceDevice.parse("cuda:0"))
                .hasMessageContaining("frameguard.scorer.device=cuda:0").hasMessageContaining("auto, cpu or gpu");
    }

    @Test
    void cpuBuildScoresOnTheCpuAndRefusesGpu() throws Exception {
        assertThat(TensorFlowLibrary.isCudaBuild()).isFalse();
        assertThat(InferenceDevice.AUTO.resolve()).isEqualTo(Device.cpu());
        ModelArtifact model = TestModels.trainSensorModel(tmp.resolve("m"), 600, 2, 3);
        try (ModelRunner scorer = ModelRunner.load(model, InferenceDevice.AUTO)) {
            assertThat(scorer.device()).isEqualTo(Device.cpu());
        }
        assertThatThrownBy(() -> ModelRunner.load(model, InferenceDevice.GPU))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("frameguard.scorer.device=gpu")
                .hasMessageContaining("is a CPU build");
    }
}
