package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.Recollection;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.memory.MemoryIndex;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The anomaly memory, measured in two parts.
 *
 * <p><b>Retrieval quality</b> (Fashion-MNIST, one-class models): for each class, a model trained on that class's
 * training images scores the test images; the test images of the other classes that it flags (score above the card's
 * threshold) are the past anomalies. For each of them, the precision at 5 is the share of its 5 nearest other flagged
 * images (cosine, brute force) that show the same class. Compared: the model's signature, its two parts alone (where
 * the error is; the latent code), and the raw pixels (the baseline to beat).
 *
 * <p><b>The index</b> ({@link MemoryIndex}, what every replica holds): entries of signature length from clustered
 * random vectors, inserted and then queried for their 5 nearest: insertion rate, query latency (p50, p99), heap per
 * entry, and recall at 5 against brute force.
 */
@Command(name = "memory", mixinStandardHelpOptions = true,
        description = "Anomaly memory: retrieval precision at 5 on Fashion-MNIST (signature vs raw pixels) and index speed and size.")
public final class MemoryBenchmark implements Callable<Integer> {

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist", description = "Fashion-MNIST IDX files (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--classes", split = ",", description = "One-class models to train (default: all ten).")
    List<Integer> classes;

    @Option(names = "--epochs", defaultValue = "10", description = "Training epochs per class (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--architecture", defaultValue = TrainingOptions.CONV, description = "dense or conv (default: ${DEFAULT-VALUE}).")
    String architecture;

    @Option(names = "--per-class", defaultValue = "300", description = "Test images of each other class scored per model (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--index-sizes", split = ",", defaultValue = "10000,100000", description = "Index sizes to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> indexSizes;

    @Option(names = "--parts", split = ",", defaultValue = "sensor,defects,images,index,cost",
            description = "What to measure: sensor (fault kinds in sensor windows), defects (defect kinds on a simulated camera "
                    + "line), images (Fashion-MNIST), index (speed, size, "
                    + "rebuild from memory records), cost (the signature's share of scoring) (default: ${DEFAULT-VALUE}).")
    Set<String> parts;

    @Option(names = "--per-kind", defaultValue = "200", description = "Faulty sensor windows per fault kind, and pictures per "
            + "camera line defect kind (default: ${DEFAULT-VALUE}).")
    int perKind;

    @Option(names = "--sensor-epochs", defaultValue = "20", description = "Training epochs of the sensor window model (default: ${DEFAULT-VALUE}).")
    int sensorEpochs;

    @Option(names = "--sensor-architecture", defaultValue = TrainingOptions.AUTO,
            description = "Architecture of the sensor window model, as train's --architecture (default: ${DEFAULT-VALUE}).")
    String sensorArchitecture;

    @Option(names = "--work", defaultValue = "target/bench/memory", description = "Where models are written (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--report", description = "Markdown report whose current memory figures are replaced (history appended beside it).")
    Path report;

    private static final int K = 5;
    private static final int QUERIES = 1000;
    /** A 28x28 image model's signature: a 7x7 error grid, a 32-value latent code, a 7x7 thumbnail and the error's shape. */
    private static final int IMAGE_SIGNATURE_LENGTH = 49 + 32 + 49 + 17;

    /**
     * Precision at 5 of the same class (or kind) by the signature, each of its parts and the raw pixels; and recognition
     * by the signature at the memory's default similarity ({@link #recognition}).
     */
    record Retrieval(int label, int anomalies, double signature, double where, double latent, double thumbnail, double shape,
            double pixels, double recognisedRight, double recognisedWrong, double newKindNamed, List<double[]> trade) {}

    /**
     * The similarities at which recognition is measured besides the default ({@link #RECOGNISE_SIMILARITY}): what an
     * operator trades by setting {@code frameguard.memory.recognise-similarity} (kinds named rightly against a kind never
     * confirmed named as another).
     */
    static final double[] TRADE_SIMILARITIES = {0.85, 0.90, 0.95};

    /** Recognition at each of {@link #TRADE_SIMILARITIES}: {@code [similarity, right, wrong, new kind named]} each. */
    static <L> List<double[]> trade(List<float[]> vectors, List<L> kindOf) {
        List<double[]> out = new ArrayList<>();
        for (double similarity : TRADE_SIMILARITIES) {
            double[] r = recognition(vectors, kindOf, similarity);
            out.add(new double[] {similarity, r[0], r[1], r[2]});
        }
        return out;
    }

    /** A trade as one line: {@code 0.85: 0.812/0.004/0.301, ...} (rightly/wrongly/new kind named). */
    static String tradeLine(List<double[]> trade) {
        return trade.stream().map(t -> String.format(Locale.ROOT, "%.2f: %.3f/%.3f/%.3f", t[0], t[1], t[2], t[3]))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Precision at 5 of the same fault kind, overall and per kind, with the flagged windows per kind. */
    record SensorRetrieval(int channels, int steps, int flagged, double signature, double errorMap, double raw,
            java.util.Map<String, Double> signatureByKind, java.util.Map<String, Integer> flaggedByKind) {}

    record IndexFigures(int entries, int length, double insertsPerSecond, double p50Micros, double p99Micros, double bytesPerEntry,
            double recall) {}

    /**
     * Rebuilding a replica's memory from memory records: records per second deserialised and remembered from memory,
     * and read from a topic of a real local broker, deserialised and remembered (what a starting replica does); their size.
     */
    record Rebuild(String kind, int records, double recordsPerSecond, double topicRecordsPerSecond, int recordBytes) {}

    /**
     * The signature's cost for a window model, predictor frames/s at batch 256 (interleaved rounds, median): the scoring
     * pass of the model with a signature ({@code serving_default}, error maps only), of the same model trained without
     * one, and its {@code describe} function (error maps and signatures), which the scorer runs on candidate anomalies
     * alone; and a score record's size, plain and a candidate's (with signature and picture).
     */
    record Cost(double scoring, double without, double describe, int scoreBytes, int candidateBytes) {

        /**
         * Predictor time that describing adds to scoring when this share of the frames are candidates (the scoring pass
         * itself runs the same graph with or without a signature).
         */
        double overhead(double candidates) {
            return candidates * scoring / describe;
        }
    }

    /** Rounds of the cost measure, each function once per round in a rotating order. */
    static final int COST_ROUNDS = 9;

    /** Share of normal frames that are candidate anomalies by default (frameguard.scorer.candidate-rank 0.98). */
    static final double CANDIDATE_SHARE = 0.02;

    @Override
    public Integer call() throws Exception {
        SensorRetrieval sensor = parts.contains("sensor") ? sensorRetrieval() : null;
        if (sensor != null) {
            System.out.printf(Locale.ROOT, "sensor windows %dx%d: %d flagged; precision at 5 of the fault kind: signature %.3f, "
                    + "error map %.3f, raw window %.3f; by kind %s (flagged %s)%n", sensor.channels(), sensor.steps(),
                    sensor.flagged(), sensor.signature(), sensor.errorMap(), sensor.raw(), sensor.signatureByKind(),
                    sensor.flaggedByKind());
        }
        DefectRetrieval defects = parts.contains("defects") ? defectRetrieval() : null;
        if (defects != null) {
            Retrieval r = defects.retrieval();
            System.out.printf(Locale.ROOT, "camera line %dx%d: %d flagged %s; precision at 5 of the defect kind: signature %.3f "
                    + "(where %.3f, latent %.3f, thumbnail %.3f, error shape %.3f), raw pixels %.3f; by kind %s; recognised at %.2f: "
                    + "rightly %.3f, "
                    + "wrongly %.3f, a kind never seen named %.3f; by recognise-similarity (rightly/wrongly/new kind named) %s%n",
                    CameraLine.SIDE, CameraLine.SIDE, defects.flagged(),
                    defects.flaggedByKind(), r.signature(), r.where(), r.latent(), r.thumbnail(), r.shape(), r.pixels(),
                    defects.signatureByKind(), RECOGNISE_SIMILARITY, r.recognisedRight(), r.recognisedWrong(), r.newKindNamed(),
                    tradeLine(r.trade()));
        }
        List<Retrieval> retrieval = new ArrayList<>();
        FrameFile test = parts.contains("images") ? ImageFiles.readIdx(data.resolve("t10k-images-idx3-ubyte.gz"), null) : null;
        int[] labels = test == null ? null
                : ImageFiles.readIdxLabels(ImageFiles.labelsFileFor(data.resolve("t10k-images-idx3-ubyte.gz")));
        for (int label : test == null ? List.<Integer>of() : classes != null ? classes : List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)) {
            Retrieval r = retrieval(label, test, labels);
            retrieval.add(r);
            System.out.printf(Locale.ROOT, "class %d: %d flagged anomalies, precision at 5: signature %.3f (where %.3f, latent %.3f, "
                    + "thumbnail %.3f, error shape %.3f), raw pixels %.3f; recognised at %.2f: rightly %.3f, wrongly %.3f, a class "
                    + "never seen named %.3f; by recognise-similarity %s%n", label, r.anomalies(), r.signature(), r.where(), r.latent(),
                    r.thumbnail(), r.shape(), r.pixels(),
                    RECOGNISE_SIMILARITY, r.recognisedRight(), r.recognisedWrong(), r.newKindNamed(), tradeLine(r.trade()));
        }
        List<IndexFigures> index = new ArrayList<>();
        for (int n : parts.contains("index") ? indexSizes : List.<Integer>of()) {
            IndexFigures f = index(n, IMAGE_SIGNATURE_LENGTH);
            index.add(f);
            System.out.printf(Locale.ROOT, "index of %,d x %d: %,.0f inserts/s, query p50 %.0f us p99 %.0f us, %.0f bytes/entry, recall at 5 %.3f%n",
                    f.entries(), f.length(), f.insertsPerSecond(), f.p50Micros(), f.p99Micros(), f.bytesPerEntry(), f.recall());
        }
        List<Rebuild> rebuilds = new ArrayList<>();
        if (parts.contains("index")) {
            try (io.frameguard.local.LocalKafka kafka = io.frameguard.local.LocalKafka.startWithClasspath(
                    System.getProperty("java.class.path"), work.resolve("kafka"))) {
                for (int n : indexSizes) {
                    if (n <= MAX_REBUILD) {
                        for (Rebuild r : List.of(rebuild(kafka, n, true), rebuild(kafka, n, false))) {
                            rebuilds.add(r);
                            System.out.printf(Locale.ROOT, "rebuild from %,d %s memory records of %,d bytes: %,.0f records/s "
                                    + "(%,.0f/s from a topic)%n", r.records(), r.kind(), r.recordBytes(), r.recordsPerSecond(),
                                    r.topicRecordsPerSecond());
                        }
                    }
                }
            }
        }
        Cost cost = parts.contains("cost") ? cost() : null;
        if (cost != null) {
            System.out.printf(Locale.ROOT, "signature cost (16x64 window model, batch 256): scoring %,.0f frames/s, without a "
                    + "signature %,.0f, describe %,.0f: describing 2%% candidates adds %.1f%% predictor time; score record %,d bytes, "
                    + "a candidate's %,d%n", cost.scoring(), cost.without(), cost.describe(), 100 * cost.overhead(CANDIDATE_SHARE),
                    cost.scoreBytes(), cost.candidateBytes());
        }
        double sig = retrieval.stream().mapToDouble(Retrieval::signature).average().orElse(Double.NaN);
        double pix = retrieval.stream().mapToDouble(Retrieval::pixels).average().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "RESULT memory precision_at_5_signature=%.3f precision_at_5_pixels=%.3f%n", sig, pix);
        if (report != null) {
            BenchReport.publish(report, "memory", "Anomaly memory: retrieval and index", String.format(Locale.ROOT,
                    "%s one-class models, %d epochs, %d test images of each other class scored per model; index queries k=%d, %d queries",
                    architecture, epochs, perClass, K, QUERIES), table(sensor, defects, retrieval, index, rebuilds, cost, sig, pix));
        }
        return 0;
    }

    private Retrieval retrieval(int label, FrameFile test, int[] labels) throws Exception {
        FrameFile train = ImageFiles.readIdx(data.resolve("train-images-idx3-ubyte.gz"), Set.of(label));
        Path dir = work.resolve("class-" + label);
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("memory-" + label).version("memory-" + label)
                .epochs(epochs).architecture(architecture).validationFraction(0.2).build(), TrainingProgress.NONE)
                .train(train, dir, "Fashion-MNIST class " + label);
        int dim = test.dim();
        int[] taken = new int[10];
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < test.rows(); i++) {
            if (labels[i] != label && taken[labels[i]]++ < perClass) {
                rows.add(i);
            }
        }
        float[] values = new float[rows.size() * dim];
        for (int r = 0; r < rows.size(); r++) {
            System.arraycopy(test.values(), rows.get(r) * dim, values, r * dim, dim);
        }
        Flagged<Integer> flagged = flagged(model, values, dim, rows.stream().map(r -> labels[r]).toList());
        return partsRetrieval(label, flagged.signatures(), flagged.pixels(), flagged.kinds(), imageParts(model));
    }

    /** The frames a model flags: their signatures, their values and their kinds, in the order given. */
    record Flagged<L>(List<float[]> signatures, List<float[]> pixels, List<L> kinds) {}

    /** Scores {@code values} (rows of {@code dim}, each of the kind {@code kindOf} says) and keeps what the model flags. */
    private static <L> Flagged<L> flagged(ModelArtifact model, float[] values, int dim, List<L> kindOf) throws Exception {
        Flagged<L> out = new Flagged<>(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        double threshold = model.card().threshold().value();
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            for (int from = 0; from < kindOf.size(); from += 256) {
                int n = Math.min(256, kindOf.size() - from);
                List<ScoredFrame> scored = s.scoreWithSignatures(new FrameBatch(values, from * dim, n, dim));
                for (int i = 0; i < n; i++) {
                    if (scored.get(i).score() > threshold) {
                        out.signatures().add(scored.get(i).signature());
                        out.pixels().add(Arrays.copyOfRange(values, (from + i) * dim, (from + i + 1) * dim));
                        out.kinds().add(kindOf.get(from + i));
                    }
                }
            }
        }
        return out;
    }

    /** Normal pictures of the camera line a model is trained on. */
    static final int CAMERA_TRAIN = 3000;

    /** Precision at 5 of the same defect kind on a simulated camera line, as for Fashion-MNIST, and by kind. */
    record DefectRetrieval(int flagged, Map<String, Integer> flaggedByKind, Retrieval retrieval,
            Map<String, Double> signatureByKind) {}

    private DefectRetrieval defectRetrieval() throws Exception {
        CameraLine line = new CameraLine(11);
        Path dir = work.resolve("camera-line");
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("memory-camera").version("memory-camera")
                .epochs(epochs).architecture(architecture).validationFraction(0.2).build(), TrainingProgress.NONE)
                .train(line.normal(CAMERA_TRAIN), dir, "a simulated camera line");
        int dim = CameraLine.SIDE * CameraLine.SIDE;
        List<String> kindOf = new ArrayList<>();
        float[] values = new float[CameraLine.KINDS.size() * perKind * dim];
        for (int i = 0; i < CameraLine.KINDS.size() * perKind; i++) {
            String kind = CameraLine.KINDS.get(i % CameraLine.KINDS.size());
            kindOf.add(kind);
            System.arraycopy(line.picture(kind), 0, values, i * dim, dim);
        }
        Flagged<String> flagged = flagged(model, values, dim, kindOf);
        List<float[]> signatures = flagged.signatures();
        List<String> flaggedKinds = flagged.kinds();
        Retrieval r = partsRetrieval(-1, signatures, flagged.pixels(), flaggedKinds, imageParts(model));
        Map<String, Integer> flaggedByKind = new java.util.TreeMap<>();
        flaggedKinds.forEach(k -> flaggedByKind.merge(k, 1, Integer::sum));
        return new DefectRetrieval(signatures.size(), flaggedByKind, r, byKind(precisions(signatures, flaggedKinds), flaggedKinds));
    }

    /** The memory's default similarity at which a confirmed past anomaly recognises a new one (recognise-similarity). */
    static final double RECOGNISE_SIMILARITY = 0.9;

    /**
     * Recognition as the memory does it ({@link Recollection.Recognition#of}), every other vector a confirmed past anomaly
     * labelled with its kind: {@code [right, wrong, new kind named]}, the shares of vectors named rightly and wrongly by
     * their {@value #K} nearest others, and the share named at all (so wrongly) by their {@value #K} nearest of other
     * kinds: as if no vector of its own kind were known, a kind seen for the first time.
     */
    static <L> double[] recognition(List<float[]> vectors, List<L> kindOf, double similarity) {
        int n = vectors.size();
        float[][] unit = new float[n][];
        for (int i = 0; i < n; i++) {
            unit[i] = normalised(vectors.get(i));
        }
        int right = 0;
        int wrong = 0;
        int named = 0;
        for (int q = 0; q < n; q++) {
            int query = q;
            List<Recollection.SimilarAnomaly> all = new ArrayList<>();
            List<Recollection.SimilarAnomaly> others = new ArrayList<>();
            java.util.stream.IntStream.range(0, n).filter(i -> i != query).boxed()
                    .sorted(java.util.Comparator.comparingDouble(i -> -dot(unit[query], unit[i]))).forEach(i -> {
                        var past = new Recollection.SimilarAnomaly(String.valueOf(i), dot(unit[query], unit[i]), "s", 0, 1,
                                io.frameguard.events.Verdict.CONFIRMED, String.valueOf(kindOf.get(i)));
                        if (all.size() < K) {
                            all.add(past);
                        }
                        if (others.size() < K && !kindOf.get(i).equals(kindOf.get(query))) {
                            others.add(past);
                        }
                    });
            Recollection.Recognition r = Recollection.Recognition.of(all, similarity);
            if (r != null) {
                if (r.label().equals(String.valueOf(kindOf.get(q)))) {
                    right++;
                } else {
                    wrong++;
                }
            }
            named += Recollection.Recognition.of(others, similarity) != null ? 1 : 0;
        }
        return new double[] {(double) right / n, (double) wrong / n, (double) named / n};
    }

    private static double mean(List<Retrieval> retrieval, java.util.function.ToDoubleFunction<Retrieval> figure) {
        return retrieval.stream().mapToDouble(figure).average().orElse(Double.NaN);
    }

    /** Each kind's mean of per-vector figures. */
    private static Map<String, Double> byKind(double[] figures, List<String> kinds) {
        Map<String, double[]> sums = new java.util.TreeMap<>();
        for (int i = 0; i < figures.length; i++) {
            double[] s = sums.computeIfAbsent(kinds.get(i), k -> new double[2]);
            s[0] += figures[i];
            s[1]++;
        }
        Map<String, Double> out = new java.util.TreeMap<>();
        sums.forEach((k, s) -> out.put(k, s[0] / s[1]));
        return out;
    }

    /** Precision of the whole signature, of each part alone and of the raw pixels. */
    private static <L> Retrieval partsRetrieval(int label, List<float[]> signatures, List<float[]> pixels, List<L> classOf,
            int[] parts) {
        double[] recognised = recognition(signatures, classOf, RECOGNISE_SIMILARITY);
        int where = parts[0];
        int latent = parts[1];
        int thumbnail = parts[2];
        int shape = parts[3];
        List<float[]> wherePart = signatures.stream().map(v -> Arrays.copyOfRange(v, 0, where)).toList();
        List<float[]> latentPart = signatures.stream().map(v -> Arrays.copyOfRange(v, where, where + latent)).toList();
        List<float[]> thumbnailPart = signatures.stream().map(v -> Arrays.copyOfRange(v, where + latent, where + latent + thumbnail))
                .toList();
        List<float[]> shapePart = shape == 0 ? null
                : signatures.stream().map(v -> Arrays.copyOfRange(v, v.length - shape, v.length)).toList();
        return new Retrieval(label, signatures.size(), precision(signatures, classOf), precision(wherePart, classOf),
                precision(latentPart, classOf), precision(thumbnailPart, classOf),
                shapePart == null ? Double.NaN : precision(shapePart, classOf),
                precision(pixels, classOf),
                recognised[0], recognised[1], recognised[2], trade(signatures, classOf));
    }

    /** Sensor windows of this many channels and steps: the layout of the held-out sets the issue names. */
    static final int SENSOR_CHANNELS = 16;
    static final int SENSOR_STEPS = 64;

    /**
     * Faults of every kind the simulator injects, on one to three random channels of windows of a simulated machine,
     * from a random step: a window model trained on normal windows scores them; those it flags are the past anomalies,
     * and each one's 5 nearest others should be of its kind.
     */
    private SensorRetrieval sensorRetrieval() throws Exception {
        SensorSimulator sim = SensorSimulator.machine(SENSOR_CHANNELS, 7);
        int dim = SENSOR_CHANNELS * SENSOR_STEPS;
        Random random = new Random(11);
        int trainWindows = 4000;
        float[] normal = new float[trainWindows * dim];
        for (int i = 0; i < trainWindows; i++) {
            System.arraycopy(sim.window("machine-" + i % 8, random.nextInt(1_000_000), SENSOR_STEPS), 0, normal, i * dim, dim);
        }
        Path dir = work.resolve("sensor-windows");
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("windows").version("windows")
                .epochs(sensorEpochs).channels(SENSOR_CHANNELS).architecture(sensorArchitecture).build(), TrainingProgress.NONE)
                .train(new FrameFile(dim, trainWindows, normal, null), dir, "simulated machine windows");
        SensorSimulator.Fault[] kinds = SensorSimulator.Fault.values();
        float[] faulty = new float[kinds.length * perKind * dim];
        List<String> kindOf = new ArrayList<>();
        for (SensorSimulator.Fault kind : kinds) {
            for (int i = 0; i < perKind; i++) {
                float[] w = sim.randomFaultyWindow("machine-" + i % 8, SENSOR_STEPS, kind, random).values();
                System.arraycopy(w, 0, faulty, kindOf.size() * dim, dim);
                kindOf.add(kind.name());
            }
        }
        List<float[]> signatures = new ArrayList<>();
        List<float[]> maps = new ArrayList<>();
        List<float[]> raw = new ArrayList<>();
        List<String> flaggedKinds = new ArrayList<>();
        double threshold = model.card().threshold().value();
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            for (int from = 0; from < kindOf.size(); from += 256) {
                int n = Math.min(256, kindOf.size() - from);
                io.frameguard.inference.ModelOutputs out = s.describe(new FrameBatch(faulty, from * dim, n, dim));
                List<ScoredFrame> scored = s.explain(out, n);
                for (int i = 0; i < n; i++) {
                    if (scored.get(i).score() > threshold) {
                        signatures.add(scored.get(i).signature());
                        maps.add(Arrays.copyOfRange(out.errors(), i * dim, (i + 1) * dim));
                        raw.add(Arrays.copyOfRange(faulty, (from + i) * dim, (from + i + 1) * dim));
                        flaggedKinds.add(kindOf.get(from + i));
                    }
                }
            }
        }
        java.util.Map<String, Double> byKind = new java.util.TreeMap<>();
        java.util.Map<String, Integer> flaggedByKind = new java.util.TreeMap<>();
        double[] perItem = precisions(signatures, flaggedKinds);
        for (SensorSimulator.Fault kind : kinds) {
            double sum = 0;
            int n = 0;
            for (int i = 0; i < perItem.length; i++) {
                if (flaggedKinds.get(i).equals(kind.name())) {
                    sum += perItem[i];
                    n++;
                }
            }
            byKind.put(kind.name().toLowerCase(Locale.ROOT), n == 0 ? Double.NaN : Math.round(1000 * sum / n) / 1000.0);
            flaggedByKind.put(kind.name().toLowerCase(Locale.ROOT), n);
        }
        return new SensorRetrieval(SENSOR_CHANNELS, SENSOR_STEPS, signatures.size(), precision(signatures, flaggedKinds),
                precision(maps, flaggedKinds), precision(raw, flaggedKinds), byKind, flaggedByKind);
    }

    /**
     * The lengths of an image signature's parts (error grid, latent code, thumbnail, error shape: 0 for models trained
     * before it), from the card's kind: {@code error-grid-7x7+latent-32+thumbnail-7x7+error-shape-17+centred}.
     */
    private static int[] imageParts(ModelArtifact model) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "error-grid-(\\d+)x(\\d+)\\+latent-(\\d+)\\+thumbnail-(\\d+)x(\\d+)(?:x(\\d+))?(?:\\+error-shape-(\\d+))?(?:\\+centred)?")
                .matcher(model.card().signature().kind());
        if (!m.matches()) {
            throw new IllegalStateException("not an image signature: " + model.card().signature().kind());
        }
        int cells = Integer.parseInt(m.group(1)) * Integer.parseInt(m.group(2));
        int channels = m.group(6) == null ? 1 : Integer.parseInt(m.group(6));
        return new int[] {cells, Integer.parseInt(m.group(3)), cells * channels, m.group(7) == null ? 0 : Integer.parseInt(m.group(7))};
    }

    /** Mean share of each vector's K nearest others (cosine, brute force) with its class. */
    static <L> double precision(List<float[]> vectors, List<L> classOf) {
        return Arrays.stream(precisions(vectors, classOf)).average().orElse(Double.NaN);
    }

    /** Each vector's share of its K nearest others (cosine, brute force) with its class. */
    static <L> double[] precisions(List<float[]> vectors, List<L> classOf) {
        int n = vectors.size();
        float[][] unit = new float[n][];
        for (int i = 0; i < n; i++) {
            unit[i] = normalised(vectors.get(i));
        }
        double[] out = new double[n];
        double[] sims = new double[n];
        for (int q = 0; q < n; q++) {
            for (int i = 0; i < n; i++) {
                sims[i] = i == q ? Double.NEGATIVE_INFINITY : dot(unit[q], unit[i]);
            }
            int hits = 0;
            for (int k = 0; k < Math.min(K, n - 1); k++) {
                int best = 0;
                for (int i = 1; i < n; i++) {
                    if (sims[i] > sims[best]) {
                        best = i;
                    }
                }
                hits += classOf.get(best).equals(classOf.get(q)) ? 1 : 0;
                sims[best] = Double.NEGATIVE_INFINITY;
            }
            out[q] = (double) hits / Math.min(K, n - 1);
        }
        return out;
    }

    /** Largest memory rebuilt from serialised records (they are all held in memory first). */
    static final int MAX_REBUILD = 100_000;

    /**
     * A replica's work to rebuild its memory: {@code n} memory records, serialised as on the topic (incidents of 10
     * sources, an image model's entry of a 28x28 picture and 81-value signature, or a 16x64 window model's), read back
     * and remembered one by one, as {@code MemoryFollower} does after the fetch.
     */
    private Rebuild rebuild(io.frameguard.local.LocalKafka kafka, int n, boolean image) throws Exception {
        Random random = new Random(n);
        int length = image ? IMAGE_SIGNATURE_LENGTH : SENSOR_STEPS / 2 + 5;
        int cells = image ? 28 * 28 : SENSOR_CHANNELS * SENSOR_STEPS;
        List<byte[]> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            io.frameguard.events.FrameRef f = new io.frameguard.events.FrameRef("frames", i % 4, i);
            byte[] errors = new byte[cells];
            byte[] frame = new byte[cells];
            random.nextBytes(errors);
            random.nextBytes(frame);
            io.frameguard.events.AnomalyEvent e = new io.frameguard.events.AnomalyEvent(io.frameguard.events.AnomalyEvent.SCHEMA_VERSION,
                    f.id(), "source-" + i % 10, f, 1_800_000_000_000L + i, 1_800_000_000_010L + i, 1_800_000_000_020L + i, 1.5,
                    0.2, 0.2, "model-1", "critical", new io.frameguard.events.AnomalyEvent.Window(1, 1, 1),
                    image ? new io.frameguard.events.AnomalyEvent.Explanation("image-region", null,
                            new io.frameguard.events.ImageRegion(3, 4, 5, 6, 5.5, 6.5, 0.3), "/api/anomalies/" + f.id() + "/heatmap.png")
                            : new io.frameguard.events.AnomalyEvent.Explanation("channels",
                                    List.of(new io.frameguard.events.ChannelError(3, "ch3", 4.1, 0.5)), null,
                                    "/api/anomalies/" + f.id() + "/heatmap.png"),
                    new io.frameguard.events.Signature(image ? "error-grid-7x7+latent-32+thumbnail-7x7+error-shape-17+centred"
                            : "window-shape-16x64",
                            gaussian(random, length, 1.0)), List.of(), null, null,
                    new io.frameguard.events.Incident(f.id(), 1, 1_800_000_000_020L + i));
            io.frameguard.events.MemoryEntry entry = new io.frameguard.events.MemoryEntry(io.frameguard.events.MemoryEntry.SCHEMA_VERSION,
                    e.incident(), e.source(), e.detectedTimestamp(), List.of(f.id()), e,
                    new io.frameguard.events.Picture(image ? 28 : cells, image ? 28 : 1, 1, 0.7f, errors, 0f, 1f, frame));
            records.add(io.frameguard.events.Topics.MEMORY_SERDE.serializer().serialize("anomaly-memory", entry));
        }
        var deserializer = io.frameguard.events.Topics.MEMORY_SERDE.deserializer();
        try (io.frameguard.memory.AnomalyMemory memory = new io.frameguard.memory.AnomalyMemory(n)) {
            long t0 = System.nanoTime();
            for (byte[] r : records) {
                memory.remember(deserializer.deserialize("anomaly-memory", r));
            }
            // the first search's refresh is part of it
            memory.get(records.size() > 0 ? "frames/0/0" : "").ifPresent(r -> memory.similar(r, 1));
            double seconds = (System.nanoTime() - t0) / 1e9;
            return new Rebuild(image ? "image (28x28)" : "sensor window (16x64)", n, n / seconds, fromTopic(kafka, records),
                    records.get(0).length);
        }
    }

    /**
     * Records per second a starting replica reads back: the records written to a topic of 4 partitions on a real local
     * broker, then read from the beginning to the end offsets, deserialised and remembered, as {@code MemoryFollower}
     * does (writing them is not timed).
     */
    private static double fromTopic(io.frameguard.local.LocalKafka kafka, List<byte[]> records) throws Exception {
        String topic = "bench-memory-" + records.size() + "-" + System.nanoTime();
        Map<String, Object> common = Map.of("bootstrap.servers", kafka.bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(common)) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(topic, 4, (short) 1))).all().get();
        }
        Map<String, Object> producerConfig = new java.util.HashMap<>(common);
        producerConfig.put("linger.ms", 20);
        producerConfig.put("batch.size", 1 << 20);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(producerConfig,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < records.size(); i++) {
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "frames/" + (i % 4) + "/" + i,
                        records.get(i)));
            }
            producer.flush();
        }
        var deserializer = io.frameguard.events.Topics.MEMORY_SERDE.deserializer();
        Map<String, Object> consumerConfig = new java.util.HashMap<>(common);
        consumerConfig.put("enable.auto.commit", false);
        try (io.frameguard.memory.AnomalyMemory memory = new io.frameguard.memory.AnomalyMemory(records.size());
                var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(consumerConfig,
                        new org.apache.kafka.common.serialization.StringDeserializer(),
                        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            long t0 = System.nanoTime();
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions);
            int read = 0;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp))) {
                for (var r : consumer.poll(java.time.Duration.ofMillis(500))) {
                    memory.remember(deserializer.deserialize(topic, r.value()));
                    read++;
                }
            }
            memory.get("frames/0/0").ifPresent(r -> memory.similar(r, 1));
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (read != records.size()) {
                throw new IllegalStateException("read " + read + " of " + records.size() + " records back");
            }
            return read / seconds;
        }
    }

    /** Predictor throughput of the same window model with and without its signature output. */
    private Cost cost() throws Exception {
        SensorSimulator sim = SensorSimulator.machine(SENSOR_CHANNELS, 7);
        int dim = SENSOR_CHANNELS * SENSOR_STEPS;
        int rows = 2000;
        float[] normal = new float[rows * dim];
        Random random = new Random(5);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(sim.window("machine-" + i % 8, random.nextInt(1_000_000), SENSOR_STEPS), 0, normal, i * dim, dim);
        }
        FrameFile data = new FrameFile(dim, rows, normal, null);
        ModelArtifact with = new AutoencoderTrainer(TrainingOptions.builder().name("cost").version("with").epochs(2)
                .channels(SENSOR_CHANNELS).build(), TrainingProgress.NONE).train(data, freshDir("cost-with"), "cost");
        ModelArtifact without = new AutoencoderTrainer(TrainingOptions.builder().name("cost").version("without").epochs(2)
                .channels(SENSOR_CHANNELS).signature(false).build(), TrainingProgress.NONE).train(data, freshDir("cost-without"), "cost");
        int batch = 256;
        double[][] rates = new double[3][COST_ROUNDS];
        try (ModelRunner a = ModelRunner.load(with); ModelRunner b = ModelRunner.load(without);
                ModelRunner.Session sa = a.newSession(); ModelRunner.Session sb = b.newSession()) {
            List<ModelFunction> functions = List.of(sa::run, sb::run, sa::describe);
            for (int round = 0; round < COST_ROUNDS; round++) {
                for (int j = 0; j < 3; j++) {
                    int f = (round + j) % 3; // each function in each position as often: no order effect
                    rates[f][round] = framesPerSecond(functions.get(f), normal, batch, dim);
                }
            }
        }
        for (double[] r : rates) {
            Arrays.sort(r);
        }
        io.frameguard.events.ScoreRecord plain = new io.frameguard.events.ScoreRecord(io.frameguard.events.ScoreRecord.SCHEMA_VERSION,
                "machine-3", new io.frameguard.events.FrameRef("frames", 2, 123456), 1_800_000_000_000L, 1_800_000_000_010L,
                0.0123, 0.02, "window-20261202T000000Z", 0.42, List.of(new io.frameguard.events.ChannelError(3, "ch3", 0.04, 0.3),
                        new io.frameguard.events.ChannelError(7, "ch7", 0.02, 0.1), new io.frameguard.events.ChannelError(1, "ch1", 0.01, 0.05)),
                null, 256, 4100);
        float[] signature;
        io.frameguard.events.Picture picture;
        try (ModelRunner a = ModelRunner.load(with); ModelRunner.Session sa = a.newSession()) {
            io.frameguard.inference.ModelOutputs out = sa.describe(new FrameBatch(normal, 0, 1, dim));
            signature = sa.explain(out, 1).get(0).signature();
            picture = io.frameguard.heatmaps.Pictures.of(null, dim, normal, 0, out.errors(), 0);
        }
        io.frameguard.events.ScoreRecord candidate = new io.frameguard.events.ScoreRecord(plain.schemaVersion(), plain.source(),
                plain.frame(), plain.captureTimestamp(), plain.scoredTimestamp(), plain.score(), plain.modelThreshold(),
                plain.modelVersion(), plain.validationRank(), plain.topChannels(), plain.region(), plain.batchSize(),
                plain.inferenceMicros(), new io.frameguard.events.Signature(with.card().signature().kind(), signature), picture);
        var serializer = io.frameguard.events.Topics.SCORE_SERDE.serializer();
        return new Cost(rates[0][COST_ROUNDS / 2], rates[1][COST_ROUNDS / 2], rates[2][COST_ROUNDS / 2], serializer.serialize("scores", io.frameguard.events.ScoreBatch.of(plain)).length,
                serializer.serialize("scores", io.frameguard.events.ScoreBatch.of(candidate)).length);
    }

    private Path freshDir(String name) throws java.io.IOException {
        Path dir = work.resolve(name);
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        return dir;
    }

    /** One of a session's functions. */
    interface ModelFunction {
        io.frameguard.inference.ModelOutputs apply(FrameBatch batch) throws Exception;
    }

    /** Frames per second of whole-batch calls of {@code f} over {@code frames} for about a second. */
    private static double framesPerSecond(ModelFunction s, float[] frames, int batch, int dim) throws Exception {
        int rows = frames.length / dim;
        long frameCount = 0;
        long t0 = System.nanoTime();
        while (System.nanoTime() - t0 < 1_000_000_000L) {
            for (int from = 0; from + batch <= rows; from += batch) {
                s.apply(new FrameBatch(frames, from * dim, batch, dim));
                frameCount += batch;
            }
        }
        return frameCount / ((System.nanoTime() - t0) / 1e9);
    }

    private IndexFigures index(int n, int length) throws Exception {
        Random random = new Random(n);
        float[][] centres = new float[Math.max(10, n / 100)][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = gaussian(random, length, 1.0);
        }
        float[][] vectors = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] noise = gaussian(random, length, 0.3);
            float[] centre = centres[i % centres.length];
            for (int j = 0; j < length; j++) {
                noise[j] += centre[j];
            }
            vectors[i] = noise;
        }
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long before = rt.totalMemory() - rt.freeMemory();
        try (MemoryIndex index = new MemoryIndex()) {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                index.put(new MemoryIndex.Entry("e" + i, "s" + (i % 100), "bench", vectors[i]));
            }
            index.size(); // the first search's refresh is part of building
            double insertsPerSecond = n / ((System.nanoTime() - t0) / 1e9);
            System.gc();
            long after = rt.totalMemory() - rt.freeMemory();
            long[] micros = new long[QUERIES];
            int hits = 0;
            int checked = 0;
            for (int q = 0; q < QUERIES; q++) {
                float[] query = vectors[random.nextInt(n)].clone();
                query[0] += 0.01f;
                long s = System.nanoTime();
                List<MemoryIndex.Neighbour> found = index.nearest("bench", query, K, Optional.empty(), Set.of());
                micros[q] = (System.nanoTime() - s) / 1000;
                if (q < 100) {
                    List<String> exact = bruteForce(vectors, query);
                    hits += (int) found.stream().filter(f -> exact.contains(f.eventId())).count();
                    checked += K;
                }
            }
            Arrays.sort(micros);
            return new IndexFigures(n, length, insertsPerSecond, micros[QUERIES / 2], micros[QUERIES * 99 / 100],
                    (double) (after - before) / n, (double) hits / checked);
        }
    }

    private static List<String> bruteForce(float[][] vectors, float[] query) {
        float[] q = normalised(query);
        Integer[] order = new Integer[vectors.length];
        double[] sim = new double[vectors.length];
        for (int i = 0; i < vectors.length; i++) {
            order[i] = i;
            sim[i] = dot(q, normalised(vectors[i]));
        }
        Arrays.sort(order, (a, b) -> Double.compare(sim[b], sim[a]));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < K; i++) {
            out.add("e" + order[i]);
        }
        return out;
    }

    private static float[] normalised(float[] v) {
        double norm = Math.sqrt(dot(v, v));
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = (float) (v[i] / (norm == 0 ? 1 : norm));
        }
        return u;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static float[] gaussian(Random r, int length, double sd) {
        float[] v = new float[length];
        for (int i = 0; i < length; i++) {
            v[i] = (float) (r.nextGaussian() * sd);
        }
        return v;
    }

    private static String table(SensorRetrieval sensor, DefectRetrieval defects, List<Retrieval> retrieval, List<IndexFigures> index,
            List<Rebuild> rebuilds, Cost cost, double sig, double pix) {
        StringBuilder s = new StringBuilder();
        if (sensor != null) {
            s.append(String.format(Locale.ROOT, "Sensor windows (%d channels x %d steps, a simulated machine; faults on 1-3 random "
                    + "channels from a random step): precision at 5 of \"same fault kind\" among the windows the model flags%n%n",
                    sensor.channels(), sensor.steps()));
            s.append("| flagged | signature | raw error map | raw window |\n|---:|---:|---:|---:|\n");
            s.append(String.format(Locale.ROOT, "| %,d | **%.3f** | %.3f | %.3f |%n%n", sensor.flagged(), sensor.signature(),
                    sensor.errorMap(), sensor.raw()));
            s.append("| fault kind | flagged | signature |\n|---|---:|---:|\n");
            sensor.signatureByKind().forEach((kind, p) -> s.append(String.format(Locale.ROOT, "| %s | %d | %.3f |%n", kind,
                    sensor.flaggedByKind().get(kind), p)));
            s.append('\n');
        }
        if (defects != null) {
            Retrieval r = defects.retrieval();
            s.append(String.format(Locale.ROOT, "Camera line (%dx%d pictures of one product, a washer a little off centre under "
                    + "drifting light; defects of %d kinds anywhere on the part; a model trained on %,d normal pictures): "
                    + "precision at 5 of the same defect kind among the pictures the model flags, and recognition as the memory "
                    + "does it (the %d nearest others, each as if confirmed with its kind as label, name the kind that all of "
                    + "them at least %.2f alike agree on): rightly, wrongly, and the share of pictures named at all by their "
                    + "nearest of other kinds (a kind seen for the first time)%n%n",
                    CameraLine.SIDE, CameraLine.SIDE, CameraLine.KINDS.size(), CAMERA_TRAIN, K, RECOGNISE_SIMILARITY));
            s.append("| flagged | signature | its error grid alone | its latent code alone | its thumbnail alone | its error shape "
                    + "alone | raw pixels | recognised rightly | wrongly | a new kind named |\n"
                    + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            s.append(String.format(Locale.ROOT, "| %,d | **%.3f** | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | **%.3f** |%n%n",
                    defects.flagged(), r.signature(), r.where(), r.latent(), r.thumbnail(), r.shape(), r.pixels(), r.recognisedRight(),
                    r.recognisedWrong(), r.newKindNamed()));
            s.append("| defect kind | flagged | signature |\n|---|---:|---:|\n");
            defects.signatureByKind().forEach((kind, p) -> s.append(String.format(Locale.ROOT, "| %s | %d | %.3f |%n", kind,
                    defects.flaggedByKind().get(kind), p)));
            s.append('\n');
        }
        if (cost != null) {
            s.append(String.format(Locale.ROOT, "Signature cost (a %dx%d window model, predictor alone, batch 256, median of "
                    + COST_ROUNDS + " rounds, the three in rotating order): the scoring pass of the model with a signature runs "
                    + "at %,.0f frames/s and the same model trained without one at %,.0f (the same graph: the difference is "
                    + "this shared machine's noise); its `describe` function (error maps and signatures) runs at %,.0f. The "
                    + "scorer describes candidate anomalies only, about %.0f%% of normal frames by default, which adds "
                    + "**%.1f%%** predictor time. A score record is %,d bytes; a candidate's, with the signature and the "
                    + "picture, %,d bytes.%n%n", SENSOR_CHANNELS, SENSOR_STEPS, cost.scoring(), cost.without(), cost.describe(),
                    100 * CANDIDATE_SHARE, 100 * cost.overhead(CANDIDATE_SHARE), cost.scoreBytes(), cost.candidateBytes()));
        }
        if (!rebuilds.isEmpty()) {
            s.append("Rebuild (a replica reading its memory at start: records deserialised and remembered, from memory and "
                    + "from a topic of 4 partitions on a local broker)\n\n| records | entry | record bytes | records/s "
                    + "(deserialise + index) | records/s from the topic |\n|---:|---|---:|---:|---:|\n");
            for (Rebuild r : rebuilds) {
                s.append(String.format(Locale.ROOT, "| %,d | %s | %,d | %,.0f | %,.0f |%n", r.records(), r.kind(), r.recordBytes(),
                        r.recordsPerSecond(), r.topicRecordsPerSecond()));
            }
            s.append('\n');
        }
        if (!retrieval.isEmpty()) {
            s.append("Retrieval: precision at 5 of \"same class\" among the other classes' test images each one-class model flags, "
                    + "and recognition as on the camera line\n\n");
            s.append("| normal class | flagged anomalies | signature | its error grid alone | its latent code alone | its thumbnail alone "
                    + "| its error shape alone | raw pixels (baseline) | recognised rightly | wrongly | a new class named |\n");
            s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Retrieval r : retrieval) {
                s.append(String.format(Locale.ROOT, "| %d %s | %,d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f |%n",
                        r.label(), FashionMnistBenchmark.NAMES[r.label()], r.anomalies(), r.signature(), r.where(), r.latent(),
                        r.thumbnail(), r.shape(), r.pixels(), r.recognisedRight(), r.recognisedWrong(), r.newKindNamed()));
            }
            s.append(String.format(Locale.ROOT, "| **mean** | | **%.3f** | %.3f | %.3f | %.3f | %.3f | **%.3f** | %.3f | %.3f | %.3f |%n%n",
                    sig, mean(retrieval, Retrieval::where), mean(retrieval, Retrieval::latent), mean(retrieval, Retrieval::thumbnail),
                    mean(retrieval, Retrieval::shape), pix, mean(retrieval, Retrieval::recognisedRight), mean(retrieval, Retrieval::recognisedWrong),
                    mean(retrieval, Retrieval::newKindNamed)));
        }
        if (defects != null || !retrieval.isEmpty()) {
            s.append("Recognition by `frameguard.memory.recognise-similarity` (the default 0.90): kinds named rightly, wrongly, and "
                    + "a kind never confirmed named as another\n\n| recognise-similarity | camera line: rightly | wrongly | new "
                    + "kind named | Fashion-MNIST (mean): rightly | wrongly | new class named |\n|---:|---:|---:|---:|---:|---:|---:|\n");
            for (int t = 0; t < TRADE_SIMILARITIES.length; t++) {
                int at = t;
                double[] line = defects == null ? null : defects.retrieval().trade().get(t);
                s.append(String.format(Locale.ROOT, "| %.2f | %s | %s | %s | %s | %s | %s |%n", TRADE_SIMILARITIES[t],
                        line == null ? "" : String.format(Locale.ROOT, "%.3f", line[1]),
                        line == null ? "" : String.format(Locale.ROOT, "%.3f", line[2]),
                        line == null ? "" : String.format(Locale.ROOT, "%.3f", line[3]),
                        retrieval.isEmpty() ? "" : String.format(Locale.ROOT, "%.3f", mean(retrieval, r -> r.trade().get(at)[1])),
                        retrieval.isEmpty() ? "" : String.format(Locale.ROOT, "%.3f", mean(retrieval, r -> r.trade().get(at)[2])),
                        retrieval.isEmpty() ? "" : String.format(Locale.ROOT, "%.3f", mean(retrieval, r -> r.trade().get(at)[3]))));
            }
            s.append('\n');
        }
        if (index.isEmpty()) {
            return s.toString();
        }
        s.append("Index (one replica's `MemoryIndex`, Lucene HNSW, cosine; clustered random vectors of the image signature's length)\n\n");
        s.append("| entries | length | inserts/s | query p50 (µs) | query p99 (µs) | heap per entry (bytes) | recall at 5 vs brute force |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|\n");
        for (IndexFigures f : index) {
            s.append(String.format(Locale.ROOT, "| %,d | %d | %,.0f | %.0f | %.0f | %,.0f | %.3f |%n", f.entries(), f.length(),
                    f.insertsPerSecond(), f.p50Micros(), f.p99Micros(), f.bytesPerEntry(), f.recall()));
        }
        return s.toString();
    }
}
