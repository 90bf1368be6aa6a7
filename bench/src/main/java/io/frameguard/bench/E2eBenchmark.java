package io.frameguard.bench;

import static io.frameguard.bench.FrameLoad.FLOAT32;
import static io.frameguard.bench.FrameLoad.JSON;
import static io.frameguard.bench.FrameLoad.SOURCES;

import io.frameguard.bench.E2eReport.RateResult;
import io.frameguard.bench.E2eReport.Result;
import io.frameguard.bench.E2eReport.ScalingResult;
import io.frameguard.bench.E2eReport.Shape;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.RawImageFrameDecoder;
import io.frameguard.inference.InferenceDevice;
import io.frameguard.local.LocalKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * End to end on this machine through a real broker (a local process) and the packaged service (exactly-once on,
 * detector in the same process), each run on its own topics and consumer groups.
 *
 * <p>Backlog mode: N frames already waiting, then the service starts and scores them all. Throughput is frames
 * over the span in which the benchmark's read_committed consumer received their scores (start-up excluded), so
 * it counts what a downstream reader sees, commits included. Run for float32 frames, JSON frames, and float32
 * frames forced to one predictor call per frame (the per-record baseline: polls and transactions still per
 * batch).
 *
 * <p>Offered-rate mode: the service is started and ready, then frames are sent at a fixed rate, a warm-up period
 * first (not measured: the JIT compiles the hot paths), then the measured period. Latency is from the frame's
 * timestamp (set when it is sent) to the moment its score, or the anomaly event it caused, reaches a
 * read_committed consumer: the whole path as an operator sees it.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
        description = "End-to-end throughput and latency through a real broker: backlog (float32, JSON, per-record) and offered rates.")
public final class E2eBenchmark implements Callable<Integer> {

    /**
     * Frames per predictor call in the batched modes unless --predict-batch says: where the model's throughput levels off
     * on CPU cores (bench/limit).
     */
    private static final int MODEL_BATCH = 256;

    /** The backlog modes, in the order they run. */
    enum Mode {
        FLOAT32("float32", "float32, batched", FrameLoad.FLOAT32, false),
        JSON("json", "JSON, batched", FrameLoad.JSON, false),
        PER_RECORD("per-record", "float32, one predict per frame", FrameLoad.FLOAT32, true),
        /** 28x28 gray images (Fashion-MNIST's) and the image model: the camera-line shape beside the sensor one. */
        IMAGE("image", "28x28 gray images, batched", RawImageFrameDecoder.GRAY8, false);

        final String option;
        final String label;
        final String contentType;
        final boolean perRecord;

        Mode(String option, String label, String contentType, boolean perRecord) {
            this.option = option;
            this.label = label;
            this.contentType = contentType;
            this.perRecord = perRecord;
        }

