package io.frameguard.bench;

import static io.frameguard.bench.FrameLoad.FLOAT32;
import static io.frameguard.bench.FrameLoad.produceBacklog;
import static io.frameguard.bench.FrameLoad.producer;
import static io.frameguard.bench.FrameLoad.readCommitted;
import static io.frameguard.bench.FrameLoad.sendAtRate;
import static io.frameguard.bench.ProcessStats.busiest;
import static io.frameguard.bench.ProcessStats.cpuSeconds;
import static io.frameguard.bench.ProcessStats.jitSeconds;
import static io.frameguard.bench.ProcessStats.rssMiB;
import static io.frameguard.bench.ProcessStats.threadCpu;

import io.frameguard.bench.E2eReport.Micros;
import io.frameguard.bench.E2eReport.RateResult;
import io.frameguard.bench.E2eReport.Result;
import io.frameguard.bench.E2eReport.Shape;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;

/**
 * The end-to-end benchmark's two measurements of one prepared run ({@link E2eRuns}): a backlog scored by a freshly
 * started service, and frames offered at a fixed rate to a ready one. CPU is read from /proc for the service and the
 * broker over the measured frames only.
 */
final class E2eMeasure {

    /** Longest a run may take before it is reported as failed. */
    static final Duration RUN_LIMIT = Duration.ofMinutes(10);

    private final Path work;
    private final long brokerPid;
    private final int serviceWarmupFrames;
    /** Of a backlog mode's warm-up frames, the last ones in its own encoding; float32 frames before them. */
    private final int serviceWarmupInMode;
    private final int warmupSeconds;
    private final int rateSeconds;
    /**
     * The model alone, per model and batch size: measured once per run, so that the modes with the same model and batch
     * (float32 and JSON) are compared with the same figure.
     */
    private final Map<String, Double> modelAlone = new java.util.HashMap<>();

    E2eMeasure(Path work, long brokerPid, int serviceWarmupFrames, int serviceWarmupInMode, int warmupSeconds, int rateSeconds) {
        this.work = work;
        this.brokerPid = brokerPid;
        this.serviceWarmupFrames = serviceWarmupFrames;
        this.serviceWarmupInMode = serviceWarmupInMode;
        this.warmupSeconds = warmupSeconds;
        this.rateSeconds = rateSeconds;
    }

