package io.frameguard.testing;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.Set;

/** Small real models trained on simulator data, for tests. */
public final class TestModels {

    public static final int DIM = 16;
    public static final long SIM_SEED = 7;

    private TestModels() {}

    public static SensorSimulator simulator() {
        return new SensorSimulator(DIM, SIM_SEED);
    }

    /** Debian's dataset-fashion-mnist package (installed by .ci/run). */
    /**
     * Normal windows of {@code steps} steps of a machine, {@code rows} of them from {@code sources} sources ({@code m0},
     * {@code m1}, ...), window i starting at step {@code stride * i}: training data for window models.
     */
    public static FrameFile windows(SensorSimulator machine, int rows, int sources, long stride, int steps) {
        int dim = machine.dim() * steps;
        float[] values = new float[rows * dim];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(machine.window("m" + i % sources, stride * i, steps), 0, values, i * dim, dim);
        }
        return new FrameFile(dim, rows, values, null);
    }

    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    public static Path fashionTrainImages() {
        return FASHION_MNIST.resolve("train-images-idx3-ubyte.gz");
    }

    public static Path fashionTestImages() {
        return FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz");
    }

    /** Trains an image model on the Fashion-MNIST training images of one class. */
    public static ModelArtifact trainImageModel(Path dir, int label, int epochs, String architecture, long seed)
            throws Exception {
        FrameFile data = ImageFiles.readIdx(fashionTrainImages(), Set.of(label));
        TrainingOptions options = TrainingOptions.builder().name("image").version("image-" + label + "-" + seed)
                .epochs(epochs).seed(seed).architecture(architecture).validationFraction(0.2).build();
        return new AutoencoderTrainer(options, TrainingProgress.NONE).train(data, dir, "Fashion-MNIST class " + label);
    }

    /** Trains a sensor model on normal simulator frames (a few seconds on 2 cores). */
    public static ModelArtifact trainSensorModel(Path dir, int frames, int epochs, long seed) throws Exception {
        SensorSimulator sim = simulator();
        FrameFile data = new FrameFile(DIM, frames, sim.trainingData(frames, 8), FrameFile.defaultNames(DIM));
        TrainingOptions options = TrainingOptions.builder().name("test").version("test-" + seed).epochs(epochs).seed(seed)
                .threads(1).build();
        return new AutoencoderTrainer(options, TrainingProgress.NONE).train(data, dir, "simulator " + frames + " frames");
    }
}
