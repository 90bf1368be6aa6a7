package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.Auroc;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The standard one-class protocol on Fashion-MNIST: for each class, train on that class's 6,000 training images
 * only, score all 10,000 test images with the service's DJL code path, and compute the AUROC with every other
 * class as anomalous. Also measures, on the same model, the false-alarm rate at the card's threshold on the test
 * images of the normal class (held out from training and calibration), and the scoring throughput.
 *
 * <p>Hyper-parameters are the trainer's defaults; nothing is chosen on the test set. {@code --validation} is how
 * they are chosen: the same protocol on the training file alone (the class's training images split
 * {@value #VALIDATION_SHARE} held out, other classes' training images as the anomalies), so the test file is never
 * read.
 */
@Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
        description = "One-class AUROC per Fashion-MNIST class, calibrated false-alarm rate, scoring throughput.")
public final class FashionMnistBenchmark implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Directory with the IDX files (Debian package dataset-fashion-mnist) (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--classes", split = ",", description = "Classes to run (default: all ten).")
    List<Integer> classes;

    @Option(names = "--epochs", defaultValue = "30", description = "Training epochs per class (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--architecture", defaultValue = TrainingOptions.DENSE, description = "dense or conv (default: ${DEFAULT-VALUE}).")
    String architecture;

    @Option(names = "--hidden", defaultValue = "0", description = "Hidden width or first filters, 0 for the trainer's default.")
    int hidden;

    @Option(names = "--latent", defaultValue = "0", description = "Bottleneck width, 0 for the trainer's default.")
    int latent;

    @Option(names = "--denoise", description = "Denoising: gaussian:SIGMA or mask:SHARE, as train's (default: none).")
    String denoise;

    @Option(names = "--sparsity", defaultValue = "0", description = "L1 weight on the latent code, as train's (default: ${DEFAULT-VALUE}).")
    double sparsity;

    @Option(names = "--variance-floor", defaultValue = "0.1", description = "Per-pixel variance floor (default: ${DEFAULT-VALUE}).")
    double varianceFloor;

    @Option(names = "--smoothing-sigma", defaultValue = "1.0", description = "Error map smoothing (default: ${DEFAULT-VALUE}).")
    double sigma;

    @Option(names = "--pixel-variance", defaultValue = "true", negatable = true, fallbackValue = "true",
            description = "Per-pixel variance normalisation (default: ${DEFAULT-VALUE}).")
    boolean pixelVariance;

    @Option(names = "--structural-weight", defaultValue = "" + TrainingOptions.DEFAULT_STRUCTURAL_WEIGHT,
            description = "Weight of the structural (1 - SSIM) map, 0 for none (default: ${DEFAULT-VALUE}).")
    double structuralWeight;

    @Option(names = "--target-fpr", defaultValue = "0.01", description = "Threshold's target false-alarm rate (default: ${DEFAULT-VALUE}).")
    double targetFpr;

    @Option(names = "--batch", defaultValue = "256", description = "Images per predictor call when scoring (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--work", defaultValue = "target/bench/fashion-mnist", description = "Where models are written (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--report", description = "Markdown report (e.g. docs/BENCHMARKS.md) whose current figures of this benchmark are replaced; "
            + "the run is also appended to benchmarks-history.md beside it.")
    Path report;

    @Option(names = "--validation", description = "Choose hyper-parameters: train on 90%% of each class's training images and "
            + "score the other 10%% against " + VALIDATION_PER_OTHER_CLASS + " training images of each other class; the test file is not read.")
    boolean validation;

    /** Share of the class's training images held out as the normal half of the validation set. */
    static final double VALIDATION_SHARE = 0.1;
    /** Training images of each other class that play the anomalies in validation mode. */
    static final int VALIDATION_PER_OTHER_CLASS = 600;
    /** Fixed, so every hyper-parameter setting is compared on the same validation images. */
    static final long VALIDATION_SEED = 7;

    static final String[] NAMES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
            "Bag", "Ankle boot"};

    /** One class's figures. */
    record ClassResult(int label, double auroc, double falseAlarmRate, double throughput, double trainSeconds) {}

    @Override
    public Integer call() throws Exception {
        Path trainImages = data.resolve("train-images-idx3-ubyte.gz");
        Path testImages = data.resolve("t10k-images-idx3-ubyte.gz");
        FrameFile allTrain = validation ? ImageFiles.readIdx(trainImages, null) : null;
        int[] trainLabels = validation ? ImageFiles.readIdxLabels(ImageFiles.labelsFileFor(trainImages)) : null;
        FrameFile testFile = validation ? null : ImageFiles.readIdx(testImages, null);
        int[] testFileLabels = validation ? null : ImageFiles.readIdxLabels(ImageFiles.labelsFileFor(testImages));
        List<Integer> run = classes != null ? classes : List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        TrainingOptions options = TrainingOptions.builder().epochs(epochs).architecture(architecture).hidden(hidden).latent(latent)
                .varianceFloor(varianceFloor).smoothingSigma(sigma).pixelVariance(pixelVariance).structuralWeight(structuralWeight).targetFpr(targetFpr).validationFraction(0.2)
                .denoise(denoise).sparsity(sparsity).build();
        List<ClassResult> results = new ArrayList<>();
        for (int label : run) {
            FrameFile train;
            FrameFile test;
            int[] testLabels;
            if (validation) {
                ValidationSplit split = ValidationSplit.of(allTrain, trainLabels, label);
                train = split.train();
                test = split.scored();
                testLabels = split.labels();
            } else {
                train = ImageFiles.readIdx(trainImages, Set.of(label));
                test = testFile;
                testLabels = testFileLabels;
            }
            Path dir = work.resolve("class-" + label);
            org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
            long t0 = System.nanoTime();
            ModelArtifact artifact = new AutoencoderTrainer(options.toBuilder().name("fmnist-" + label)
                    .version("fmnist-" + label).build(), TrainingProgress.NONE)
                    .train(train, dir, "Fashion-MNIST class " + label + " (" + NAMES[label] + "), " + train.rows() + " images");
            double trainSeconds = (System.nanoTime() - t0) / 1e9;
            double[] scores = new double[test.rows()];
            double throughput;
            try (ModelRunner scorer = ModelRunner.load(artifact); ModelRunner.Session session = scorer.newSession()) {
                score(session, test, scores); // warm-up
                long s0 = System.nanoTime();
                score(session, test, scores);
                throughput = test.rows() / ((System.nanoTime() - s0) / 1e9);
            }
            boolean[] anomalous = new boolean[test.rows()];
            int normals = 0;
            int alarms = 0;
            double threshold = artifact.card().threshold().value();
            for (int i = 0; i < test.rows(); i++) {
                anomalous[i] = testLabels[i] != label;
                if (!anomalous[i]) {
                    normals++;
                    alarms += scores[i] > threshold ? 1 : 0;
                }
            }
            ClassResult r = new ClassResult(label, Auroc.of(scores, anomalous), (double) alarms / normals, throughput, trainSeconds);
            results.add(r);
            System.out.printf(Locale.ROOT, "class %d %-12s AUROC %.4f  false alarms %.4f  %,.0f images/s  trained in %.1f s%n",
                    label, NAMES[label], r.auroc(), r.falseAlarmRate(), r.throughput(), r.trainSeconds());
        }
        double meanAuroc = results.stream().mapToDouble(ClassResult::auroc).average().orElse(Double.NaN);
        double meanFar = results.stream().mapToDouble(ClassResult::falseAlarmRate).average().orElse(Double.NaN);
        double minThroughput = results.stream().mapToDouble(ClassResult::throughput).min().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "mean AUROC %.4f, pooled false-alarm rate %.4f at target %.3f, slowest scoring %,.0f images/s%n",
                meanAuroc, meanFar, targetFpr, minThroughput);
        System.out.printf(Locale.ROOT, "RESULT fashion-mnist mean_auroc=%.4f mean_far=%.4f target_fpr=%.3f min_images_per_s=%.0f%n",
                meanAuroc, meanFar, targetFpr, minThroughput);
        if (report != null) {
            BenchReport.publish(report, validation ? "fashion-mnist-validation" : "fashion-mnist",
                    "Fashion-MNIST one-class quality" + (validation ? ", validation split of the training file" : ""), describe(), table(results, meanAuroc, meanFar, minThroughput,
                    validation ? "held-out training images" : "1,000 test images"));
        }
        return 0;
    }

    private void score(ModelRunner.Session session, FrameFile test, double[] scores) throws Exception {
        int dim = test.dim();
        for (int from = 0; from < test.rows(); from += batch) {
            int n = Math.min(batch, test.rows() - from);
            List<ScoredFrame> s = session.score(new FrameBatch(test.values(), from * dim, n, dim));
            for (int i = 0; i < n; i++) {
                scores[from + i] = s.get(i).score();
            }
        }
    }

    /**
     * Validation mode's images for one class, all from the training file: {@code train} (the class's images but
     * a held-out {@value #VALIDATION_SHARE}), and {@code scored}, the held-out ones followed by
     * {@value #VALIDATION_PER_OTHER_CLASS} images of each other class, with their labels.
     */
    record ValidationSplit(FrameFile train, FrameFile scored, int[] labels) {
        static ValidationSplit of(FrameFile all, int[] labels, int label) {
            Random random = new Random(VALIDATION_SEED);
            List<Integer> own = new ArrayList<>();
            List<List<Integer>> others = new ArrayList<>();
            for (int c = 0; c < NAMES.length; c++) {
                others.add(new ArrayList<>());
            }
            for (int i = 0; i < all.rows(); i++) {
                (labels[i] == label ? own : others.get(labels[i])).add(i);
            }
            Collections.shuffle(own, random);
            int held = (int) Math.round(own.size() * VALIDATION_SHARE);
            List<Integer> scored = new ArrayList<>(own.subList(0, held));
            for (int c = 0; c < NAMES.length; c++) {
                if (c != label) {
                    Collections.shuffle(others.get(c), random);
                    scored.addAll(others.get(c).subList(0, Math.min(VALIDATION_PER_OTHER_CLASS, others.get(c).size())));
                }
            }
            int[] scoredLabels = scored.stream().mapToInt(i -> labels[i]).toArray();
            return new ValidationSplit(rows(all, own.subList(held, own.size())), rows(all, scored), scoredLabels);
        }

        private static FrameFile rows(FrameFile all, List<Integer> rows) {
            int dim = all.dim();
            float[] values = new float[rows.size() * dim];
            for (int r = 0; r < rows.size(); r++) {
                System.arraycopy(all.values(), rows.get(r) * dim, values, r * dim, dim);
            }
            return new FrameFile(dim, rows.size(), values, all.featureNames(), all.image());
        }
    }

    private String describe() {
        return String.format(Locale.ROOT, "architecture %s (hidden %d, latent %d; 0 = default)%s%s, %d epochs, error map smoothing sigma %.1f, per-pixel variance %s (floor %.2f), "
                + "structural (1 - SSIM) map weight %.1f, %svalidation fraction 0.2 (half calibration, half threshold), target FPR %.3f, scoring batch %d",
                architecture, hidden, latent, denoise != null ? ", denoising " + denoise : "",
                sparsity > 0 ? ", sparsity " + sparsity : "", epochs, sigma, pixelVariance ? "on" : "off", varianceFloor, structuralWeight,
                validation ? "scored on a validation split of the training file (test file not read), " : "", targetFpr, batch);
    }

    private static String table(List<ClassResult> results, double meanAuroc, double meanFar, double minThroughput,
            String normals) {
        StringBuilder t = new StringBuilder("| class | AUROC | false-alarm rate on the class's " + normals
                + " | scoring images/s | training s |\n|---|---|---|---|---|\n");
        for (ClassResult r : results) {
            t.append(String.format(Locale.ROOT, "| %d %s | %.4f | %.4f | %,.0f | %.1f |%n", r.label(), NAMES[r.label()],
                    r.auroc(), r.falseAlarmRate(), r.throughput(), r.trainSeconds()));
        }
        t.append(String.format(Locale.ROOT, "| **mean** | **%.4f** | %.4f (pooled) | min %,.0f | |%n", meanAuroc, meanFar, minThroughput));
        return t.toString();
    }
}
