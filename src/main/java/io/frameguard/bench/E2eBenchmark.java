package io.frameguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.demo.LocalKafka;
import io.frameguard.demo.LocalService;
import io.frameguard.demo.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.FrameFile;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * End to end on this machine, backlog mode: a real broker (a local process), N frames of 1,024 floats already
 * waiting on a 4-partition topic, then the packaged service (exactly-once on) scores them all; throughput is
 * frames over the span from the first to the last score's scoring time (start-up excluded). Run for float32
 * frames, JSON frames, and float32 frames forced to one predictor call per frame (the per-record baseline:
 * polls and transactions still per batch), each on its own topics and consumer group. Also the service's peak RSS and the CPU it used.
 */
@Command(name = "e2e", mixinStandardHelpOptions = true,
        description = "End-to-end throughput through a real broker: float32, JSON, and per-record float32 (backlog mode).")
public final class E2eBenchmark implements Callable<Integer> {

    private static final int DIM = LimitBenchmark.SENSOR_DIM;
    private static final int PARTITIONS = 4;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Frames per predictor call in the batched modes: where the model's throughput levels off (bench/limit). */
    private static final int MODEL_BATCH = 256;

    @Option(names = "--frames", defaultValue = "60000", description = "Frames per mode (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--per-record-frames", defaultValue = "20000",
            description = "Frames for the per-record baseline, which is slow (default: ${DEFAULT-VALUE}).")
    int perRecordFrames;

    @Option(names = "--max-batch", defaultValue = "256",
            description = "frameguard.scorer.max-batch: frames per poll and per transaction (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--workers", defaultValue = "1", description = "frameguard.scorer.workers (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--report", description = "Markdown file to append the results to.")
    Path report;

    @Option(names = "--work", defaultValue = "work/bench-e2e", description = "Broker data, model, logs (default: ${DEFAULT-VALUE}).")
    Path work;

    /**
     * One mode's result: {@code framesPerSecond} over all frames (first to last score), {@code steadyFramesPerSecond}
     * over the last three quarters (the first quarter runs while the JIT compiles the hot paths).
     */
    record Result(String mode, int frames, double seconds, double framesPerSecond, double steadyFramesPerSecond,
            long peakRssMiB, double cpuCores, double brokerCpuCores) {}

