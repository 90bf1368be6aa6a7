package io.frameguard.it;

import io.frameguard.demo.SensorSimulator;
import io.frameguard.frames.FrameFile;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;

/** Small real models trained on simulator data, for tests. */
public final class TestModels {

    public static final int DIM = 16;
    public static final long SIM_SEED = 7;

    private TestModels() {}

    public static SensorSimulator simulator() {
        return new SensorSimulator(DIM, SIM_SEED);
    }

    /** Trains a sensor model on normal simulator frames (a few seconds on 2 cores). */
    public static ModelArtifact trainSensorModel(Path dir, int frames, int epochs, long seed) throws Exception {
        SensorSimulator sim = simulator();
        FrameFile data = new FrameFile(DIM, frames, sim.trainingData(frames, 8), FrameFile.defaultNames(DIM));
        TrainingOptions options = new TrainingOptions("test", "test-" + seed, epochs, 64, 1e-3f, seed, 0.01, 0.1, 0, 0, 1);
        return new AutoencoderTrainer(options, TrainingProgress.NONE).train(data, dir, "simulator " + frames + " frames");
    }
}
