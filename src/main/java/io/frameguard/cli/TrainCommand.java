package io.frameguard.cli;

import io.frameguard.datasets.FrameFile;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.retraining.ArchitectureSelection;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

// no mixinStandardHelpOptions: its --version would be picocli's, and this command's --version is the model's
@Command(name = "train",
        description = "Train an autoencoder on normal frames and write a model artifact (SavedModel + model card).")
final class TrainCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Mixin
    FrameInput input;

    @Option(names = "--out", required = true, paramLabel = "MODEL_DIR", description = "Directory to write (must not hold a model yet).")
    Path out;

    @Option(names = "--epochs", defaultValue = "30", description = "Passes over the training frames (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "64", description = "Frames per gradient step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--learning-rate", defaultValue = "0",
            description = "Adam learning rate (default: 0.003 for channels, 0.001 otherwise).")
    float learningRate;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed: fixes initial weights, split and batch order (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--target-fpr", defaultValue = "0.01",
            description = "False-positive rate the initial threshold is set for on held-out frames (default: ${DEFAULT-VALUE}).")
    double targetFpr;

    @Option(names = "--validation-fraction",
            description = "Share of frames held out (default: 0.1; 0.2 for images, where half of it calibrates the per-pixel variance).")
    Double validationFraction;

    @Option(names = "--architecture", defaultValue = TrainingOptions.AUTO, paramLabel = "auto|dense|conv|channels|temporal|vae",
            description = "dense: fully connected over the whole frame; conv: convolutional, for images whose sides are "
                    + "multiples of 4; channels: sensor windows (--channels), each time step's channels through a "
                    + "bottleneck; temporal: sensor windows of a multiple of 4 steps, 1-D convolutions over time mixing the "
                    + "channels; vae: variational, fully connected (sensors and images); auto: channels for sensor windows "
                    + "of at least 4 channels, dense otherwise (default: ${DEFAULT-VALUE}).")
    String architecture;

    @Option(names = "--hidden", defaultValue = "0",
            description = "dense, vae, channels with relu: outer hidden layer width (default: 2*width within 8..128, width "
                    + "being dim or the channel count; a linear model has none); conv: first layer's filters (default: 16); "
                    + "temporal: first convolution's filters (default: 2*channels).")
    int hidden;

    @Option(names = "--activation", defaultValue = TrainingOptions.AUTO, paramLabel = "auto|relu|linear",
            description = "dense, channels: relu between the layers, or linear: one linear bottleneck, no hidden layers; "
                    + "auto: linear for channels, relu otherwise (default: ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--latent", defaultValue = "0",
            description = "Bottleneck width (default: measured from the data where the values are channels, the "
                    + "principal components that keep 99 %% of the variance or until the rest is flat like noise, fewer than the "
                    + "channels (from two): each step for channels, each "
                    + "frame for dense and vae on sensor frames of at most 64 values without --channels; otherwise dense "
                    + "and vae dim/4 within 2..32; conv and temporal 32).")
    int latent;

    @Option(names = "--smoothing-sigma", defaultValue = "1.0",
            description = "Images: Gaussian smoothing of the pixel error map, in pixels; 0 for none (default: ${DEFAULT-VALUE}).")
    double smoothingSigma;

    @Option(names = "--pixel-variance", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Images: divide each pixel's error by its variance on held-out normal images (default: ${DEFAULT-VALUE}).")
    boolean pixelVariance;

    @Option(names = "--variance-floor", defaultValue = "0.1",
            description = "Images: smallest per-pixel variance used, as a share of the mean (default: ${DEFAULT-VALUE}).")
    double varianceFloor;

    @Option(names = "--structural-weight", defaultValue = "" + TrainingOptions.DEFAULT_STRUCTURAL_WEIGHT,
            description = "Images: weight of the structural (1 - SSIM) error map next to the smoothed one; 0 for none (default: ${DEFAULT-VALUE}).")
    double structuralWeight;

    @Option(names = "--channels", defaultValue = "0", paramLabel = "C",
            description = "Sensor windows: channels per time step; each frame is dim/C steps of C channels, time-major "
                    + "(step 0's channels, then step 1's, ...). Recorded on the card; the signature then describes the "
                    + "shape of the error on the channels that carry it. 0: each value is a channel of its own (default).")
    int channels;

    @Option(names = "--signature", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Export each frame's signature for the anomaly memory (similar anomalies, search by frame); "
                    + "--no-signature saves its share of the model's work; models the retraining job trains have one "
                    + "(default: on).")
    boolean signature;

    @Option(names = "--denoise", paramLabel = "gaussian:SIGMA|mask:SHARE",
            description = "Train a denoising autoencoder: corrupt each training input (Gaussian noise of SIGMA feature "
                    + "standard deviations, pixel units for images; or SHARE of its values set to the feature's mean) and "
                    + "learn to reconstruct the clean frame (default: none).")
    String denoise;

    @Option(names = "--sparsity", defaultValue = "0", paramLabel = "LAMBDA",
            description = "Weight of an L1 penalty on the latent code: a sparse autoencoder (default: ${DEFAULT-VALUE}, none).")
    double sparsity;

    @Option(names = "--select",
            description = "Choose the architecture: hold out 10 %% of the frames, train every architecture that suits the "
                    + "frames on the rest, and keep the one whose scores best separate the held-out frames from corrupted "
                    + "copies of them (the card records every candidate's figures). --architecture is then ignored, and "
                    + "--activation for sensor frames (the candidates cover it).")
    boolean select;

    @Option(names = "--name", description = "Model name, the prefix of generated versions (default: sensor, or image for images).")
    String name;

    @Option(names = "--version", paramLabel = "VERSION", description = "Model version (default: NAME-<UTC timestamp>).")
    String version;

    @Option(names = "--threads", defaultValue = "0", description = "TensorFlow threads, 0 for one per processor. Same data, seed and threads give the same model bit for bit (default: ${DEFAULT-VALUE}).")
    int threads;

    private TrainingOptions options(String modelName, double validationShare) {
        return new TrainingOptions(modelName, version, epochs, batchSize, learningRate, seed, targetFpr, validationShare,
                architecture, hidden, activation, latent, threads, smoothingSigma, pixelVariance, varianceFloor, structuralWeight,
                channels, signature, denoise, sparsity);
    }

    @Override
    public Integer call() throws Exception {
        AutoencoderTrainer.requireNoModel(out); // before the data is read and the model trained
        // the settings checked before the data is read (a large file takes a while): only the defaults depend on it
        options(name != null ? name : "sensor", validationFraction != null ? validationFraction : 0.1);
        FrameFile data = input.read();
        TrainingOptions options = options(name != null ? name : data.image() != null ? "image" : "sensor",
                validationFraction != null ? validationFraction
                        : data.image() != null && TrainingOptions.calibratesImages(pixelVariance, structuralWeight) ? 0.2 : 0.1);
        String summary = data.rows() + (data.image() != null ? " images of " + data.image() : " frames x " + data.dim()
                + " features") + " from " + input.data.getFileName()
                + (input.labels != null ? " (labels " + input.labels + ")" : "");
        for (String doubt : input.doubts()) {
            System.err.println("warning: " + input.data.getFileName() + ": " + doubt);
        }
        System.err.println("Training on " + summary);
        ModelArtifact artifact;
        ModelCard.Selection selection = null;
        try (BarProgress progress = new BarProgress()) {
            if (select) {
                ArchitectureSelection.Result result = ArchitectureSelection.select(options, data, out, summary, progress);
                artifact = result.chosen();
                selection = result.selection();
            } else {
                artifact = new AutoencoderTrainer(options, progress).train(data, out, summary);
            }
        }
        // after the bar is closed: its last line is drawn by its own thread, and would end up on a line written before
        if (selection != null) {
            for (ModelCard.Candidate c : selection.tried()) {
                System.out.printf(Locale.ROOT, "  candidate %-16s synthetic-anomaly AUROC %.4f, false-alarm rate %.4f%s%n", c.name(),
                        c.syntheticAuroc(), c.falseAlarmRate(), c.name().equals(selection.chosen()) ? "  <- chosen" : "");
            }
            if (selection.reason() != null) {
                System.out.printf("  chose %s: %s%n", selection.chosen(), selection.reason());
            }
        }
        ModelCard card = artifact.card();
        System.out.printf("model %s written to %s%n", card.version(), out);
        System.out.printf(Locale.ROOT, "  train loss %.4g, validation loss %.4g%n", card.training().trainLoss(),
                card.training().validationLoss());
        // four significant digits: a dense image model's errors are of the order of 1e-5, which %.4f printed as 0.0000
        System.out.printf(Locale.ROOT, "  validation error p50 %.4g p99 %.4g; initial threshold %.4g for target FPR %.3f%n",
                card.training().validationErrors().p50(), card.training().validationErrors().p99(),
                card.threshold().value(), card.threshold().targetFpr());
        long held = card.training().validationFrames();
        double expected = held * card.threshold().targetFpr();
        if (held > 0 && expected < FEWEST_EXCEEDING) {
            // a quantile set by a handful of frames moves a lot with the draw: the service's false-alarm rate with it
            System.err.printf("warning: the threshold rests on %d held-out frames, of which %.1f would exceed it at the "
                    + "target FPR %.3f: on new frames its false-alarm rate may be several times that (train on at least "
                    + "%d frames, or raise --validation-fraction%s)%n", held, expected, card.threshold().targetFpr(),
                    // the file's frames: --select holds some out before the chosen model holds out its own
                    (long) Math.ceil(FEWEST_EXCEEDING / card.threshold().targetFpr() / Math.max(1e-9, (double) held / data.rows())),
                    select ? "; --select keeps " + Math.round(100 * ArchitectureSelection.HOLDOUT_FRACTION)
                            + " % of the frames apart to compare the candidates" : "");
        }
        ModelCard.Scoring scoring = card.scoring();
        if (scoring != null && scoring.constantChannels() != null) {
            System.out.printf("  constant in training: %s (any change of theirs scores as a fault)%n",
                    String.join(", ", scoring.constantChannels()));
        }
        if (scoring != null && scoring.hiddenChannels() != null) {
            System.out.printf("  rebuilt from the other channels alone (not seen by the model, which copied them): %s%n",
                    String.join(", ", scoring.hiddenChannels()));
        }
        if (scoring != null && scoring.copiedChannels() != null) {
            System.out.printf("  moving with no other channel, copied by the model: %s (their faults show only far outside"
                    + " their training range)%n", String.join(", ", scoring.copiedChannels()));
        }
        return 0;
    }

    /** Fewest held-out frames over the threshold at the target FPR for the threshold to be more than a rough guess. */
    private static final int FEWEST_EXCEEDING = 10;

    /** Draws training progress as a bar on stderr, one tick per gradient step. */
    private static final class BarProgress implements TrainingProgress, AutoCloseable {
        private ProgressBar bar;
        private int epochs;

        @Override
        public void start(int epochs, int stepsPerEpoch) {
            close(); // --select trains one model after another: a bar each
            this.epochs = epochs;
            bar = new ProgressBarBuilder()
                    .setTaskName("train")
                    .setInitialMax((long) epochs * stepsPerEpoch)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setUpdateIntervalMillis(250)
                    .build();
        }

        @Override
        public void step(int epoch, double runningLoss) {
            bar.step();
            bar.setExtraMessage(String.format(Locale.ROOT, " epoch %d/%d loss %.4g", epoch, epochs, runningLoss));
        }

        @Override
        public void retraining(List<String> channels) {
            close();
            System.err.println("the model copied " + String.join(", ", channels) + " through its bottleneck: training it "
                    + "again without their values, to rebuild them from the other channels");
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
