package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelOutputs;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.Auroc;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Detection and explanation on sensor rows: one reading of each channel per frame, what {@code frameguard generate}
 * writes and what a plant's CSV export looks like.
 *
 * <p>The simulator of {@code frameguard generate} (its seed is the plant) gives normal rows from 8 sources to train
 * the model {@code frameguard train} builds for them by default; the test set is normal rows of 8 other sources and,
 * per fault kind, rows with that fault on one random channel, some steps after the fault began. Reported per fault
 * kind: AUROC against the normal rows, the share flagged at the card's threshold, and of those the share whose first
 * top channel is the faulty one, ranked as the events rank it (the card's attribution: the part of the row's error
 * that a fault of the channel alone explains) and, in the same run on the same error maps, by each channel's own error
 * (how rows were explained before); the false-alarm rate on the normal rows.
 */
@Command(name = "rows", mixinStandardHelpOptions = true,
        description = "Detection and explanation on simulated sensor rows: per fault kind, AUROC, recall and the faulty channel named.")
public final class RowsBenchmark implements Callable<Integer> {

    @Option(names = "--plant", defaultValue = "mixed", description = "generate: the simulator of `frameguard generate` "
            + "(every channel equally noisy); mixed: channels mixing three slowly wandering rhythms, each with noise of its "
            + "own size, some carrying a rhythm nearly alone; loners: the mixed plant whose last two channels each follow a "
            + "rhythm of their own and none of the others' (default: ${DEFAULT-VALUE}).")
    String plant;

    @Option(names = "--channels", defaultValue = "8", description = "Channels per row (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--train-rows", defaultValue = "20000", description = "Normal training rows (default: ${DEFAULT-VALUE}).")
    int trainRows;

    @Option(names = "--normal", defaultValue = "5000", description = "Normal test rows (default: ${DEFAULT-VALUE}).")
    int normalRows;

    @Option(names = "--per-kind", defaultValue = "1000", description = "Faulty test rows per fault kind (default: ${DEFAULT-VALUE}).")
    int perKind;

    @Option(names = "--seed", defaultValue = "7", description = "Simulator seed: the plant (default: ${DEFAULT-VALUE}, as generate).")
    long seed;

    @Option(names = "--work", defaultValue = "target/bench/rows", description = "Where the model is written (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--report", description = "Markdown report whose current rows figures are replaced (history appended beside it).")
    Path report;

    /** Channels of the loners plant that follow a rhythm of their own. */
    static final int LONERS = 2;
    /** Training sources, as {@code frameguard generate} writes them. */
    static final int SOURCES = 8;
    /** Most steps between a fault's start and the row scored (a frozen channel drifts from its value over time). */
    static final int MAX_FAULT_AGE = 200;
    static final int BATCH = 256;

    /** One fault kind's figures. */
    record Row(String kind, double auroc, double flagged, double named, double namedByOwnError) {}

