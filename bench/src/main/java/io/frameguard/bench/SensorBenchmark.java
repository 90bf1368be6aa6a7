package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelOutputs;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ScoreAggregation;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.Auroc;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Detection quality on sensor windows: the architectures of {@code frameguard train} against plain PCA on the same
 * flattened windows.
 *
 * <p>A simulated machine ({@link SensorSimulator#machine}: channels driven by shared slow rhythms and a fast one)
 * gives normal training windows from 8 sources; the test set is normal windows of 8 other sources and, per fault kind,
 * windows with that fault on one to three random channels from a random step. Each model is trained on the normal
 * windows alone with the options {@code train} uses, loaded as the scorer loads it (DJL) and scores the test set.
 * Reported per model: AUROC per fault kind and overall (every fault against the normal windows) with the card's score,
 * and with other aggregations of the same error map; the false-alarm rate at the card's threshold on the unseen normal
 * windows; of the faulty windows over that threshold, the share whose first top channel (as events name it) is one of
 * their faulty channels; scoring frames/s at batch 256 (predictor and scores, one thread).
 */
@Command(name = "sensor", mixinStandardHelpOptions = true,
        description = "Detection quality on simulated sensor windows: AUROC per fault kind of each architecture against PCA.")
public final class SensorBenchmark implements Callable<Integer> {

    @Option(names = "--channels", defaultValue = "16", description = "Channels per step (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--steps", defaultValue = "64", description = "Steps per window (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--train-windows", defaultValue = "5000", description = "Normal training windows (default: ${DEFAULT-VALUE}).")
    int trainWindows;

    @Option(names = "--normal", defaultValue = "2000", description = "Normal test windows (default: ${DEFAULT-VALUE}).")
    int normalWindows;

    @Option(names = "--per-kind", defaultValue = "300", description = "Faulty test windows per fault kind (default: ${DEFAULT-VALUE}).")
    int perKind;

    @Option(names = "--epochs", defaultValue = "30", description = "Training epochs (default: ${DEFAULT-VALUE}, as train).")
    int epochs;

    @Option(names = "--learning-rate", defaultValue = "0", description = "Adam learning rate (default: 0, train's default for the architecture).")
    float learningRate;

    @Option(names = "--models", split = ",", defaultValue = "dense,channels,channels:relu",
            description = "Models to train, ARCHITECTURE[:ACTIVATION[:LATENT]][+denoise=KIND:AMOUNT][+sparsity=LAMBDA] as "
                    + "train's --architecture, --activation, --latent, --denoise and --sparsity "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--pca-variance", split = ",", defaultValue = "0.9,0.99",
            description = "PCA baselines: components kept to explain this share of the training variance (default: ${DEFAULT-VALUE}).")
    List<Double> pcaVariance;

    @Option(names = "--forest-trees", defaultValue = "100",
            description = "Random cut forest baseline (an isolation forest): trees, 0 for none (default: ${DEFAULT-VALUE}).")
    int forestTrees;

    @Option(names = "--seed", defaultValue = "7", description = "Simulator seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--throughput-seconds", defaultValue = "3", description = "Scoring time measured per model (default: ${DEFAULT-VALUE}).")
    double throughputSeconds;

    @Option(names = "--work", defaultValue = "target/bench/sensor", description = "Where models are written (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--report", description = "Markdown report whose current sensor figures are replaced (history appended beside it).")
    Path report;

    /** Scoring batch, as the scorer's default largest batch. */
    static final int BATCH = 256;

    /** One row of the results: a detector's AUROC per fault kind and overall, its false-alarm rate and speed. */
    record Row(String name, Map<String, Double> aurocByKind, double auroc, double falseAlarms, double framesPerSecond,
            double trainSeconds, double named) {

        /** The row with the share of flagged faulty windows whose first top channel is one of their faulty channels. */
        Row withNamed(double share) {
            return new Row(name, aurocByKind, auroc, falseAlarms, framesPerSecond, trainSeconds, share);
        }
    }

    @Override
    public Integer call() throws Exception {
        SensorSimulator sim = SensorSimulator.machine(channels, seed);
        int dim = channels * steps;
        Random random = new Random(seed + 1);
        float[] train = new float[trainWindows * dim];
        for (int i = 0; i < trainWindows; i++) {
            System.arraycopy(sim.window("train-" + i % 8, random.nextInt(1_000_000), steps), 0, train, i * dim, dim);
        }
        SensorSimulator.Fault[] kinds = SensorSimulator.Fault.values();
        int rows = normalWindows + kinds.length * perKind;
        float[] test = new float[rows * dim];
        String[] kindOf = new String[rows];
        int[][] faultyChannels = new int[rows][];
        for (int i = 0; i < normalWindows; i++) {
            System.arraycopy(sim.window("test-" + i % 8, random.nextInt(1_000_000), steps), 0, test, i * dim, dim);
        }
        int r = normalWindows;
        for (SensorSimulator.Fault kind : kinds) {
            for (int i = 0; i < perKind; i++, r++) {
                SensorSimulator.FaultyWindow faulty = sim.randomFaultyWindow("test-" + i % 8, steps, kind, random);
                System.arraycopy(faulty.values(), 0, test, r * dim, dim);
                kindOf[r] = kind.name().toLowerCase(Locale.ROOT);
                faultyChannels[r] = faulty.channels();
            }
        }
        List<Stream> streams = streams(sim, random);
        List<Row> results = new ArrayList<>();
        List<StreamRow> streamRows = new ArrayList<>();
        for (String spec : models) {
            ModelArtifact model = train(spec, new FrameFile(dim, trainWindows, train, null));
            results.addAll(measure(model, test, kindOf, faultyChannels));
            streamRows.addAll(stream(model, streams));
        }
        for (double share : pcaVariance) {
            results.add(pca(share, train, test, kindOf, dim));
        }
        if (forestTrees > 0) {
            results.add(forest(train, test, kindOf, dim));
        }
        for (Row row : results) {
            System.out.printf(Locale.ROOT, "%-40s AUROC %.4f %s false alarms %.4f %s%s%n", row.name(), row.auroc(), row.aurocByKind(),
                    row.falseAlarms(), Double.isNaN(row.named()) ? "" : String.format(Locale.ROOT, "faulty channel named first %.3f ",
                            row.named()),
                    Double.isNaN(row.framesPerSecond()) ? "" : String.format(Locale.ROOT, "%.0f frames/s", row.framesPerSecond()));
        }
        for (StreamRow row : streamRows) {
            System.out.println(row);
        }
        Row best = results.stream().filter(x -> x.name().endsWith("(card)")).max((a, b) -> Double.compare(a.auroc(), b.auroc())).orElseThrow();
        System.out.printf(Locale.ROOT, "RESULT sensor best=%s auroc=%.4f%n", best.name(), best.auroc());
        if (report != null) {
            BenchReport.publish(report, "sensor", "Sensor windows: detection quality by architecture", String.format(Locale.ROOT,
                    "simulated machine (seed %d), %d channels x %d steps; %d normal training windows from 8 sources; test: %d "
                            + "normal windows of 8 other sources and %d per fault kind (1-%d random channels, from a random step); "
                            + "%d epochs, learning rate %s, train's defaults otherwise (validation fraction 0.1, target FPR 0.01); scoring batch %d, one thread",
                    seed, channels, steps, trainWindows, normalWindows, perKind, SensorSimulator.MAX_FAULTY_CHANNELS, epochs,
                    learningRate > 0 ? String.valueOf(learningRate) : "train's default for each", BATCH),
                    table(results, kinds) + "\n" + streamTable(streamRows));
        }
        return 0;
    }

    /** Trains one model, ARCHITECTURE[:ACTIVATION[:LATENT]][+denoise=KIND:AMOUNT][+sparsity=LAMBDA]. */
    private ModelArtifact train(String spec, FrameFile train) throws Exception {
        String[] options = spec.split("\\+");
        String[] parts = options[0].split(":");
        String name = spec.replace(':', '-').replace('+', '-').replace('=', '-');
        TrainingOptions.Builder b = TrainingOptions.builder().name("windows").version(name)
                .epochs(epochs).learningRate(learningRate).channels(channels).architecture(parts[0])
                .activation(parts.length > 1 ? parts[1] : TrainingOptions.AUTO)
                .latent(parts.length > 2 ? Integer.parseInt(parts[2]) : 0);
        for (int i = 1; i < options.length; i++) {
            String[] kv = options[i].split("=", 2);
            switch (kv[0]) {
                case "denoise" -> b.denoise(kv[1]);
                case "sparsity" -> b.sparsity(Double.parseDouble(kv[1]));
                default -> throw new IllegalArgumentException("unknown model option " + kv[0] + " in " + spec);
            }
        }
        Path dir = work.resolve(name);
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        long start = System.nanoTime();
        ModelArtifact model = new AutoencoderTrainer(b.build(), TrainingProgress.NONE).train(train, dir, "simulated windows");
        trainSeconds.put(model.card().version(), (System.nanoTime() - start) / 1e9);
        return model;
    }

    private final Map<String, Double> trainSeconds = new java.util.HashMap<>();

    /** A model's card score, and the mean, the largest and the card's channel aggregations of its error map. */
    private List<Row> measure(ModelArtifact model, float[] test, String[] kindOf, int[][] faultyChannels) throws Exception {
        double trainSeconds = this.trainSeconds.get(model.card().version());
        int dim = channels * steps;
        int rows = kindOf.length;
        double[] card = new double[rows];
        double[] mean = new double[rows];
        double[] max = new double[rows];
        double throughput;
        // the same channel errors as the card's score uses, aggregated other ways
        ScoreAggregation channelsOf = ScoreAggregation.of(model.card());
        float[] perChannel = new float[channels];
        double threshold = model.card().threshold().value();
        int flaggedFaulty = 0;
        int named = 0;
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            for (int from = 0; from < rows; from += BATCH) {
                int n = Math.min(BATCH, rows - from);
                ModelOutputs outputs = s.run(new FrameBatch(test, from * dim, n, dim));
                float[] errors = outputs.errors();
                List<ScoredFrame> scored = s.explain(outputs, n);
                for (int i = 0; i < n; i++) {
                    card[from + i] = scored.get(i).score();
                    int[] faulty = faultyChannels[from + i];
                    if (faulty != null && card[from + i] > threshold) {
                        int top = scored.get(i).topChannels().get(0).index();
                        flaggedFaulty++;
                        named += Arrays.stream(faulty).anyMatch(c -> c == top) ? 1 : 0;
                    }
                    mean[from + i] = channelsOf.channelErrors(errors, i * dim, perChannel) / dim;
                    float worst = Float.NEGATIVE_INFINITY;
                    for (float e : perChannel) {
                        worst = Math.max(worst, e);
                    }
                    max[from + i] = worst;
                }
            }
            throughput = throughput(s, test, dim);
        }
        String name = label(model);
        List<Row> out = new ArrayList<>();
        out.add(row(name + " (card)", card, kindOf, threshold, throughput, trainSeconds)
                .withNamed(flaggedFaulty == 0 ? Double.NaN : named / (double) flaggedFaulty));
        out.add(row(name + ", mean of channels", mean, kindOf, Double.NaN, Double.NaN, Double.NaN));
        out.add(row(name + ", worst channel", max, kindOf, Double.NaN, Double.NaN, Double.NaN));
        return out;
    }

    /** The model as the tables name it: architecture, widths, activation and its regularisers. */
    private static String label(ModelArtifact model) {
        var a = model.card().architecture();
        var t = model.card().training();
        return a.kind() + " " + Arrays.toString(a.layers()) + " " + a.activation()
                + (t.denoise() != null ? ", denoising " + t.denoise() : "") + (t.sparsity() != null ? ", sparsity " + t.sparsity() : "");
    }

    /** Frames/s of predictor and scores at batch {@value #BATCH} over the test set, round and round. */
    private double throughput(ModelRunner.Session s, float[] test, int dim) throws Exception {
        int batches = test.length / dim / BATCH;
        for (int i = 0; i < 10; i++) { // warm-up
            s.score(new FrameBatch(test, (i % batches) * BATCH * dim, BATCH, dim));
        }
        long frames = 0;
        long start = System.nanoTime();
        long end = start + (long) (throughputSeconds * 1e9);
        for (int i = 0; System.nanoTime() < end; i++) {
            s.score(new FrameBatch(test, (i % batches) * BATCH * dim, BATCH, dim));
            frames += BATCH;
        }
        return frames / ((System.nanoTime() - start) / 1e9);
    }

    /** Windows per streaming scenario. */
    static final int STREAM_WINDOWS = 10_000;
    /** Shares of a source's windows that are faulty, one scenario each. */
    static final double[] FAULTY_SHARES = {0, 0.05, 0.3, 0.6};
    /** The amplitude drift scenario: a clean source whose swing grows this much over most of the stream. */
    static final double DRIFT = 0.2;
    /** The lasting fault scenario: a channel that stops agreeing with the others for this many consecutive windows. */
    static final int LASTING_FAULT_WINDOWS = 4_000;
    /**
     * Its strength: the share of the decorrelation's change to the channel, small enough that the fault's scores sit
     * around the threshold (part of its windows exceed it, for the default model), where a threshold that learnt the
     * fault would lose it.
     */
    static final double LASTING_FAULT_STRENGTH = 0.1;

    /** A source's stream of windows in time order, and which are faulty. */
    record Stream(String name, float[] windows, boolean[] faulty) {}

    /** What the service's rolling threshold and the card's fixed one make of a stream. */
    record StreamRow(String model, String stream, double recall, double fixedRecall, double falseAlarms, double fixedFalseAlarms,
            double factor, double idealFactor) {}

    /**
     * One source per scenario: windows in time order, a share of them carrying a fault of a random kind (a machine
     * that stays broken for the whole stream), and a clean source whose amplitude drifts up by {@value #DRIFT} over the
     * first 80 % of its stream.
     */
    private List<Stream> streams(SensorSimulator sim, Random random) {
        SensorSimulator.Fault[] kinds = SensorSimulator.Fault.values();
        int dim = channels * steps;
        List<Stream> out = new ArrayList<>();
        for (double share : FAULTY_SHARES) {
            String source = "stream-" + (int) (100 * share);
            float[] w = new float[STREAM_WINDOWS * dim];
            boolean[] faulty = new boolean[STREAM_WINDOWS];
            for (int i = 0; i < STREAM_WINDOWS; i++) {
                faulty[i] = random.nextDouble() < share;
                float[] v = faulty[i] ? sim.randomFaultyWindow(source, steps, kinds[random.nextInt(kinds.length)], random).values()
                        : sim.window(source, (long) i * steps, steps);
                System.arraycopy(v, 0, w, i * dim, dim);
            }
            out.add(new Stream(String.format(Locale.ROOT, "%.0f %% of the windows faulty", 100 * share), w, faulty));
        }
        float[] w = new float[STREAM_WINDOWS * dim];
        int ramp = STREAM_WINDOWS * 8 / 10;
        for (int i = 0; i < STREAM_WINDOWS; i++) {
            double gain = 1 + DRIFT * Math.min(1.0, (double) i / ramp);
            System.arraycopy(sim.withGain(sim.window("stream-drift", (long) i * steps, steps), gain), 0, w, i * dim, dim);
        }
        out.add(new Stream(String.format(Locale.ROOT, "clean, amplitude drifting %.0f %%", 100 * DRIFT), w, new boolean[STREAM_WINDOWS]));
        out.add(lastingFault(sim));
        return out;
    }

    /**
     * A clean source whose channel 3 stops agreeing with the others, weakly ({@value #LASTING_FAULT_STRENGTH} of the
     * simulator's decorrelation), for {@value #LASTING_FAULT_WINDOWS} consecutive windows from a tenth of the stream on:
     * every window the source sends in that time is faulty, none is normal.
     */
    private Stream lastingFault(SensorSimulator sim) {
        int dim = channels * steps;
        String source = "stream-lasting";
        int from = STREAM_WINDOWS / 10;
        float[] w = new float[STREAM_WINDOWS * dim];
        boolean[] faulty = new boolean[STREAM_WINDOWS];
        for (int i = 0; i < STREAM_WINDOWS; i++) {
            long t0 = (long) i * steps;
            float[] normal = sim.window(source, t0, steps);
            faulty[i] = i >= from && i < from + LASTING_FAULT_WINDOWS;
            if (faulty[i]) {
                // the fault began at the first faulty window's first step and goes on through the windows after it
                float[] full = sim.faultyWindow(source, t0, steps, SensorSimulator.Fault.DECORRELATED, new int[] {3},
                        (int) ((long) from * steps - t0));
                for (int j = 0; j < dim; j++) {
                    normal[j] += (float) (LASTING_FAULT_STRENGTH * (full[j] - normal[j]));
                }
            }
            System.arraycopy(normal, 0, w, i * dim, dim);
        }
        return new Stream(String.format(Locale.ROOT, "a weak decorrelation lasting %,d windows", LASTING_FAULT_WINDOWS), w, faulty);
    }

    /**
     * Scores each stream with the model and runs the detector's rule over it (defaults: adapt rate 0.02, floor 0.5,
     * ceiling 2, k = n = 1) and the card's fixed threshold: recall on faulty windows, false alarms on the others, the
     * rolling threshold's factor at the end against the ideal (the median of the last 1,000 normal scores over the card's
     * median).
     */
    private List<StreamRow> stream(ModelArtifact model, List<Stream> streams) throws Exception {
        List<StreamRow> out = new ArrayList<>();
        io.frameguard.detection.ThresholdPolicy rolling = io.frameguard.detection.ThresholdPolicy.defaults();
        double base = model.card().threshold().value();
        Double median = model.card().validationMedian();
        try (ModelRunner runner = ModelRunner.load(model)) {
            for (Stream stream : streams) {
                int n = stream.faulty().length;
                double[] scores = runner.scores(stream.windows(), n);
                io.frameguard.detection.SourceState state = null;
                int faulty = 0;
                int caught = 0;
                int fixedCaught = 0;
                int alarms = 0;
                int fixedAlarms = 0;
                List<Double> lastNormal = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    io.frameguard.detection.ThresholdPolicy.Decision d = rolling.evaluate(state, "m", base, median, scores[i]);
                    state = d.next();
                    boolean fixed = scores[i] > base;
                    if (stream.faulty()[i]) {
                        faulty++;
                        caught += d.anomaly() ? 1 : 0;
                        fixedCaught += fixed ? 1 : 0;
                    } else {
                        alarms += d.anomaly() ? 1 : 0;
                        fixedAlarms += fixed ? 1 : 0;
                        if (i >= n - 1000) {
                            lastNormal.add(scores[i]);
                        }
                    }
                }
                int normal = n - faulty;
                double[] last = lastNormal.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                out.add(new StreamRow(label(model),
                        stream.name(), faulty == 0 ? Double.NaN : (double) caught / faulty,
                        faulty == 0 ? Double.NaN : (double) fixedCaught / faulty, (double) alarms / normal,
                        (double) fixedAlarms / normal, state.threshold() / base, last[last.length / 2] / median));
            }
        }
        return out;
    }

    private static String streamTable(List<StreamRow> rows) {
        StringBuilder s = new StringBuilder("Streams of one source (" + STREAM_WINDOWS + " windows each) through the detector's "
                + "rule (rolling) and the card's fixed threshold:\n\n| model | stream | recall, rolling | recall, card's "
                + "threshold | false alarms, rolling | false alarms, card's threshold | threshold / card's at the end | "
                + "normal median / card's median at the end |\n|---|---|---|---|---|---|---|---|\n");
        for (StreamRow r : rows) {
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.4f | %.4f | %.3f | %.3f |%n", r.model(), r.stream(),
                    Double.isNaN(r.recall()) ? "" : String.format(Locale.ROOT, "%.4f", r.recall()),
                    Double.isNaN(r.fixedRecall()) ? "" : String.format(Locale.ROOT, "%.4f", r.fixedRecall()),
                    r.falseAlarms(), r.fixedFalseAlarms(), r.factor(), r.idealFactor()));
        }
        return s.toString();
    }

    /**
     * Plain PCA on the flattened windows, standardised per value as the trainer does: the components that explain
     * {@code share} of the training variance; a window's score is its mean squared residual off their span.
     */
    private Row pca(double share, float[] train, float[] test, String[] kindOf, int dim) {
        int n = train.length / dim;
        float[][] standard = standardiser(train, dim);
        float[] mean = standard[0];
        float[] std = standard[1];
        double[][] cov = new double[dim][dim];
        double[] z = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < dim; c++) {
                z[c] = (train[i * dim + c] - mean[c]) / std[c];
            }
            for (int a = 0; a < dim; a++) {
                double za = z[a] / n;
                double[] row = cov[a];
                for (int b = a; b < dim; b++) {
                    row[b] += za * z[b];
                }
            }
        }
        for (int a = 0; a < dim; a++) {
            for (int b = 0; b < a; b++) {
                cov[a][b] = cov[b][a];
            }
        }
        EigenDecomposition eigen = new EigenDecomposition(new Array2DRowRealMatrix(cov, false));
        double[] values = eigen.getRealEigenvalues();
        Integer[] order = new Integer[dim];
        for (int i = 0; i < dim; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double total = Arrays.stream(values).map(v -> Math.max(0, v)).sum();
        int k = 0;
        double explained = 0;
        while (k < dim && explained < share * total) {
            explained += Math.max(0, values[order[k]]);
            k++;
        }
        RealMatrix v = eigen.getV();
        double[][] basis = new double[k][];
        for (int j = 0; j < k; j++) {
            basis[j] = v.getColumn(order[j]);
        }
        int rows = kindOf.length;
        double[] scores = new double[rows];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                z[c] = (test[r * dim + c] - mean[c]) / std[c];
            }
            double norm = 0;
            for (double x : z) {
                norm += x * x;
            }
            double projected = 0;
            for (double[] b : basis) {
                double dot = 0;
                for (int c = 0; c < dim; c++) {
                    dot += b[c] * z[c];
                }
                projected += dot * dot;
            }
            scores[r] = (norm - projected) / dim;
        }
        return row(String.format(Locale.ROOT, "PCA, %d components (%.0f%% of the variance)", k, 100 * share), scores, kindOf,
                Double.NaN, Double.NaN, Double.NaN);
    }

    /** Points each tree of the random cut forest keeps (its default). */
    static final int FOREST_SAMPLE = 256;

    /**
     * An isolation-forest baseline on the flattened windows, standardised per value: a Robust Random Cut Forest
     * ({@code randomcutforest-core}) of {@code forestTrees} trees fed every training window; a window's score is its
     * anomaly score (how much it would change the forest's trees: isolated points change them most).
     */
    private Row forest(float[] train, float[] test, String[] kindOf, int dim) {
        float[][] z = standardiser(train, dim);
        com.amazon.randomcutforest.RandomCutForest forest = com.amazon.randomcutforest.RandomCutForest.builder()
                .dimensions(dim).numberOfTrees(forestTrees).sampleSize(FOREST_SAMPLE).outputAfter(1).randomSeed(seed).build();
        float[] point = new float[dim];
        int n = train.length / dim;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < dim; c++) {
                point[c] = (float) ((train[i * dim + c] - z[0][c]) / z[1][c]);
            }
            forest.update(point.clone());
        }
        double[] scores = new double[kindOf.length];
        for (int r = 0; r < kindOf.length; r++) {
            for (int c = 0; c < dim; c++) {
                point[c] = (float) ((test[r * dim + c] - z[0][c]) / z[1][c]);
            }
            scores[r] = forest.getAnomalyScore(point);
        }
        return row(String.format(Locale.ROOT, "random cut forest (isolation forest), %d trees of %d windows", forestTrees,
                FOREST_SAMPLE), scores, kindOf, Double.NaN, Double.NaN, Double.NaN);
    }

    /** Each value's mean and standard deviation over the training windows, as the trainer standardises: {mean, std}. */
    private static float[][] standardiser(float[] train, int dim) {
        float[] mean = new float[dim];
        float[] std = new float[dim];
        AutoencoderTrainer.meanAndStd(train, dim, mean, std);
        return new float[][] {mean, std};
    }

    /** AUROC of every fault kind against the normal windows (kind null), overall, and the false-alarm rate at the threshold. */
    private static Row row(String name, double[] scores, String[] kindOf, double threshold, double framesPerSecond,
            double trainSeconds) {
        boolean[] anomalous = new boolean[kindOf.length];
        int normal = 0;
        int falseAlarms = 0;
        for (int i = 0; i < kindOf.length; i++) {
            anomalous[i] = kindOf[i] != null;
            if (!anomalous[i]) {
                normal++;
                falseAlarms += scores[i] > threshold ? 1 : 0;
            }
        }
        Map<String, Double> byKind = new LinkedHashMap<>();
        for (SensorSimulator.Fault kind : SensorSimulator.Fault.values()) {
            String k = kind.name().toLowerCase(Locale.ROOT);
            List<Integer> keep = new ArrayList<>();
            for (int i = 0; i < kindOf.length; i++) {
                if (kindOf[i] == null || kindOf[i].equals(k)) {
                    keep.add(i);
                }
            }
            double[] s = keep.stream().mapToDouble(i -> scores[i]).toArray();
            boolean[] a = new boolean[s.length];
            for (int i = 0; i < s.length; i++) {
                a[i] = kindOf[keep.get(i)] != null;
            }
            byKind.put(k, Auroc.of(s, a));
        }
        return new Row(name, byKind, Auroc.of(scores, anomalous), Double.isNaN(threshold) ? Double.NaN : (double) falseAlarms / normal,
                framesPerSecond, trainSeconds, Double.NaN);
    }

    private static String table(List<Row> rows, SensorSimulator.Fault[] kinds) {
        StringBuilder s = new StringBuilder("| detector | overall AUROC |");
        for (SensorSimulator.Fault k : kinds) {
            s.append(' ').append(k.name().toLowerCase(Locale.ROOT).replace('_', ' ')).append(" |");
        }
        s.append(" false alarms at the card's threshold | faulty channel named first | scoring frames/s | training s |\n|---|---|");
        s.append("---|".repeat(kinds.length)).append("---|---|---|---|\n");
        for (Row r : rows) {
            s.append("| ").append(r.name()).append(String.format(Locale.ROOT, " | **%.4f** |", r.auroc()));
            for (double v : r.aurocByKind().values()) {
                s.append(String.format(Locale.ROOT, " %.4f |", v));
            }
            s.append(Double.isNaN(r.falseAlarms()) ? " |" : String.format(Locale.ROOT, " %.4f |", r.falseAlarms()));
            s.append(Double.isNaN(r.named()) ? " |" : String.format(Locale.ROOT, " %.3f |", r.named()));
            s.append(Double.isNaN(r.framesPerSecond()) ? " |" : String.format(Locale.ROOT, " %,.0f |", r.framesPerSecond()));
            s.append(Double.isNaN(r.trainSeconds()) ? " |" : String.format(Locale.ROOT, " %.1f |", r.trainSeconds()));
            s.append('\n');
        }
        return s.toString();
    }
}
