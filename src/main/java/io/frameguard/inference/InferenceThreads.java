package io.frameguard.inference;

import org.tensorflow.proto.framework.ConfigProto;

/**
 * How TensorFlow runs a predictor call on the CPU ({@code frameguard.scorer.inference-threads}).
 *
 * <p>{@code perOperation} greater than 0: a call's operations run on the thread that makes it (a scorer worker's),
 * each operation split over at most that many threads; 1 splits none, so a worker's model work is on its own thread and
 * the scorer scales with its workers. 0: TensorFlow's defaults, a process-wide pool with one thread per core that every
 * call's operations are handed to and that splits each of them. With batches of small frames, handing the work over
 * and splitting it costs more CPU than the work gains (docs/BENCHMARKS.md); on an idle many-core machine with one
 * worker, 0 gives a single call more cores.
 *
 * <p>On a GPU TensorFlow's defaults stay (the GPU's streams overlap work anyway; not measured otherwise). TensorFlow
 * sizes the pool that splits operations once per process, when its first session or eager context starts (DJL's engine
 * opens one as it starts): later sessions share it, so one process serves with one setting, and {@link #useForProcess}
 * must come before TensorFlow starts.
 *
 * @param perOperation 0 for TensorFlow's defaults
 */
public record InferenceThreads(int perOperation) {

    /** The setting that chooses it, named in errors. */
    public static final String SETTING = "frameguard.scorer.inference-threads";
    /** TensorFlow's own threads: what a process that makes no choice (the trainer, the CLI) runs with. */
    public static final InferenceThreads TENSORFLOW_DEFAULTS = new InferenceThreads(0);
    /** The service's default: every call on its caller's thread, no operation split. */
    public static final InferenceThreads ON_CALLER = new InferenceThreads(1);

    public InferenceThreads {
        if (perOperation < 0) {
            throw new IllegalArgumentException(SETTING + "=" + perOperation + ": expected 0 (TensorFlow's defaults) or more");
        }
    }

    /** DJL's TensorFlow engine reads these when it starts and for each model it loads without session options. */
    private static final String DJL_INTER_OP = "ai.djl.tensorflow.num_interop_threads";
    private static final String DJL_INTRA_OP = "ai.djl.tensorflow.num_intraop_threads";

    /**
     * Makes this the process's way of running models on the CPU, before TensorFlow starts: DJL's engine then sizes
     * TensorFlow's pool with it as it starts, and loads every model with it. 0 leaves TensorFlow's defaults.
     */
    public void useForProcess() {
        if (perOperation == 0) {
            System.clearProperty(DJL_INTER_OP);
            System.clearProperty(DJL_INTRA_OP);
        } else {
            System.setProperty(DJL_INTER_OP, Integer.toString(sessionConfig().getInterOpParallelismThreads()));
            System.setProperty(DJL_INTRA_OP, Integer.toString(perOperation));
        }
    }

    /**
     * Whether models set to run on {@code device} run on the CPU as far as can be told before TensorFlow starts: the
     * CPU asked for, or {@code auto} with TensorFlow's CPU build.
     */
    public static boolean cpuBefore(InferenceDevice device) {
        return device == InferenceDevice.CPU || device == InferenceDevice.AUTO && !TensorFlowLibrary.isCudaBuild();
    }

    /**
     * TensorFlow's session options for this choice, as DJL's engine builds them from {@link #useForProcess} (and a
     * benchmark gives TensorFlow Java's sessions): inter-op threads negative (TensorFlow runs every operation in the
     * caller's thread), intra-op threads the operations' split; soft placement as DJL sets it.
     */
    public ConfigProto sessionConfig() {
        return ConfigProto.newBuilder()
                .setInterOpParallelismThreads(perOperation == 0 ? 0 : -1)
                .setIntraOpParallelismThreads(perOperation)
                .setAllowSoftPlacement(true)
                .build();
    }
}