        static Mode of(String option) {
            for (Mode m : values()) {
                if (m.option.equals(option)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("--modes: unknown mode '" + option + "' (float32, json, per-record, image)");
        }
    }

    @Option(names = "--frames", defaultValue = "300000",
            description = "Measured frames per backlog mode, after --service-warmup-frames (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--per-record-frames", defaultValue = "20000",
            description = "Frames for the per-record baseline, which is slow (default: ${DEFAULT-VALUE}).")
    int perRecordFrames;

    @Option(names = "--modes", split = ",", defaultValue = "float32,json,per-record",
            description = "Backlog modes to run: float32, json, per-record, image (28x28 gray frames of --images and the image "
                    + "model; its model-alone baseline is the image model's, and it has no bare consumer); 'none' for none "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(names = "--baselines", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Measure each backlog mode's baselines in the same run (the broker moving the frames alone, the model "
                    + "alone, the bare consumer); --no-baselines for the service alone, e.g. a second shape of the same models "
                    + "(default: ${DEFAULT-VALUE}).")
    boolean baselines;

    @Option(names = "--images", defaultValue = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
            description = "IDX images (labels beside them) of the image mode: the model learns class 0, one frame in 50 is of "
                    + "another class (default: ${DEFAULT-VALUE}, Debian's dataset-fashion-mnist).")
    Path images;

    @Option(names = "--rates", split = ",",
            description = "Offered rates (float32 frames/s) to measure latency at, e.g. 2000,5000 (default: none).")
    List<Integer> rates = new ArrayList<>();

    @Option(names = "--rate-seconds", defaultValue = "30", description = "Measured seconds per offered rate (default: ${DEFAULT-VALUE}).")
    int rateSeconds;

    // The backlog before a rate compiles the backlog's paths; a low rate takes others (a transaction per small batch,
    // polls that wait), which both JVMs' compilers were still working on 15 s into the rate: the table shows the JIT's CPU
    // over the window and the first seconds' latency apart.
    @Option(names = "--warmup-seconds", defaultValue = "60",
            description = "Seconds at the offered rate before its measured period; the latency of their first --rate-seconds "
                    + "(all of them if fewer) is reported apart, as right after start (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    // On two shared cores the service's C2 compiler was still busy 400,000 frames in (a third to half a core over the
    // measured frames, its code partly not yet compiled): the throughput of the measured frames doubled with 900,000.
    @Option(names = "--service-warmup-frames", defaultValue = "900000",
            description = "Frames each freshly started service scores before anything is measured, so that its JIT has compiled "
                    + "the hot paths: backlog modes take them from the same backlog (the per-record mode at most its own frame count), "
                    + "offered rates score them as a backlog before the rate starts (default: ${DEFAULT-VALUE}).")
    int serviceWarmupFrames;

    @Option(names = "--service-warmup-in-mode", defaultValue = "100000",
            description = "Of the warm-up frames of a backlog mode, how many (the last) are in the mode's own encoding; those before "
                    + "are float32 frames, the smallest on disk (900,000 JSON frames would take 9 GB) (default: ${DEFAULT-VALUE}).")
    int serviceWarmupInMode;

    @Option(names = "--broker-warmup-frames", defaultValue = "100000",
            description = "Float32 frames scored once, unmeasured, before the measured runs, so the broker's JIT has compiled "
                    + "its produce, fetch and transaction paths as a long-running broker's has; 0 for none (default: ${DEFAULT-VALUE}).")
    int brokerWarmupFrames;

    @Option(names = "--max-batch", defaultValue = "256",
            description = "frameguard.scorer.max-batch: frames per poll and per predictor call (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--predict-batch", defaultValue = "0",
            description = "frameguard.scorer.predict-batch: at most this many frames per predictor call, in the service and in the "
                    + "model-alone baseline; 0: the smaller of --max-batch and " + MODEL_BATCH + " (default: ${DEFAULT-VALUE}).")
    int predictBatch;

    @Option(names = "--commit-interval", defaultValue = "100ms",
            description = "frameguard.scorer.commit-interval: longest a scorer transaction stays open behind a backlog "
                    + "(while batches come full); 0 commits every batch (default: ${DEFAULT-VALUE}).")
    String commitInterval;

    @Option(names = "--workers", defaultValue = "1", description = "frameguard.scorer.workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the frames topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--dim", defaultValue = "1024", description = "Floats per frame (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--scaling", description = "Also run the scaling grid: float32 backlog with each of --scaling-workers x "
            + "--scaling-partitions at --dim, and each of --scaling-dims at --workers and --partitions.")
    boolean scaling;

    @Option(names = "--scaling-workers", split = ",", defaultValue = "1,2", description = "Worker counts of the scaling grid (default: ${DEFAULT-VALUE}).")
    List<Integer> scalingWorkers;

    @Option(names = "--scaling-partitions", split = ",", defaultValue = "1,2,4",
            description = "Partition counts of the scaling grid (default: ${DEFAULT-VALUE}).")
    List<Integer> scalingPartitions;

    @Option(names = "--scaling-dims", split = ",", defaultValue = "256,1024,4096",
            description = "Frame sizes (floats) of the scaling grid (default: ${DEFAULT-VALUE}).")
    List<Integer> scalingDims;

    @Option(names = "--scaling-frames", defaultValue = "100000", description = "Frames per scaling run (default: ${DEFAULT-VALUE}).")
    int scalingFrames;

    // fewer than the backlog modes' warm-up: the grid compares its shapes with each other, all warmed alike, and its
    // 4,096-float frames would otherwise need 16 GB of disk per run
    @Option(names = "--scaling-warmup-frames", defaultValue = "400000",
            description = "Frames each scaling run's service scores before its measured ones (default: ${DEFAULT-VALUE}).")
    int scalingWarmupFrames;

    @Option(names = "--service-setting", description = "Extra service setting KEY=VALUE (repeatable), e.g. kafka-streams.commit.interval.ms=20.")
    Map<String, String> serviceSettings = new HashMap<>();

    @Option(names = "--report", description = "Markdown report (e.g. docs/BENCHMARKS.md) whose current figures of this benchmark are replaced; "
            + "the run is also appended to benchmarks-history.md beside it.")
    Path report;

    @Option(names = "--plot", description = "PNG of latency percentiles against offered rate (default: next to the report, bench-e2e-latency.png).")
    Path plot;

    @Option(names = "--work", defaultValue = "work/bench-e2e", description = "Broker data, model, logs (default: ${DEFAULT-VALUE}).")
    Path work;

    @Spec
    CommandSpec spec;

    private E2eRuns runs;
    private E2eMeasure measure;
    private ImageLoad imageLoad;

    @Override
    public Integer call() throws Exception {
        requireAtLeast(1, "--frames", frames);
        requireAtLeast(0, "--predict-batch", predictBatch);
        requireAtLeast(0, "--service-warmup-frames", serviceWarmupFrames);
        requireAtLeast(0, "--service-warmup-in-mode", serviceWarmupInMode);
        requireAtLeast(0, "--broker-warmup-frames", brokerWarmupFrames);
        requireAtLeast(0, "--scaling-warmup-frames", scalingWarmupFrames);
        requireAtLeast(1, "--rate-seconds", rateSeconds);
        requireAtLeast(1, "--workers", workers);
        requireAtLeast(1, "--partitions", partitions);
        requireAtLeast(1, "--dim", dim);
        requireAtLeast(1, "--scaling-frames", scalingFrames);
        List<Mode> backlog = modes.equals(List.of("none")) ? List.of() : modes.stream().map(Mode::of).toList();
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        Files.createDirectories(work);
        // before any model is trained here: the model alone and the bare consumer run the model as the service does
        E2eBaselines.pinInferenceThreads(InferenceDevice.AUTO, E2eBaselines.serviceThreads(serviceSettings));
        Shape shape = new Shape(workers, partitions, dim);
        runs = new E2eRuns(work, maxBatch, commitInterval, serviceSettings);
        SensorSimulator sim = new SensorSimulator(dim, FrameLoad.PLANT_SEED);
        imageLoad = backlog.contains(Mode.IMAGE) ? ImageLoad.read(images) : null;
        List<Result> results = new ArrayList<>();
        List<RateResult> rateResults = new ArrayList<>();
        List<ScalingResult> scalingResults = new ArrayList<>();
        try (LocalKafka kafka = LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"))) {
            measure = new E2eMeasure(work, kafka.pid(), serviceWarmupFrames, serviceWarmupInMode, warmupSeconds, rateSeconds);
            if (brokerWarmupFrames > 0) {
                System.out.printf("warming the broker up with %,d frames (not measured: the figures printed until \"broker warm-up "
                        + "done\" are the warm-up's own, over a cold service) ...%n", brokerWarmupFrames);
                backlog(kafka.bootstrapServers(), app, Mode.FLOAT32, brokerWarmupFrames, 0, shape, false);
                System.out.println("broker warm-up done");
            }
            for (Mode m : backlog) {
                results.add(backlog(kafka.bootstrapServers(), app, m, m == Mode.PER_RECORD ? perRecordFrames : frames, shape));
            }
            for (int rate : rates) {
                rateResults.add(offered(kafka.bootstrapServers(), app, sim, rate, shape));
            }
            if (scaling) {
                for (Shape s : scalingGrid()) {
                    System.out.printf("scaling: %d worker(s), %d partition(s), %d floats per frame%n", s.workers(), s.partitions(), s.dim());
                    scalingResults.add(new ScalingResult(s, backlog(kafka.bootstrapServers(), app, Mode.FLOAT32, scalingFrames,
                            scalingWarmupFrames, s, false)));
                }
            }
        }
        String settings = settings(sim);
        if (!results.isEmpty()) {
            String table = E2eReport.backlogTable(results);
            System.out.print(table);
            if (report != null) {
                BenchReport.publish(report, "e2e-backlog", "End to end, backlog mode", settings, table);
            }
            StringBuilder line = new StringBuilder("RESULT e2e");
            for (int i = 0; i < results.size(); i++) {
                String key = backlog.get(i).option.replace('-', '_');
                line.append(String.format(Locale.ROOT, " %s_frames_per_s=%.0f %s_cold_frames_per_s=%.0f", key,
                        results.get(i).framesPerSecond(), key, results.get(i).coldFramesPerSecond()));
            }
            System.out.println(line);
        }
        if (!rateResults.isEmpty()) {
            String table = E2eReport.rateTable(rateResults);
            System.out.print(table);
            Path png = plot != null ? plot : report != null ? report.resolveSibling("bench-e2e-latency.png") : null;
            if (png != null && rateResults.size() > 1) {
                E2eReport.plotLatency(png, rateResults);
                table += "\n![latency against offered rate](" + png.getFileName() + ")\n";
            }
            if (report != null) {
                BenchReport.publish(report, "e2e-rates", "End to end, offered rates", settings + String.format(Locale.ROOT,
                        "; float32 frames from %d sources, one in %d with a spike on one channel; %d s at the rate, then %d s measured "
                        + "per rate (\"right after start\": the first %d s at the rate, right after the service's backlog); latency from the frame's timestamp to a read_committed consumer receiving its score or anomaly event",
                        SOURCES, FrameLoad.FAULT_EVERY, warmupSeconds, rateSeconds, rateResults.get(0).afterStart().seconds()), table);
            }
            StringBuilder line = new StringBuilder("RESULT e2e-rates");
            for (RateResult r : rateResults) {
                line.append(String.format(Locale.ROOT, " rate_%d_score_p99_ms=%d rate_%d_event_p99_ms=%d", r.offered(),
                        r.scoreLatency().getValueAtPercentile(99), r.offered(), r.eventLatency().getValueAtPercentile(99)));
                if (r.afterStart().eventLatency().getTotalCount() > 0) {
                    line.append(String.format(Locale.ROOT, " rate_%d_after_start_event_p99_ms=%d", r.offered(),
                            r.afterStart().eventLatency().getValueAtPercentile(99)));
                }
            }
            System.out.println(line);
        }
        if (!scalingResults.isEmpty()) {
            reportScaling(scalingResults);
        }
        return 0;
    }

    /** Workers x partitions at --dim, then the other frame sizes at --workers and --partitions; no shape twice. */
    private List<Shape> scalingGrid() {
        List<Shape> grid = new ArrayList<>();
        for (int w : scalingWorkers) {
            for (int p : scalingPartitions) {
                grid.add(new Shape(w, p, dim));
            }
        }
        for (int d : scalingDims) {
            Shape s = new Shape(workers, partitions, d);
            if (!grid.contains(s)) {
                grid.add(s);
            }
        }
        return grid;
    }

    private void reportScaling(List<ScalingResult> results) throws IOException {
        Path dir = plot != null ? plot.toAbsolutePath().getParent() : report != null ? report.toAbsolutePath().getParent() : null;
        String table = E2eReport.scalingTable(results, dir, scalingWorkers, new Shape(workers, partitions, dim));
        System.out.print(table);
        if (report != null) {
            BenchReport.publish(report, "e2e-scaling", "End to end, scaling", String.format(Locale.ROOT, "broker (Apache Kafka, KRaft) and service on "
                    + "this machine; float32 frames, a backlog of %,d per run; dense N-128-32-128-N for N floats per frame; ", scalingFrames)
                    + pipelineSettings(), table);
        }
        System.out.println(E2eReport.scalingResultLine(results));
    }

    /** A count given on the command line, refused before anything starts when it is below {@code least}. */
    private void requireAtLeast(int least, String option, int value) {
        requireAtLeast(spec, least, option, value);
    }

    /** A picocli usage error unless the option's {@code value} is at least {@code least}. */
    static void requireAtLeast(CommandSpec spec, int least, String option, int value) {
        if (value < least) {
            throw new ParameterException(spec.commandLine(), option + " must be at least " + least + ", not " + value);
        }
    }

    private String settings(SensorSimulator sim) {
        return String.format(Locale.ROOT, "broker (Apache Kafka, KRaft) and service on this machine; %d partitions; frames of %d "
                + "float32 values (%,d bytes) or JSON (~%,d bytes); dense %d-128-32-128-%d; %d worker(s); ", partitions, dim, dim * 4,
                FrameEncoding.json(sim.frame("x", 1)).length, dim, dim, workers) + pipelineSettings();
    }

    /** The settings every run shares. */
    private String pipelineSettings() {
        return String.format(Locale.ROOT, "exactly-once; max-batch %d (frames per poll), at most %d per predictor "
                + "call, linger 5 ms, scorer transactions of several full batches committed after %s; detector (Kafka Streams) in the same process; backlog modes: the service scores %,d frames of the backlog "
                + "before the measured ones (its JIT's warm-up; in JSON the last %,d of them, float32 before), offered rates a backlog "
                + "of as many float32 frames before the rate starts, scaling runs %,d frames%s", maxBatch, framesPerCall(), commitInterval,
                serviceWarmupFrames, Math.min(serviceWarmupInMode, serviceWarmupFrames), scalingWarmupFrames,
                serviceSettings.isEmpty() ? "" : "; service settings " + serviceSettings);
    }

    /** Frames per predictor call of the batched modes: --predict-batch, or the smaller of --max-batch and {@value #MODEL_BATCH}. */
    private int framesPerCall() {
        return predictBatch > 0 ? Math.min(predictBatch, maxBatch) : Math.min(maxBatch, MODEL_BATCH);
    }

    private RateResult offered(String bootstrap, Path app, SensorSimulator sim, int rate, Shape shape) throws Exception {
        return runs.inRun(bootstrap, framesPerCall(), shape, run -> measure.offered(bootstrap, app, sim, rate, run));
    }

    /** A measured backlog run with its baselines. */
    private Result backlog(String bootstrap, Path app, Mode mode, int n, Shape shape) throws Exception {
        return backlog(bootstrap, app, mode, n, mode.perRecord ? Math.min(serviceWarmupFrames, n) : serviceWarmupFrames, shape, baselines);
    }

    private Result backlog(String bootstrap, Path app, Mode mode, int n, int warm, Shape shape, boolean baselines) throws Exception {
        return runs.inRun(bootstrap, mode.perRecord ? 1 : framesPerCall(), shape, mode == Mode.IMAGE ? imageLoad : null,
                run -> measure.backlog(bootstrap, app, mode, n, warm, shape, run, baselines));
    }
}
