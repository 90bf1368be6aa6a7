package io.frameguard.inference;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Where the scorer runs the model: {@code frameguard.scorer.device} = {@code auto} (the default: the first GPU
 * when the TensorFlow library in use is a CUDA build and sees one, else the CPU), {@code cpu}, or {@code gpu}
 * (the first GPU, and the start fails when there is none rather than scoring slowly on the CPU unnoticed).
 *
 * <p>Which library is in use is {@link TensorFlowLibrary}'s choice: TensorFlow Java's CPU build by default, the
 * CUDA build where {@code TENSORFLOW_LIBRARY_PATH} points at one (the GPU image).
 */
public enum InferenceDevice {
    AUTO, CPU, GPU;

    /** The setting that chooses it, named in errors. */
    public static final String SETTING = "frameguard.scorer.device";

    /** Parses the setting; fails naming it on anything but auto, cpu or gpu. */
    public static InferenceDevice parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(SETTING + "=" + value + ": expected auto, cpu or gpu");
        }
    }

    /**
     * The DJL device to load the model on. A GPU only with a CUDA build of TensorFlow (a CPU build would refuse
     * GPU tensors) and when CUDA reports one (DJL asks the CUDA runtime), so the GPU image on a node without a
     * usable GPU resolves {@code auto} to the CPU.
     */
    public Device resolve() {
        if (this == CPU) {
            return Device.cpu();
        }
        String library = TensorFlowLibrary.ensureLocal();
        boolean cuda = TensorFlowLibrary.isCudaBuild();
        int gpus = cuda ? Engine.getEngine("TensorFlow").getGpuCount() : 0;
        if (gpus > 0) {
            return Device.gpu(0);
        }
        if (this == GPU) {
            throw new IllegalStateException(SETTING + "=gpu but " + (cuda
                    ? "no GPU is visible to TensorFlow's CUDA build in " + library
                    : "the TensorFlow library in use (" + library + ") is a CPU build: point "
                            + TensorFlowLibrary.LIBRARY_PATH + " at TensorFlow's CUDA build (the GPU image does)")
                    + ", or set " + SETTING + "=auto");
        }
        return Device.cpu();
    }
}