    @Override
    public Integer call() throws Exception {
        Plant rowsOf = plant(plant, channels, seed);
        Random random = new Random(seed + 1);
        float[] train = rowsOf.normal(trainRows, random);
        Path dir = work.resolve("rows-" + plant + "-" + channels + "-" + seed + "-" + System.currentTimeMillis());
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("rows").version("rows-bench").build(),
                TrainingProgress.NONE).train(new FrameFile(channels, trainRows, train, FrameFile.defaultNames(channels)), dir,
                "bench/rows");
        float[] normal = rowsOf.normal(normalRows, random);
        double threshold = model.card().threshold().value();
        List<Row> rows = new ArrayList<>();
        double falseAlarms;
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            double[] normalScores = runner.scores(normal, normalRows);
            falseAlarms = flagged(normalScores, threshold);
            for (String kind : rowsOf.faults()) {
                float[] faulty = new float[perKind * channels];
                int[] faultyChannel = new int[perKind];
                for (int i = 0; i < perKind; i++) {
                    faultyChannel[i] = random.nextInt(channels);
                    System.arraycopy(rowsOf.faulty(kind, faultyChannel[i], random), 0, faulty, i * channels, channels);
                }
                double[] scores = new double[perKind];
                boolean[] named = new boolean[perKind];
                boolean[] namedByOwnError = new boolean[perKind];
                for (int from = 0; from < perKind; from += BATCH) {
                    int n = Math.min(BATCH, perKind - from);
                    ModelOutputs outputs = s.run(new FrameBatch(faulty, from * channels, n, channels));
                    List<ScoredFrame> asEvents = s.explain(outputs, n);
                    List<ScoredFrame> byOwnError = runner.explain(outputs.errors(), n);
                    for (int i = 0; i < n; i++) {
                        scores[from + i] = asEvents.get(i).score();
                        named[from + i] = asEvents.get(i).topChannels().get(0).index() == faultyChannel[from + i];
                        namedByOwnError[from + i] = byOwnError.get(i).topChannels().get(0).index() == faultyChannel[from + i];
                    }
                }
                rows.add(row(kind, normalScores, threshold, scores, named, namedByOwnError, i -> true));
                int firstLoner = rowsOf.firstLoner();
                if (firstLoner < channels) { // the faults of the channels that follow none of the others, apart
                    rows.add(row(kind + ", loners", normalScores, threshold, scores, named, namedByOwnError,
                            i -> faultyChannel[i] >= firstLoner));
                }
            }
        }
        String table = table(rows, falseAlarms);
        System.out.print(table);
        if (report != null) {
            int[] layers = model.card().architecture().layers();
            BenchReport.publish(report, "rows-" + plant, "Sensor rows (" + plant + " plant): detection and the faulty channel named",
                    String.format(Locale.ROOT,
                    "%s (seed %d), %d channels; %d normal training rows, `train`'s defaults (%s %s, attribution %s); test: "
                            + "%d normal rows and %d per fault kind (one random channel, the row 1-%d steps after the fault "
                            + "began; a spike at once)", rowsOf.describe(), seed, channels, trainRows,
                    model.card().architecture().kind(), java.util.Arrays.toString(layers), model.card().scoring().attribution(),
                    normalRows, perKind, MAX_FAULT_AGE), table);
        }
        return 0;
    }

    /** One kind's figures over the faulty rows {@code counted} picks (by their index). */
    private static Row row(String kind, double[] normalScores, double threshold, double[] scores, boolean[] named,
            boolean[] namedByOwnError, java.util.function.IntPredicate counted) {
        int[] picked = java.util.stream.IntStream.range(0, scores.length).filter(counted).toArray();
        double[] own = new double[picked.length];
        int flagged = 0;
        int right = 0;
        int rightByOwnError = 0;
        for (int j = 0; j < picked.length; j++) {
            int i = picked[j];
            own[j] = scores[i];
            if (scores[i] > threshold) {
                flagged++;
                right += named[i] ? 1 : 0;
                rightByOwnError += namedByOwnError[i] ? 1 : 0;
            }
        }
        return new Row(kind, auroc(normalScores, own), flagged / (double) picked.length,
                flagged == 0 ? Double.NaN : right / (double) flagged, flagged == 0 ? Double.NaN : rightByOwnError / (double) flagged);
    }

    /** The plant {@code --plant} names: {@code generate}, {@code mixed} or {@code loners}. */
    static Plant plant(String name, int channels, long seed) {
        return switch (name) {
            case "generate" -> new GeneratedPlant(new SensorSimulator(channels, seed));
            case "mixed" -> new MixedPlant(channels, seed);
            case "loners" -> new MixedPlant(channels, seed, LONERS);
            default -> throw new IllegalArgumentException("--plant " + name + ": generate, mixed or loners");
        };
    }

    /** Where the rows come from. */
    interface Plant {
        /** {@code n} normal rows, back to back. */
        float[] normal(int n, Random random);

        /** The fault kinds, as the table names them. */
        List<String> faults();

        /** One row with {@code kind} on {@code channel}. */
        float[] faulty(String kind, int channel, Random random);

        /** The fault kinds that can last ({@link #run}), as the table names them. */
        List<String> lastingFaults();

        /**
         * {@code n} consecutive rows of one source, back to back: normal ({@code kind} null), or with {@code kind} on
         * {@code channel} from the first row on, lasting.
         */
        float[] run(String kind, int channel, int n, Random random);

        String describe();

        /** The first of the channels that follow none of the others (the last ones); {@link Integer#MAX_VALUE} when none do. */
        default int firstLoner() {
            return Integer.MAX_VALUE;
        }
    }

    /** The simulator of {@code frameguard generate}: its rows from {@value #SOURCES} sources, its five fault kinds. */
    record GeneratedPlant(SensorSimulator sim) implements Plant {
        @Override
        public float[] normal(int n, Random random) {
            float[] out = new float[n * sim.dim()];
            for (int i = 0; i < n; i++) {
                System.arraycopy(sim.frame("s-" + random.nextInt(1_000_000) % SOURCES + "-" + random.nextInt(2),
                        random.nextInt(1_000_000)), 0, out, i * sim.dim(), sim.dim());
            }
            return out;
        }

        @Override
        public List<String> faults() {
            return java.util.Arrays.stream(SensorSimulator.Fault.values())
                    .map(f -> f.name().toLowerCase(Locale.ROOT).replace('_', ' ')).toList();
        }

        @Override
        public float[] faulty(String kind, int channel, Random random) {
            SensorSimulator.Fault fault = SensorSimulator.Fault.valueOf(kind.toUpperCase(Locale.ROOT).replace(' ', '_'));
            int start = random.nextInt(1_000_000);
            int age = fault == SensorSimulator.Fault.SPIKE ? 0 : 1 + random.nextInt(MAX_FAULT_AGE);
            return sim.faulty("s-" + random.nextInt(SOURCES) + "-" + random.nextInt(2), start + age, fault, channel, start);
        }

        @Override
        public List<String> lastingFaults() {
            return List.of("frozen", "frequency", "decorrelated");
        }

        @Override
        public float[] run(String kind, int channel, int n, Random random) {
            String source = "s-" + random.nextInt(SOURCES) + "-" + random.nextInt(2);
            int start = random.nextInt(1_000_000);
            float[] out = new float[n * sim.dim()];
            for (int t = 0; t < n; t++) {
                float[] row = kind == null ? sim.frame(source, start + t) : sim.faulty(source, start + t,
                        SensorSimulator.Fault.valueOf(kind.toUpperCase(Locale.ROOT).replace(' ', '_')), channel, start);
                System.arraycopy(row, 0, out, t * sim.dim(), sim.dim());
            }
            return out;
        }

        @Override
        public String describe() {
            return "`frameguard generate`'s simulator, rows of " + SOURCES * 2 + " sources";
        }
    }

    /**
     * Channels that mix three slowly wandering rhythms (AR(1) processes of unit variance) with random weights, each with
     * noise of its own size (a fifth to five times the median), so some channels carry little of the rhythms a fault
     * would disturb and some carry one nearly alone: where a channel's own error names the wrong channel. Faults: a
     * spike and a level shift (8 and 4 standard deviations), stuck at the value it had when the fault began, a drift
     * growing to 2 standard deviations over {@value #MAX_FAULT_AGE} steps, out of step (the channel follows another run
     * of the rhythms), five times noisier.
     */
    static final class MixedPlant implements Plant {
        /** How slowly each shared rhythm wanders (AR(1) coefficients). */
        private static final double[] SHARED = {0.98, 0.9, 0.995};
        /** How slowly a loner's own rhythm wanders. */
        private static final double LONER = 0.95;
        private final double[] rhythms;
        private final double[][] mix;
        private final double[] noise;
        private final double[] spread;
        private final int loners;

        MixedPlant(int channels, long seed) {
            this(channels, seed, 0);
        }

        /**
         * @param loners how many of the last channels each follow a rhythm of their own instead of the shared ones (an
         *     ambient sensor, a counter of another line): the bottleneck has room for them, and a model copies them
         */
        MixedPlant(int channels, long seed, int loners) {
            Random r = new Random(seed);
            this.loners = loners;
            rhythms = java.util.Arrays.copyOf(SHARED, SHARED.length + loners);
            java.util.Arrays.fill(rhythms, SHARED.length, rhythms.length, LONER);
            mix = new double[channels][rhythms.length];
            noise = new double[channels];
            spread = new double[channels];
            for (int c = 0; c < channels; c++) {
                for (int j = 0; j < SHARED.length; j++) {
                    mix[c][j] = r.nextGaussian();
                }
                int own = c - (channels - loners);
                if (own >= 0) { // a loner: its own rhythm alone
                    java.util.Arrays.fill(mix[c], 0, SHARED.length, 0);
                    mix[c][SHARED.length + own] = 1 + Math.abs(r.nextGaussian());
                }
                noise[c] = 0.05 * Math.exp(0.8 * r.nextGaussian());
                double v = noise[c] * noise[c];
                for (double m : mix[c]) {
                    v += m * m;
                }
                spread[c] = Math.sqrt(v);
            }
        }

        /** A run of {@code n} steps of the rhythms from their stationary distribution. */
        private double[][] rhythms(int n, Random random) {
            double[][] z = new double[n][rhythms.length];
            for (int j = 0; j < rhythms.length; j++) {
                z[0][j] = random.nextGaussian();
            }
            for (int t = 1; t < n; t++) {
                for (int j = 0; j < rhythms.length; j++) {
                    z[t][j] = rhythms[j] * z[t - 1][j] + Math.sqrt(1 - rhythms[j] * rhythms[j]) * random.nextGaussian();
                }
            }
            return z;
        }

        private double value(int c, double[] z, Random random) {
            double v = noise[c] * random.nextGaussian();
            for (int j = 0; j < z.length; j++) {
                v += mix[c][j] * z[j];
            }
            return v;
        }

        @Override
        public float[] normal(int n, Random random) {
            int channels = mix.length;
            double[][] z = rhythms(n, random);
            float[] out = new float[n * channels];
            for (int t = 0; t < n; t++) {
                for (int c = 0; c < channels; c++) {
                    out[t * channels + c] = (float) value(c, z[t], random);
                }
            }
            return out;
        }

        @Override
        public List<String> faults() {
            return List.of("spike", "level shift", "stuck", "drift", "out of step", "noisier");
        }

        @Override
        public float[] faulty(String kind, int channel, Random random) {
            int channels = mix.length;
            int age = kind.equals("spike") ? 0 : 1 + random.nextInt(MAX_FAULT_AGE);
            double[][] z = rhythms(age + 1, random);
            float[] row = new float[channels];
            for (int c = 0; c < channels; c++) {
                row[c] = (float) value(c, z[age], random);
            }
            double v = row[channel];
            switch (kind) {
                case "spike" -> v += 8 * spread[channel];
                case "level shift" -> v += 4 * spread[channel];
                case "stuck" -> v = value(channel, z[0], random);
                case "drift" -> v += 2 * spread[channel] * age / MAX_FAULT_AGE;
                case "out of step" -> v = value(channel, rhythms(1, random)[0], random);
                case "noisier" -> v += 5 * noise[channel] * random.nextGaussian();
                default -> throw new IllegalArgumentException(kind);
            }
            row[channel] = (float) v;
            return row;
        }

        @Override
        public List<String> lastingFaults() {
            return List.of("stuck", "out of step", "noisier");
        }

        @Override
        public float[] run(String kind, int channel, int n, Random random) {
            int channels = mix.length;
            double[][] z = rhythms(n, random);
            // out of step: the channel follows a run of the rhythms of its own
            double[][] own = "out of step".equals(kind) ? rhythms(n, random) : null;
            double stuckAt = value(channel, z[0], random);
            float[] out = new float[n * channels];
            for (int t = 0; t < n; t++) {
                for (int c = 0; c < channels; c++) {
                    double v = c == channel && own != null ? value(c, own[t], random) : value(c, z[t], random);
                    if (c == channel && kind != null) {
                        switch (kind) {
                            case "stuck" -> v = stuckAt;
                            case "out of step" -> { }
                            case "noisier" -> v += 5 * noise[channel] * random.nextGaussian();
                            default -> throw new IllegalArgumentException(kind + " does not last");
                        }
                    }
                    out[t * channels + c] = (float) v;
                }
            }
            return out;
        }

        @Override
        public String describe() {
            return "a plant of channels mixing three wandering rhythms, noise of each channel's own size"
                    + (loners > 0 ? ", its last " + loners + " channels each on a rhythm of their own" : "");
        }

        @Override
        public int firstLoner() {
            return loners > 0 ? mix.length - loners : Integer.MAX_VALUE;
        }
    }

    /** The share of {@code scores} above {@code threshold}. */
    static double flagged(double[] scores, double threshold) {
        int n = 0;
        for (double s : scores) {
            n += s > threshold ? 1 : 0;
        }
        return n / (double) scores.length;
    }

    private static double auroc(double[] normal, double[] faulty) {
        double[] all = new double[normal.length + faulty.length];
        boolean[] anomalous = new boolean[all.length];
        System.arraycopy(normal, 0, all, 0, normal.length);
        System.arraycopy(faulty, 0, all, normal.length, faulty.length);
        java.util.Arrays.fill(anomalous, normal.length, all.length, true);
        return Auroc.of(all, anomalous);
    }

    private static String table(List<Row> rows, double falseAlarms) {
        StringBuilder s = new StringBuilder("| fault | AUROC | flagged at the card's threshold | faulty channel named first | "
                + "named first, ranked by own error |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "| %s | %.4f | %.3f | %.3f | %.3f |%n", r.kind(), r.auroc(), r.flagged(), r.named(),
                    r.namedByOwnError()));
        }
        s.append(String.format(Locale.ROOT, "%nFalse alarms at the card's threshold on the normal rows: %.4f.%n", falseAlarms));
        return s.toString();
    }
}