    /**
     * A backlog of {@code warm + n} frames in {@code mode}, then the service started; throughput over the last {@code n}.
     * With {@code baselines}, the same run also measures the broker moving the frames alone and the model alone (before
     * the service starts) and, in the batched modes, the bare consumer on the same backlog (after the service stopped).
     */
    Result backlog(String bootstrap, Path app, E2eBenchmark.Mode mode, int n, int warm, Shape shape, E2eRuns.Run run, boolean baselines)
            throws Exception {
        SensorSimulator sim = new SensorSimulator(shape.dim(), FrameLoad.PLANT_SEED);
        int total = warm + n;
        // the first warm-up frames in float32 where the mode's own frames are larger: the broker's figures are over the
        // mode's own frames only
        int early = mode.contentType.equals(FLOAT32) || run.images() != null ? 0 : Math.max(0, warm - serviceWarmupInMode);
        int own = total - early;
        System.out.printf("%s: producing %,d frames (%,d to warm the service up%s, %,d measured) ...%n", mode.label, total, warm,
                early == 0 ? "" : String.format(Locale.ROOT, ", the first %,d of them float32", early), n);
        if (early > 0) {
            produceBacklog(bootstrap, run.frames(), sim, FLOAT32, early);
        }
        Map<TopicPartition, Long> ownFrom = E2eBaselines.endOffsets(bootstrap, run.frames());
        double brokerBeforeProduce = cpuSeconds(brokerPid);
        double brokerJitBeforeProduce = jitSeconds(brokerPid);
        if (run.images() != null) {
            run.images().produceBacklog(bootstrap, run.frames(), own);
        } else {
            produceBacklog(bootstrap, run.frames(), sim, mode.contentType, own);
        }
        Micros brokerProduce = new Micros((cpuSeconds(brokerPid) - brokerBeforeProduce) / own * 1e6,
                (jitSeconds(brokerPid) - brokerJitBeforeProduce) / own * 1e6);
        Micros brokerFramesOnly = new Micros(Double.NaN, Double.NaN);
        double modelMicros = Double.NaN;
        if (baselines) {
            // the broker moving the frames alone: the same frames read once more by a plain consumer, nobody scoring
            double brokerBeforeRead = cpuSeconds(brokerPid);
            double brokerJitBeforeRead = jitSeconds(brokerPid);
            E2eBaselines.readAll(bootstrap, ownFrom, own);
            brokerFramesOnly = new Micros(brokerProduce.all() + (cpuSeconds(brokerPid) - brokerBeforeRead) / own * 1e6,
                    brokerProduce.jit() + (jitSeconds(brokerPid) - brokerJitBeforeRead) / own * 1e6);
            modelMicros = modelAlone.computeIfAbsent(run.model().dir() + "@" + run.predictBatch(), k -> {
                try {
                    return E2eBaselines.modelMicrosPerFrame(run.model(), run.images() != null ? run.images().pool() : FrameLoad.pool(sim),
                            run.predictBatch());
                } catch (Exception e) {
                    throw new IllegalStateException("measuring the model alone: " + e.getMessage(), e);
                }
            });
            System.out.printf(Locale.ROOT, "%s: broker CPU per frame to take the frames in and hand them to one reader: %.1f µs; "
                    + "the model's own CPU per frame at batch %d: %.1f µs%n", mode.label, brokerFramesOnly.all(), run.predictBatch(), modelMicros);
        }
        System.out.printf("%s: starting the service ...%n", mode.label);
        long peakRss = 0;
        Result result;
        try (LocalService service = LocalService.start(app, run.settings(), LocalKafka.freePort(),
                work.resolve("service" + run.suffix() + ".log"))) {
            // Scored frames counted by the scorer group's committed offsets on the frames topic (committed with each
            // scoring transaction), not by reading the scores: a reader of every score record would add broker work
            // that frameguard does not need, and the broker's CPU per frame is one of the figures.
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                String group = run.settings().get("frameguard.scorer.group-id");
                long seen = 0;
                long seenAtStart = 0;
                long startedAt = 0;
                long coldFrom = System.currentTimeMillis();
                long warmAt = 0;
                long doneAt = 0;
                // CPU over the measured frames only: start-up (model load, Streams restore) and warm-up are not in it
                double cpuAtStart = 0;
                double brokerCpuAtStart = 0;
                Map<String, Double> threadsAtStart = Map.of();
                Map<String, Double> brokerThreadsAtStart = Map.of();
                GpuSampler gpu = null;
                Counters countersAtStart = null;
                long tenth = Math.max(1, total / 10);
                long lastTenthCount = 0;
                long lastTenthAt = 0;
                long deadline = System.nanoTime() + RUN_LIMIT.toNanos();
                while (seen < total && System.nanoTime() < deadline) {
                    Thread.sleep(COUNT_EVERY_MS);
                    long before = seen;
                    seen = committed(admin, group, run.frames());
                    long now = System.currentTimeMillis();
                    if (before < 1 && seen >= 1) {
                        coldFrom = now; // the first transaction: the service is up
                    }
                    if (before <= warm && seen > warm) { // the first count past the warm-up starts the measurement
                        warmAt = now;
                        // the service's own counters first: a scrape of its metrics costs the service CPU that is not
                        // the frames' (and a cold scrape much of it), so the CPU is read after them, with the count (the
                        // counters then hold the few milliseconds before the count too)
                        countersAtStart = Counters.of(service);
                        seen = committed(admin, group, run.frames());
                        now = System.currentTimeMillis();
                        seenAtStart = seen;
                        startedAt = now;
                        cpuAtStart = cpuSeconds(service.pid());
                        brokerCpuAtStart = cpuSeconds(brokerPid);
                        threadsAtStart = threadCpu(service.pid());
                        brokerThreadsAtStart = threadCpu(brokerPid);
                        gpu = GpuSampler.start();
                    }
                    if (seen / tenth != before / tenth) {
                        if (lastTenthAt > 0) {
                            System.out.printf(Locale.ROOT, "  %,d frames scored, last %,d at %,.0f frames/s%n", seen,
                                    seen - lastTenthCount, (seen - lastTenthCount) / (Math.max(1, now - lastTenthAt) / 1000.0));
                        }
                        lastTenthCount = seen;
                        lastTenthAt = now;
                    }
                    doneAt = now;
                    peakRss = Math.max(peakRss, rssMiB(service.pid()));
                    service.requireAlive();
                }
                GpuSampler.GpuUse gpuUse = gpu == null ? null : gpu.stop();
                if (seen < total) {
                    throw new IOException(mode.label + ": only " + seen + " of " + total + " frames scored in " + RUN_LIMIT);
                }
                double cpu = cpuSeconds(service.pid()) - cpuAtStart;
                Map<String, Double> threadsAtEnd = threadCpu(service.pid());
                double jit = threadsAtEnd.getOrDefault(ProcessStats.COMPILER_THREADS, 0.0)
                        - threadsAtStart.getOrDefault(ProcessStats.COMPILER_THREADS, 0.0);
                double brokerCpu = cpuSeconds(brokerPid) - brokerCpuAtStart;
                double brokerJit = threadCpu(brokerPid).getOrDefault(ProcessStats.COMPILER_THREADS, 0.0)
                        - brokerThreadsAtStart.getOrDefault(ProcessStats.COMPILER_THREADS, 0.0);
                double seconds = Math.max(1, doneAt - startedAt) / 1000.0;
                double measured = total - seenAtStart;
                String threads = busiest(threadsAtEnd, threadsAtStart, 10)
                        + (countersAtStart == null ? "" : Counters.of(service).since(countersAtStart, measured, seconds))
                        + "; the broker's busiest threads: " + busiest(threadCpu(brokerPid), brokerThreadsAtStart, 6);
                double cold = warm == 0 ? Double.NaN : warm / (Math.max(1, warmAt - coldFrom) / 1000.0);
                result = new Result(mode.label, n, warm, seconds, measured / seconds, cold, peakRss, cpu / seconds,
                        jit / seconds, brokerCpu / seconds, brokerJit / seconds, threads, modelMicros, brokerProduce, brokerFramesOnly, null, gpuUse);
                System.out.printf(Locale.ROOT, "%s: %,.0f frames/s%s; service threads over the measured frames (CPU s): %s%s%n", mode.label,
                        result.framesPerSecond(), warm == 0 ? "" : String.format(Locale.ROOT, " after warm-up (first %,d frames: %,.0f/s)",
                                warm, result.coldFramesPerSecond()), threads, gpuUse == null ? "" : "; " + gpuUse);
            }
        }
        if (!baselines || mode.perRecord || run.images() != null) { // the bare consumer decodes sensor frames only
            return result;
        }
        System.out.printf("%s: the bare consumer on the same backlog ...%n", mode.label);
        E2eBaselines.BareResult bare = E2eBaselines.bare(bootstrap, run.frames(), "bare-scores" + run.suffix(), run.model(),
                mode.contentType.equals(FrameLoad.JSON), run.predictBatch(), warm, n);
        System.out.printf(Locale.ROOT, "%s: bare consumer %,.0f frames/s (%.1f µs CPU per frame); frameguard %.2fx it%n", mode.label,
                bare.framesPerSecond(), bare.microsPerFrame(), result.framesPerSecond() / bare.framesPerSecond());
        return result.withBare(bare);
    }

    /** The service ready and warm, then frames offered at {@code rate}: latency of scores and anomaly events. */
    RateResult offered(String bootstrap, Path app, SensorSimulator sim, int rate, E2eRuns.Run run) throws Exception {
        // the service's JIT warm-up: a backlog scored before the offered rate starts (older timestamps, not measured),
        // from the plant the model was trained on, as the offered frames are: frames of another plant are anomalies by
        // the hundred thousand, which fill the anomaly memory to its cap before the measurement starts
        int backlog = serviceWarmupFrames;
        System.out.printf("offered %,d frames/s: producing %,d frames to warm the service up ...%n", rate, backlog);
        produceBacklog(bootstrap, run.frames(), sim, FLOAT32, backlog);
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
            // an event's latency in two parts: its frame's score latency, then the detector's share (from the reader
            // having the score to it having the event); matched by the frame's topic, partition and offset
            Histogram eventFrameScore = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            Histogram scoreToEvent = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            Map<String, Long> scoreReadAt = new java.util.HashMap<>();
            // the first seconds of the rate right after the backlog, while both JVMs' compilers still work on the paths
            // a low rate takes: measured apart from the steady window at the end of the warm-up
            Histogram startScoreLatency = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            Histogram startEventLatency = new Histogram(TimeUnit.MINUTES.toMillis(10), 3);
            AtomicLong startFrom = new AtomicLong(Long.MAX_VALUE);
            AtomicLong startUntil = new AtomicLong(Long.MAX_VALUE);
            Serde<ScoreBatch> scoreSerde = Topics.SCORE_SERDE;
            Serde<AnomalyEvent> anomalySerde = Topics.ANOMALY_SERDE;
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
                            if (r.topic().equals(run.scores())) {
                                // a score record holds one or more frames of a source: each counts with its own capture time
                                for (ScoreRecord s : scoreSerde.deserializer().deserialize(r.topic(), r.value()).scores()) {
                                    totalScored.incrementAndGet();
                                    if (s.captureTimestamp() >= startFrom.get() && s.captureTimestamp() < startUntil.get()) {
                                        startScoreLatency.recordValue(Math.max(0, now - s.captureTimestamp()));
                                    }
                                    if (s.captureTimestamp() < measureFrom.get() || s.captureTimestamp() >= measureUntil.get()) {
                                        continue;
                                    }
                                    scoreLatency.recordValue(Math.max(0, now - s.captureTimestamp()));
                                    toScored.recordValue(Math.max(0, s.scoredTimestamp() - s.captureTimestamp()));
                                    scoredToRead.recordValue(Math.max(0, now - s.scoredTimestamp()));
                                    scoredInWindow.incrementAndGet();
                                    scoreReadAt.put(s.frame().id(), now);
                                }
                                continue;
                            }
                            // the event's record timestamp is its frame's (the detector keeps it)
                            if (r.timestamp() >= startFrom.get() && r.timestamp() < startUntil.get()) {
                                startEventLatency.recordValue(Math.max(0, now - r.timestamp()));
                            }
                            if (r.timestamp() < measureFrom.get() || r.timestamp() >= measureUntil.get()) {
                                continue;
                            }
                            eventLatency.recordValue(Math.max(0, now - r.timestamp()));
                            eventsInWindow.incrementAndGet();
                            AnomalyEvent event = anomalySerde.deserializer().deserialize(r.topic(), r.value());
                            Long scoreRead = event == null || event.frame() == null ? null : scoreReadAt.remove(event.frame().id());
                            if (scoreRead != null) {
                                eventFrameScore.recordValue(Math.max(0, scoreRead - r.timestamp()));
                                scoreToEvent.recordValue(Math.max(0, now - scoreRead));
                            }
                        }
                        peakRss[0] = Math.max(peakRss[0], rssMiB(service.pid()));
                    }
                }
            }, "bench-reader");
            reader.start();
            awaitScored(service, totalScored, backlog);
            long sent;
            double sentRate;
            int startSeconds = Math.min(rateSeconds, warmupSeconds);
            // CPU over the measured window, cores: the service's and the broker's, each with its JIT compilers' share
            WindowCpu cpu;
            try (KafkaProducer<String, byte[]> producer = producer(bootstrap, 1)) {
                long startAt = System.currentTimeMillis();
                startUntil.set(startAt + TimeUnit.SECONDS.toMillis(startSeconds));
                startFrom.set(startAt);
                sendAtRate(producer, run.frames(), sim, rate, warmupSeconds, 0);
                WindowCpu before = WindowCpu.read(service.pid(), brokerPid);
                measureFrom.set(System.currentTimeMillis());
                long t0 = System.nanoTime();
                sent = sendAtRate(producer, run.frames(), sim, rate, rateSeconds, (long) rate * warmupSeconds);
                double seconds = (System.nanoTime() - t0) / 1e9;
                cpu = WindowCpu.read(service.pid(), brokerPid).since(before, seconds);
                sentRate = sent / seconds;
                measureUntil.set(System.currentTimeMillis() + 1);
                producer.flush();
            }
            long total = backlog + (long) rate * warmupSeconds + sent;
            awaitScored(service, totalScored, total);
            Thread.sleep(500); // the detector commits every commit.interval.ms: let the last events through
            reading.set(false);
            reader.join();
            RateResult r = new RateResult(rate, sentRate, scoredInWindow.get(), scoreLatency, toScored, scoredToRead, eventsInWindow.get(),
                    eventLatency, eventFrameScore, scoreToEvent, new E2eReport.AfterStart(startSeconds, startScoreLatency, startEventLatency),
                    cpu.serviceJit(), cpu.brokerJit(), peakRss[0], cpu.service(), cpu.broker());
            System.out.printf(Locale.ROOT, "offered %,d frames/s: sent %,.0f/s, scored %,d in the window, score p50/p99/p99.9 %d/%d/%d ms "
                    + "(p50 %d ms until scored, %d ms from scored to the reader), %,d events p99 %d ms (%,d matched with their score: "
                    + "their frame's score p99 %d ms, score to event p50/p99 %d/%d ms); JIT compiling in the window %.2f (service) "
                    + "and %.2f (broker) cores; the first %d s after the backlog: score p99 %s ms, event p99 %s ms%n", rate, sentRate, r.scored(),
                    scoreLatency.getValueAtPercentile(50), scoreLatency.getValueAtPercentile(99), scoreLatency.getValueAtPercentile(99.9),
                    toScored.getValueAtPercentile(50), scoredToRead.getValueAtPercentile(50), r.events(),
                    eventLatency.getValueAtPercentile(99), scoreToEvent.getTotalCount(), eventFrameScore.getValueAtPercentile(99),
                    scoreToEvent.getValueAtPercentile(50), scoreToEvent.getValueAtPercentile(99), r.serviceJitCores(), r.brokerJitCores(),
                    startSeconds, E2eReport.p99(startScoreLatency), E2eReport.p99(startEventLatency));
            if (totalScored.get() < total) {
                throw new IOException("offered " + rate + " frames/s: only " + totalScored.get() + " of " + total + " frames scored");
            }
            return r;
        }
    }

    /**
     * CPU seconds of the service and the broker, each with its JIT compilers' share, at one moment; {@link #since} turns
     * two readings into cores over the seconds between them. A compiler thread that ended takes its time with it, so
     * the JIT's share is never taken below zero.
     */
    record WindowCpu(double service, double serviceJit, double broker, double brokerJit) {
        static WindowCpu read(long servicePid, long brokerPid) {
            return new WindowCpu(cpuSeconds(servicePid), jitSeconds(servicePid), cpuSeconds(brokerPid), jitSeconds(brokerPid));
        }

        WindowCpu since(WindowCpu before, double seconds) {
            return new WindowCpu((service - before.service) / seconds, Math.max(0, serviceJit - before.serviceJit) / seconds,
                    (broker - before.broker) / seconds, Math.max(0, brokerJit - before.brokerJit) / seconds);
        }
    }

    /** How often the backlog mode reads the scorer group's committed offsets. */
    private static final long COUNT_EVERY_MS = 100;

    /** Frames the scorer group has committed on {@code topic}: the sum of its committed offsets (the topic has no markers). */
    private static long committed(Admin admin, String group, String topic) throws Exception {
        long sum = 0;
        for (var e : admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet()) {
            if (e.getKey().topic().equals(topic) && e.getValue() != null) {
                sum += e.getValue().offset();
            }
        }
        return sum;
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
     * The service's own counters at one moment, from one scrape of its metrics (NaN where they cannot be read): the
     * seconds its scorer producers spent in their transactions' round trips (sending the offsets, committing), its anomaly
     * events, and its predictor calls (how many, the frames in them, the seconds in them, summed over the workers).
     */
    private record Counters(double transactionSeconds, double anomalies, double calls, double callFrames, double callSeconds) {
        private static final String SCORER = "client_id=\"frameguard-scorer-";

        static Counters of(LocalService service) throws InterruptedException {
            List<String> m;
            try {
                m = service.metrics();
            } catch (IOException e) {
                return new Counters(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Counters((LocalService.metricSum(m, "kafka_producer_txn_send_offsets_time_ns_total", SCORER)
                    + LocalService.metricSum(m, "kafka_producer_txn_commit_time_ns_total", SCORER)) / 1e9,
                    LocalService.metricSum(m, "frameguard_anomalies_total", ""),
                    LocalService.metricSum(m, "frameguard_batch_size_count", ""), LocalService.metricSum(m, "frameguard_batch_size_sum", ""),
                    LocalService.metricSum(m, "frameguard_inference_seconds_sum", ""));
        }

        /** What happened since {@code start}, over {@code frames} frames in {@code span} seconds, as text for the report. */
        String since(Counters start, double frames, double span) {
            StringBuilder t = new StringBuilder(String.format(Locale.ROOT,
                    "; scorer waiting for its transactions' round trips (sending offsets, committing): %.1f s of the %.1f s",
                    transactionSeconds - start.transactionSeconds, span));
            double events = anomalies - start.anomalies;
            if (!Double.isNaN(events)) {
                t.append(String.format(Locale.ROOT, "; anomaly events meanwhile: %,.0f (%.1f %% of the frames)", events, 100 * events / frames));
            }
            double n = calls - start.calls;
            if (!Double.isNaN(n) && n > 0) {
                t.append(String.format(Locale.ROOT, "; predictor calls meanwhile: %,.0f of %,.0f frames on average, %.1f s in them "
                        + "(summed over the workers) of the %.1f s", n, (callFrames - start.callFrames) / n, callSeconds - start.callSeconds, span));
            }
            return t.toString();
        }
    }
}
