package io.frameguard.bench;

import static io.frameguard.bench.FrameLoad.FLOAT32;
import static io.frameguard.bench.FrameLoad.JSON;
import static io.frameguard.bench.FrameLoad.SOURCES;
import static io.frameguard.bench.FrameLoad.produceBacklog;
import static io.frameguard.bench.FrameLoad.producer;
import static io.frameguard.bench.FrameLoad.readCommitted;
import static io.frameguard.bench.FrameLoad.sendAtRate;
import static io.frameguard.bench.ProcessStats.busiest;
import static io.frameguard.bench.ProcessStats.cpuSeconds;
import static io.frameguard.bench.ProcessStats.rssMiB;
import static io.frameguard.bench.ProcessStats.threadCpu;

import io.frameguard.bench.E2eReport.RateResult;
import io.frameguard.bench.E2eReport.Result;
import io.frameguard.bench.E2eReport.ScalingResult;
import io.frameguard.bench.E2eReport.Shape;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Serde;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    /** Frames per predictor call in the batched modes: where the model's throughput levels off (bench/limit). */
    private static final int MODEL_BATCH = 256;
    /** Longest a run may take before it is reported as failed. */
    private static final Duration RUN_LIMIT = Duration.ofMinutes(10);

    /** The backlog modes, in the order they run. */
    enum Mode {
        FLOAT32("float32", "float32, batched", FrameLoad.FLOAT32, false),
        JSON("json", "JSON, batched", FrameLoad.JSON, false),
        PER_RECORD("per-record", "float32, one predict per frame", FrameLoad.FLOAT32, true);

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
            throw new IllegalArgumentException("--modes: unknown mode '" + option + "' (float32, json, per-record)");
        }
    }

    @Option(names = "--frames", defaultValue = "300000",
            description = "Measured frames per backlog mode, after --service-warmup-frames (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--per-record-frames", defaultValue = "20000",
            description = "Frames for the per-record baseline, which is slow (default: ${DEFAULT-VALUE}).")
    int perRecordFrames;

    @Option(names = "--modes", split = ",", defaultValue = "float32,json,per-record",
            description = "Backlog modes to run: float32, json, per-record; 'none' for none (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(names = "--rates", split = ",",
            description = "Offered rates (float32 frames/s) to measure latency at, e.g. 2000,5000 (default: none).")
    List<Integer> rates = new ArrayList<>();

    @Option(names = "--rate-seconds", defaultValue = "20", description = "Measured seconds per offered rate (default: ${DEFAULT-VALUE}).")
    int rateSeconds;

    @Option(names = "--warmup-seconds", defaultValue = "15",
            description = "Unmeasured seconds before each offered rate's measured period (default: ${DEFAULT-VALUE}).")
    int warmupSeconds;

    @Option(names = "--service-warmup-frames", defaultValue = "400000",
            description = "Frames each freshly started service scores before anything is measured, so that its JIT has compiled "
                    + "the hot paths: backlog modes take them from the same backlog (the per-record mode at most its own frame count), "
                    + "offered rates score them as a backlog before the rate starts (default: ${DEFAULT-VALUE}).")
    int serviceWarmupFrames;

    @Option(names = "--broker-warmup-frames", defaultValue = "100000",
            description = "Float32 frames scored once, unmeasured, before the measured runs, so the broker's JIT has compiled "
                    + "its produce, fetch and transaction paths as a long-running broker's has; 0 for none (default: ${DEFAULT-VALUE}).")
    int brokerWarmupFrames;

    @Option(names = "--max-batch", defaultValue = "256",
            description = "frameguard.scorer.max-batch: frames per poll and per predictor call (default: ${DEFAULT-VALUE}).")
    int maxBatch;

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

    @Option(names = "--service-setting", description = "Extra service setting KEY=VALUE (repeatable), e.g. kafka-streams.commit.interval.ms=20.")
    Map<String, String> serviceSettings = new HashMap<>();

    @Option(names = "--report", description = "Markdown file to append the results to.")
    Path report;

    @Option(names = "--plot", description = "PNG of latency percentiles against offered rate (default: next to the report, bench-e2e-latency.png).")
    Path plot;

    @Option(names = "--work", defaultValue = "work/bench-e2e", description = "Broker data, model, logs (default: ${DEFAULT-VALUE}).")
    Path work;

    private long brokerPid = -1;
    private E2eRuns runs;

    @Override
    public Integer call() throws Exception {
        List<Mode> backlog = modes.equals(List.of("none")) ? List.of() : modes.stream().map(Mode::of).toList();
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        Files.createDirectories(work);
        Shape shape = new Shape(workers, partitions, dim);
        runs = new E2eRuns(work, maxBatch, commitInterval, serviceSettings);
        SensorSimulator sim = new SensorSimulator(dim, 7);
        List<Result> results = new ArrayList<>();
        List<RateResult> rateResults = new ArrayList<>();
        List<ScalingResult> scalingResults = new ArrayList<>();
        try (LocalKafka kafka = LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"))) {
            brokerPid = kafka.pid();
            if (brokerWarmupFrames > 0) {
                System.out.printf("warming the broker up with %,d frames (not measured) ...%n", brokerWarmupFrames);
                backlog(kafka.bootstrapServers(), app, Mode.FLOAT32, brokerWarmupFrames, 0, shape);
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
                    scalingResults.add(new ScalingResult(s, backlog(kafka.bootstrapServers(), app, Mode.FLOAT32, scalingFrames, s)));
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
                        "; float32 frames from %d sources; %d s warm-up then %d s measured per rate; latency from the frame's "
                        + "timestamp to a read_committed consumer receiving its score or anomaly event", SOURCES, warmupSeconds,
                        rateSeconds), table);
            }
            StringBuilder line = new StringBuilder("RESULT e2e-rates");
            for (RateResult r : rateResults) {
                line.append(String.format(Locale.ROOT, " rate_%d_score_p99_ms=%d rate_%d_event_p99_ms=%d", r.offered(),
                        r.scoreLatency().getValueAtPercentile(99), r.offered(), r.eventLatency().getValueAtPercentile(99)));
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
        StringBuilder t = new StringBuilder("| workers | partitions | floats per frame | frames | frames/s | first frames/s (cold) "
                + "| MB/s of frames | peak RSS (MiB) | service CPU (cores) | broker CPU (cores) |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        StringBuilder line = new StringBuilder("RESULT e2e-scaling");
        for (ScalingResult sr : results) {
            Shape s = sr.shape();
            Result r = sr.result();
            t.append(String.format(Locale.ROOT, "| %d | %d | %,d | %,d | %,.0f | %,.0f | %.1f | %,d | %.2f | %.2f |%n", s.workers(),
                    s.partitions(), s.dim(), r.frames(), r.framesPerSecond(), r.coldFramesPerSecond(),
                    r.framesPerSecond() * s.dim() * 4 / 1e6, r.peakRssMiB(), r.cpuCores(), r.brokerCpuCores()));
            line.append(String.format(Locale.ROOT, " w%d_p%d_d%d_frames_per_s=%.0f", s.workers(), s.partitions(), s.dim(),
                    r.framesPerSecond()));
        }
        Path dir = plot != null ? plot.toAbsolutePath().getParent() : report != null ? report.toAbsolutePath().getParent() : null;
        if (dir != null) {
            List<BenchPlot.Series> byPartitions = new ArrayList<>();
            for (int w : scalingWorkers) {
                List<double[]> points = results.stream().filter(sr -> sr.shape().workers() == w && sr.shape().dim() == dim)
                        .map(sr -> new double[] {sr.shape().partitions(), sr.result().framesPerSecond()}).toList();
                byPartitions.add(new BenchPlot.Series(w + " worker(s)", points));
            }
            Path partitionsPng = dir.resolve("bench-e2e-partitions.png");
            BenchPlot.lines(partitionsPng, "float32 frames/s after the service's warm-up, " + dim + " floats per frame", "partitions of the frames topic",
                    "frames/s", byPartitions, false);
            List<double[]> bySize = results.stream().filter(sr -> sr.shape().workers() == workers && sr.shape().partitions() == partitions)
                    .sorted((a, b) -> Integer.compare(a.shape().dim(), b.shape().dim()))
                    .map(sr -> new double[] {sr.shape().dim(), sr.result().framesPerSecond()}).toList();
            Path sizePng = dir.resolve("bench-e2e-frame-size.png");
            BenchPlot.lines(sizePng, "float32 frames/s after the service's warm-up, " + workers + " worker(s), " + partitions + " partitions",
                    "floats per frame", "frames/s", List.of(new BenchPlot.Series("frames/s", bySize)), true);
            t.append("\n![throughput against partitions](").append(partitionsPng.getFileName()).append(")\n")
                    .append("\n![throughput against frame size](").append(sizePng.getFileName()).append(")\n");
        }
        System.out.print(t);
        if (report != null) {
            BenchReport.publish(report, "e2e-scaling", "End to end, scaling", String.format(Locale.ROOT, "broker (Apache Kafka, KRaft) and service on "
                    + "this machine; float32 frames, a backlog of %,d per run; dense N-128-32-128-N for N floats per frame; ", scalingFrames)
                    + pipelineSettings(), t.toString());
        }
        System.out.println(line);
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
                + "before the measured ones, offered rates a backlog of as many before the rate starts (its JIT's warm-up)%s", maxBatch, MODEL_BATCH, commitInterval, serviceWarmupFrames,
                serviceSettings.isEmpty() ? "" : "; service settings " + serviceSettings);
    }

    private Result backlog(String bootstrap, Path app, Mode mode, int n, Shape shape) throws Exception {
        return backlog(bootstrap, app, mode, n, mode.perRecord ? Math.min(serviceWarmupFrames, n) : serviceWarmupFrames, shape);
    }

    private Result backlog(String bootstrap, Path app, Mode mode, int n, int warm, Shape shape) throws Exception {
        return runs.inRun(bootstrap, mode.perRecord ? 1 : Math.min(maxBatch, MODEL_BATCH), shape,
                run -> measureBacklog(bootstrap, app, mode, n, warm, shape, run));
    }

    private Result measureBacklog(String bootstrap, Path app, Mode mode, int n, int warm, Shape shape, E2eRuns.Run run) throws Exception {
        SensorSimulator sim = new SensorSimulator(shape.dim(), 7);
        int total = warm + n;
        System.out.printf("%s: producing %,d frames (%,d to warm the service up, %,d measured) ...%n", mode.label, total, warm, n);
        produceBacklog(bootstrap, run.frames(), sim, mode.contentType, total);
        System.out.printf("%s: starting the service ...%n", mode.label);
        long peakRss = 0;
        try (LocalService service = LocalService.start(app, run.settings(), LocalKafka.freePort(),
                work.resolve("service" + run.suffix() + ".log"))) {
            try (KafkaConsumer<byte[], byte[]> scores = readCommitted(bootstrap, List.of(run.scores()))) {
                long[] receivedAt = new long[total];
                int seen = 0;
                // CPU over the measured frames only: start-up (model load, Streams restore) and warm-up are not in it
                double cpuAtStart = 0;
                double brokerCpuAtStart = 0;
                Map<String, Double> threadsAtStart = Map.of();
                double transactionsAtStart = 0;
                int tenth = Math.max(1, total / 10);
                long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
                while (seen < total && System.nanoTime() < deadline) {
                    var polled = scores.poll(Duration.ofMillis(200));
                    long now = System.currentTimeMillis();
                    int before = seen;
                    for (int i = 0; i < polled.count() && seen < total; i++) {
                        receivedAt[seen++] = now;
                    }
                    if (before <= warm && seen > warm) {
                        cpuAtStart = cpuSeconds(service.pid());
                        brokerCpuAtStart = cpuSeconds(brokerPid);
                        threadsAtStart = threadCpu(service.pid());
                        transactionsAtStart = scorerTransactionSeconds(service);
                    }
                    if (before / tenth != seen / tenth && before >= tenth) {
                        int from = (before / tenth - 1) * tenth;
                        System.out.printf(Locale.ROOT, "  %,d frames scored, last %,d at %,.0f frames/s%n", seen, tenth,
                                tenth / (Math.max(1, receivedAt[from + tenth - 1] - receivedAt[from]) / 1000.0));
                    }
                    peakRss = Math.max(peakRss, rssMiB(service.pid()));
                    service.requireAlive();
                }
                if (seen < total) {
                    throw new IOException(mode.label + ": only " + seen + " of " + total + " frames scored in " + RUN_LIMIT);
                }
                double cpu = cpuSeconds(service.pid()) - cpuAtStart;
                double brokerCpu = cpuSeconds(brokerPid) - brokerCpuAtStart;
                double seconds = Math.max(1, receivedAt[total - 1] - receivedAt[warm]) / 1000.0;
                String threads = busiest(threadCpu(service.pid()), threadsAtStart, 6) + String.format(Locale.ROOT,
                        "; scorer waiting for its transactions' round trips (sending offsets, committing): %.1f s of the %.1f s",
                        scorerTransactionSeconds(service) - transactionsAtStart, seconds);
                double cold = warm == 0 ? Double.NaN : warm / (Math.max(1, receivedAt[warm - 1] - receivedAt[0]) / 1000.0);
                Result r = new Result(mode.label, n, warm, seconds, n / seconds, cold, peakRss, cpu / seconds,
                        brokerCpu / seconds, threads);
                System.out.printf(Locale.ROOT, "%s: %,.0f frames/s%s; service threads over the measured frames (CPU s): %s%n", mode.label,
                        r.framesPerSecond(), warm == 0 ? "" : String.format(Locale.ROOT, " after warm-up (first %,d frames: %,.0f/s)", warm,
                                r.coldFramesPerSecond()), threads);
                return r;
            }
        }
    }

    private RateResult offered(String bootstrap, Path app, SensorSimulator sim, int rate, Shape shape) throws Exception {
        return runs.inRun(bootstrap, Math.min(maxBatch, MODEL_BATCH), shape, run -> measureOffered(bootstrap, app, sim, rate, shape, run));
    }

    private RateResult measureOffered(String bootstrap, Path app, SensorSimulator sim, int rate, Shape shape, E2eRuns.Run run) throws Exception {
        // the service's JIT warm-up: a backlog scored before the offered rate starts (older timestamps, not measured)
        int backlog = serviceWarmupFrames;
        System.out.printf("offered %,d frames/s: producing %,d frames to warm the service up ...%n", rate, backlog);
        produceBacklog(bootstrap, run.frames(), new SensorSimulator(shape.dim(), 11), FLOAT32, backlog);
        System.out.printf("offered %,d frames/s: starting the service ...%n", rate);
        try (LocalService service = LocalService.start(app, run.settings(), LocalKafka.freePort(),
                work.resolve("service" + run.suffix() + ".log"))) {
            service.awaitReady();
            Histogram scoreLatency = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            Histogram eventLatency = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            // the score latency in two parts: until the scorer computed it (its scoredTs: waiting, polling, decoding,
            // inference), and from then until a read_committed reader has it (produce, commit, fetch)
            Histogram toScored = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            Histogram scoredToRead = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            Serde<ScoreRecord> scoreSerde = Topics.SCORE_SERDE;
            AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
            AtomicLong measureUntil = new AtomicLong(Long.MAX_VALUE);
            AtomicLong scoredInWindow = new AtomicLong();
            AtomicLong eventsInWindow = new AtomicLong();
            AtomicLong totalScored = new AtomicLong();
            AtomicBoolean reading = new AtomicBoolean(true);
            long[] peakRss = {0};
            Thread reader = new Thread(() -> {
                try (KafkaConsumer<byte[], byte[]> c = readCommitted(bootstrap, List.of(run.scores(), run.anomalies()))) {
                    while (reading.get()) {
                        var polled = c.poll(Duration.ofMillis(100));
                        long now = System.currentTimeMillis();
                        for (ConsumerRecord<byte[], byte[]> r : polled) {
                            boolean score = r.topic().equals(run.scores());
                            if (score) {
                                totalScored.incrementAndGet();
                            }
                            // the record timestamp is the frame's (the scorer and the detector keep it)
                            if (r.timestamp() < measureFrom.get() || r.timestamp() >= measureUntil.get()) {
                                continue;
                            }
                            long latency = Math.max(0, now - r.timestamp());
                            if (score) {
                                scoreLatency.recordValue(latency);
                                long scoredTs = scoreSerde.deserializer().deserialize(r.topic(), r.value()).scoredTimestamp();
                                toScored.recordValue(Math.max(0, scoredTs - r.timestamp()));
                                scoredToRead.recordValue(Math.max(0, now - scoredTs));
                                scoredInWindow.incrementAndGet();
                            } else {
                                eventLatency.recordValue(latency);
                                eventsInWindow.incrementAndGet();
                            }
                        }
                        peakRss[0] = Math.max(peakRss[0], rssMiB(service.pid()));
                    }
                }
            }, "bench-reader");
            reader.start();
            awaitScored(service, totalScored, backlog);
            double cpuAtStart = cpuSeconds(service.pid());
            double brokerCpuAtStart = cpuSeconds(brokerPid);
            long sent;
            double sentRate;
            try (KafkaProducer<String, byte[]> producer = producer(bootstrap, 1)) {
                sendAtRate(producer, run.frames(), sim, rate, warmupSeconds, 0);
                measureFrom.set(System.currentTimeMillis());
                long t0 = System.nanoTime();
                sent = sendAtRate(producer, run.frames(), sim, rate, rateSeconds, (long) rate * warmupSeconds);
                sentRate = sent / ((System.nanoTime() - t0) / 1e9);
                measureUntil.set(System.currentTimeMillis() + 1);
                producer.flush();
            }
            long total = backlog + (long) rate * warmupSeconds + sent;
            awaitScored(service, totalScored, total);
            Thread.sleep(500); // the detector commits every commit.interval.ms: let the last events through
            double cpu = cpuSeconds(service.pid()) - cpuAtStart;
            double brokerCpu = cpuSeconds(brokerPid) - brokerCpuAtStart;
            reading.set(false);
            reader.join();
            double span = warmupSeconds + rateSeconds;
            RateResult r = new RateResult(rate, sentRate, scoredInWindow.get(), scoreLatency, toScored, scoredToRead, eventsInWindow.get(),
                    eventLatency, peakRss[0], cpu / span, brokerCpu / span);
            System.out.printf(Locale.ROOT, "offered %,d frames/s: sent %,.0f/s, scored %,d in the window, score p50/p99/p99.9 %d/%d/%d ms "
                    + "(p50 %d ms until scored, %d ms from scored to the reader), %,d events p99 %d ms%n", rate, sentRate, r.scored(),
                    scoreLatency.getValueAtPercentile(50), scoreLatency.getValueAtPercentile(99), scoreLatency.getValueAtPercentile(99.9),
                    toScored.getValueAtPercentile(50), scoredToRead.getValueAtPercentile(50), r.events(),
                    eventLatency.getValueAtPercentile(99));
            if (totalScored.get() < total) {
                throw new IOException("offered " + rate + " frames/s: only " + totalScored.get() + " of " + total + " frames scored");
            }
            return r;
        }
    }

    /** Waits until the reader has counted {@code target} scores, the service dies, or {@link #RUN_LIMIT} passes. */
    private static void awaitScored(LocalService service, AtomicLong scored, long target) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
        while (scored.get() < target && System.nanoTime() < deadline) {
            service.requireAlive();
            Thread.sleep(100);
        }
    }

    /**
     * Seconds the scorer's producers have spent in their transactions' round trips to the broker (sending the
     * offsets, committing), from the Kafka client metrics on the service's /q/metrics; NaN if it cannot be read.
     */
    private static double scorerTransactionSeconds(LocalService service) throws InterruptedException {
        try {
            String scorer = "client_id=\"frameguard-scorer-";
            return (service.metricSum("kafka_producer_txn_send_offsets_time_ns_total", scorer)
                    + service.metricSum("kafka_producer_txn_commit_time_ns_total", scorer)) / 1e9;
        } catch (IOException e) {
            return Double.NaN;
        }
    }

}