    private long brokerPid = -1;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        Files.createDirectories(work);
        SensorSimulator sim = new SensorSimulator(DIM, 7);
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("bench").version("e2e-1024")
                .hidden(128).latent(32).epochs(2).build(), TrainingProgress.NONE)
                .train(new FrameFile(DIM, 2000, sim.trainingData(2000, 8), FrameFile.defaultNames(DIM)), work.resolve("model-" + UUID.randomUUID()),
                        "simulated 1024-channel frames");
        List<Result> results = new ArrayList<>();
        try (LocalKafka kafka = LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"))) {
            int predict = Math.min(maxBatch, MODEL_BATCH);
            brokerPid = kafka.pid();
            results.add(run(kafka.bootstrapServers(), app, model, sim, "float32, batched", "application/x-float32", predict, frames));
            results.add(run(kafka.bootstrapServers(), app, model, sim, "JSON, batched", "application/json", predict, frames));
            results.add(run(kafka.bootstrapServers(), app, model, sim, "float32, one predict per frame", "application/x-float32", 1,
                    perRecordFrames));
        }
        String table = table(results);
        System.out.print(table);
        if (report != null) {
            BenchReport.append(report, "End to end, backlog mode", String.format(Locale.ROOT,
                    "broker (Apache Kafka, KRaft) and service on this machine; %d partitions; frames of %d float32 values "
                    + "(4,096 bytes) or JSON (~%,d bytes); dense 1024-128-32-128-1024; exactly-once; max-batch %d "
                    + "(frames per poll and transaction), at most %d per predictor call, linger 5 ms, %d worker(s); detector "
                    + "(Kafka Streams) in the same process", PARTITIONS, DIM, FrameEncoding.json(sim.frame("x", 1)).length,
                    maxBatch, MODEL_BATCH, workers), table);
        }
        System.out.printf(Locale.ROOT, "RESULT e2e float32_frames_per_s=%.0f json_frames_per_s=%.0f per_record_frames_per_s=%.0f "
                + "float32_steady_frames_per_s=%.0f%n", results.get(0).framesPerSecond(), results.get(1).framesPerSecond(),
                results.get(2).framesPerSecond(), results.get(0).steadyFramesPerSecond());
        return 0;
    }

    private Result run(String bootstrap, Path app, ModelArtifact model, SensorSimulator sim, String mode, String contentType,
            int predictBatch, int n) throws Exception {
        String suffix = "-" + UUID.randomUUID().toString().substring(0, 8);
        String framesTopic = "frames" + suffix;
        String scoresTopic = "scores" + suffix;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(framesTopic, PARTITIONS, (short) 1))).all().get();
        }
        System.out.printf("%s: producing %,d frames ...%n", mode, n);
        produce(bootstrap, framesTopic, sim, contentType, n);
        Map<String, String> settings = new HashMap<>(Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "frameguard.model.dir", model.dir().toAbsolutePath().toString(),
                "frameguard.topics.frames", framesTopic,
                "frameguard.topics.scores", scoresTopic,
                "frameguard.topics.anomalies", "anomalies" + suffix,
                "frameguard.topics.dlq", "dlq" + suffix,
                "frameguard.topics.drift", "drift" + suffix,
                "frameguard.scorer.predict-batch", Integer.toString(predictBatch),
                "frameguard.scorer.group-id", "bench" + suffix,
                "kafka-streams.state.dir", work.resolve("streams" + suffix).toAbsolutePath().toString()));
        settings.put("quarkus.kafka-streams.application-id", "bench-detector" + suffix);
        settings.put("frameguard.scorer.max-batch", Integer.toString(maxBatch));
        settings.put("frameguard.scorer.workers", Integer.toString(workers));
        settings.put("quarkus.http.port", "0");
        int management = LocalKafka.freePort();
        System.out.printf("%s: starting the service ...%n", mode);
        long peakRss = 0;
        double cpuSeconds;
        try (LocalService service = LocalService.start(app, settings, management, work.resolve("service" + suffix + ".log"))) {
            double cpuAtStart = cpuSeconds(service.pid());
            double brokerCpuAtStart = cpuSeconds(brokerPid);
            try (KafkaConsumer<byte[], byte[]> scores = consumer(bootstrap, scoresTopic)) {
                long[] scoredAt = new long[n];
                int seen = 0;
                long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
                while (seen < n && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : scores.poll(Duration.ofMillis(500))) {
                        JsonNode s = JSON.readTree(r.value());
                        if (seen < n) {
                            scoredAt[seen] = s.get("scoredTs").asLong();
                        }
                        seen++;
                    }
                    peakRss = Math.max(peakRss, rssMiB(service.pid()));
                }
                if (seen < n) {
                    throw new IOException(mode + ": only " + seen + " of " + n + " frames scored in 10 minutes");
                }
                cpuSeconds = cpuSeconds(service.pid()) - cpuAtStart;
                double brokerCpu = cpuSeconds(brokerPid) - brokerCpuAtStart;
                java.util.Arrays.sort(scoredAt);
                double seconds = Math.max(1, scoredAt[n - 1] - scoredAt[0]) / 1000.0;
                int quarter = n / 4;
                double steady = (n - quarter) / (Math.max(1, scoredAt[n - 1] - scoredAt[quarter]) / 1000.0);
                // CPU over the whole run (start-up included) per second of scoring: an upper bound of cores used
                Result r = new Result(mode, n, seconds, n / seconds, steady, peakRss, cpuSeconds / seconds, brokerCpu / seconds);
                System.out.printf(Locale.ROOT, "%s: %,.0f frames/s%n", mode, r.framesPerSecond());
                return r;
            }
        }
    }

    private static void produce(String bootstrap, String topic, SensorSimulator sim, String contentType, int n) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        boolean json = contentType.equals("application/json");
        float[][] pool = new float[64][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = sim.frame("machine-" + (i % 16), i);
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                RecordHeaders h = new RecordHeaders();
                h.add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
                float[] f = pool[i % pool.length];
                producer.send(new ProducerRecord<>(topic, null, System.currentTimeMillis(), "machine-" + (i % 16),
                        json ? FrameEncoding.json(f) : FrameEncoding.float32(f), h));
            }
            producer.flush();
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        return c;
    }

    /** Resident set size of a process (Linux /proc), MiB. */
    static long rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // process gone
        }
        return 0;
    }

    /**
     * User + system CPU time of a process (Linux /proc, clock ticks of 1/100 s), seconds. Both CPU columns count
     * from the service's start (its start-up included) and are divided by the scoring span: upper bounds.
     */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String table(List<Result> results) {
        double perRecord = results.get(results.size() - 1).framesPerSecond();
        StringBuilder t = new StringBuilder("| mode | frames | scoring span (s) | frames/s (all) | frames/s (last 3/4) "
                + "| × per-record | peak RSS (MiB) | service CPU (cores) | broker CPU (cores) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            t.append(String.format(Locale.ROOT, "| %s | %,d | %.1f | %,.0f | %,.0f | %.1f | %,d | %.2f | %.2f |%n", r.mode(),
                    r.frames(), r.seconds(), r.framesPerSecond(), r.steadyFramesPerSecond(), r.framesPerSecond() / perRecord,
                    r.peakRssMiB(), r.cpuCores(), r.brokerCpuCores()));
        }
        return t.toString();
    }
}
