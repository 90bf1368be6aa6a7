package io.frameguard.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.framework.ConfigProto;

/** TensorFlow's options for the process: the caller's thread on the CPU, TensorFlow's defaults with 0. */
class InferenceThreadsTest {

    @Test
    void everyOperationRunsOnTheCallersThreadSplitOverTheThreadsAsked() {
        for (int n : new int[] {1, 4}) {
            ConfigProto options = new InferenceThreads(n).sessionConfig();
            assertThat(options.getInterOpParallelismThreads()).as("negative: in the caller's thread").isEqualTo(-1);
            assertThat(options.getIntraOpParallelismThreads()).isEqualTo(n);
            assertThat(options.getAllowSoftPlacement()).isTrue();
        }
    }

    @Test
    void zeroIsTensorFlowsOwnChoiceOfThreads() {
        assertThat(InferenceThreads.TENSORFLOW_DEFAULTS.sessionConfig().getInterOpParallelismThreads()).isZero();
        assertThat(InferenceThreads.TENSORFLOW_DEFAULTS.sessionConfig().getIntraOpParallelismThreads()).isZero();
    }

    @Test
    void theProcessesChoiceIsWhatDjlsEngineReadsAsItStartsAndZeroClearsIt() {
        String inter = System.getProperty("ai.djl.tensorflow.num_interop_threads");
        String intra = System.getProperty("ai.djl.tensorflow.num_intraop_threads");
        try {
            new InferenceThreads(3).useForProcess();
            assertThat(System.getProperty("ai.djl.tensorflow.num_interop_threads")).isEqualTo("-1");
            assertThat(System.getProperty("ai.djl.tensorflow.num_intraop_threads")).isEqualTo("3");
            InferenceThreads.TENSORFLOW_DEFAULTS.useForProcess();
            assertThat(System.getProperty("ai.djl.tensorflow.num_interop_threads")).isNull();
            assertThat(System.getProperty("ai.djl.tensorflow.num_intraop_threads")).isNull();
        } finally {
            restore("ai.djl.tensorflow.num_interop_threads", inter);
            restore("ai.djl.tensorflow.num_intraop_threads", intra);
        }
    }

    @Test
    void onlyTheCpuOrAutoWithTheCpuBuildCountAsTheCpuBeforeTensorFlowStarts() {
        assertThat(InferenceThreads.cpuBefore(InferenceDevice.CPU)).isTrue();
        assertThat(InferenceThreads.cpuBefore(InferenceDevice.GPU)).isFalse();
        assertThat(InferenceThreads.cpuBefore(InferenceDevice.AUTO)).isEqualTo(!TensorFlowLibrary.isCudaBuild());
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    @Test
    void aNegativeCountIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new InferenceThreads(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("frameguard.scorer.inference-threads=-1");
    }
}
