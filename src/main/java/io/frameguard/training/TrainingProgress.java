package io.frameguard.training;

/** Progress callbacks from a training run; the CLI draws a bar, the trainer sidecar logs. */
public interface TrainingProgress {
    TrainingProgress NONE = new TrainingProgress() {};

    default void start(int epochs, int stepsPerEpoch) {}

    default void step(int epoch, double runningLoss) {}

    default void epochDone(int epoch, double trainLoss) {}

    default void done() {}

    /** The model copied {@code channels} through its bottleneck: it is trained again without seeing their values. */
    default void retraining(java.util.List<String> channels) {}
}
