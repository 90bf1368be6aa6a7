package io.frameguard.bench;

import static io.frameguard.bench.ProcessStats.cpuSeconds;

import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameShape;
import io.frameguard.frames.JsonFrameDecoder;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.InferenceDevice;
import io.frameguard.inference.InferenceThreads;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelArtifact;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the end-to-end benchmark compares frameguard with in the same run, on the same backlog: the model alone (its
 * predictor calls, no Kafka), the broker moving the frames alone (a plain consumer reading them, nobody scoring), and
 * a bare batched consumer (poll, decode, one predictor call per poll, produce one small score per frame, commit;
 * at-least-once, no detector, no exactly-once), as someone would write a scoring loop with the Kafka client and the
 * usual JSON library.
 */
final class E2eBaselines {

    /** Unmeasured predictor calls before the model's CPU is read (the JIT, TensorFlow's first-call set-up). */
    private static final Duration MODEL_WARMUP = Duration.ofSeconds(10);
    /** One window of the model's measurement. */
    private static final Duration MODEL_WINDOW = Duration.ofSeconds(5);
    /** Windows at most before the figure is taken as it is. */
    private static final int MODEL_MAX_WINDOWS = 10;
    /** Two windows this close (relative) make the model's figure steady. */
    private static final double MODEL_STEADY = 0.05;

    private static final Float32FrameDecoder FLOAT32 = new Float32FrameDecoder();

    private E2eBaselines() {}

    /** This JVM's CPU seconds (the bench runs nothing else while a baseline is measured). */
    static double ownCpuSeconds() {
        return cpuSeconds(ProcessHandle.current().pid());
    }

    /** CPU seconds of this JVM's JIT compiler threads. */
    private static double compilerSeconds() {
        return ProcessStats.jitSeconds(ProcessHandle.current().pid());
    }

    /**
     * Makes this JVM's model calls run as the service's do with {@code threads} ({@code frameguard.scorer.inference-threads}):
     * TensorFlow sizes the pool that splits operations from the first session a process opens, training's included, and
     * keeps it, so a session with the service's options is opened first. Call before any model is trained or loaded. Where
     * the model runs on a GPU ({@code device} resolves to one) the service keeps TensorFlow's defaults, and so does this.
     */
    static synchronized void pinInferenceThreads(InferenceDevice device, InferenceThreads threads) {
        if (!InferenceThreads.cpuBefore(device)) {
            return;
        }
        threads.useForProcess();
        try (org.tensorflow.Graph graph = new org.tensorflow.Graph();
                org.tensorflow.Session first = new org.tensorflow.Session(graph, threads.sessionConfig())) {
            // opening it sized TensorFlow's pool; DJL's engine and loads take the rest from the process's setting
        }
    }

    /** {@code frameguard.scorer.inference-threads} among the service's settings, else the service's default. */
    static InferenceThreads serviceThreads(Map<String, String> serviceSettings) {
        String n = serviceSettings.get(InferenceThreads.SETTING);
        return n == null ? InferenceThreads.ON_CALLER : new InferenceThreads(Integer.parseInt(n.trim()));
    }

    /**
     * The model's own CPU per frame, µs: predictor calls of {@code batch} frames of the simulator's kind, on this
     * JVM's every thread (TensorFlow's included) but its JIT compilers, nothing else running in it. Steady: after
     * {@link #MODEL_WARMUP} of calls, windows of {@link #MODEL_WINDOW} until one is within {@link #MODEL_STEADY} of
     * the one before (at most {@link #MODEL_MAX_WINDOWS}); the least window counts. In a JVM that comes to this
     * straight from producing the backlog, calls cost up to twice as much for the first 10-40 s as later.
     */
    static double modelMicrosPerFrame(ModelArtifact model, float[][] pool, int batch) throws Exception {
        int dim = pool[0].length;
        float[] values = new float[batch * dim];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(pool[i % pool.length], 0, values, i * dim, dim);
        }
        // the error maps into one reused buffer, as the scorer's worker reads them (a new array per call is the caller's
        // allocation, not the model's work)
        FrameBatch frames = new FrameBatch(values, 0, batch, dim, new float[batch * model.card().input().errorWidth()]);
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            long warmUntil = System.nanoTime() + MODEL_WARMUP.toNanos();
            while (System.nanoTime() < warmUntil) {
                session.errors(frames);
            }
            double least = Double.POSITIVE_INFINITY;
            double previous = Double.NaN;
            for (int w = 0; w < MODEL_MAX_WINDOWS; w++) {
                double cpuAtStart = ownCpuSeconds() - compilerSeconds();
                long calls = 0;
                long until = System.nanoTime() + MODEL_WINDOW.toNanos();
                while (System.nanoTime() < until) {
                    session.errors(frames);
                    calls++;
                }
                double micros = (ownCpuSeconds() - compilerSeconds() - cpuAtStart) / (calls * batch) * 1e6;
                least = Math.min(least, micros);
                if (Math.abs(micros - previous) <= MODEL_STEADY * previous) {
                    break;
                }
                previous = micros;
            }
            return least;
        }
    }

    /** How long a topic just created may take to show its partitions to a new client. */
    private static final Duration TOPIC_METADATA_WAIT = Duration.ofSeconds(30);

    /**
     * Each partition's end offset of {@code topic}: where the records produced next start. A topic created a moment
     * before may show no partitions yet (the broker learns of it from the controller after the create returns), so its
     * metadata is asked again until it does.
     */
    static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) throws IOException, InterruptedException {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, null)) {
            long deadline = System.nanoTime() + TOPIC_METADATA_WAIT.toNanos();
            List<PartitionInfo> infos = c.partitionsFor(topic);
            while (infos.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(100);
                infos = c.partitionsFor(topic);
            }
            if (infos.isEmpty()) {
                throw new IOException("topic " + topic + " shows no partitions after " + TOPIC_METADATA_WAIT);
            }
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo p : infos) {
                parts.add(new TopicPartition(topic, p.partition()));
            }
            return c.endOffsets(parts);
        }
    }

    /**
     * Reads the records of each partition from its offset in {@code from} with a plain consumer (no group,
     * read_uncommitted) until {@code total}; returns the count.
     */
    static long readAll(String bootstrap, Map<TopicPartition, Long> from, long total) throws IOException {
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, null)) {
            c.assign(from.keySet());
            from.forEach(c::seek);
            long read = 0;
            long deadline = System.nanoTime() + E2eMeasure.RUN_LIMIT.toNanos();
            while (read < total && System.nanoTime() < deadline) {
                read += c.poll(Duration.ofMillis(200)).count();
            }
            if (read < total) {
                throw new IOException("frames-only reader: " + read + " of " + total + " frames in " + E2eMeasure.RUN_LIMIT);
            }
            return read;
        }
    }

    /**
     * A bare consumer's run: its throughput over the measured frames, this JVM's CPU over them and its JIT compilers'
     * share of that CPU (cores).
     */
    record BareResult(double framesPerSecond, double cpuCores, double jitCores) {
        double microsPerFrame() {
            return cpuCores / framesPerSecond * 1e6;
        }

        /** Its CPU per frame less its JIT compilers', as the service's and the model's are compared. */
        double steadyMicrosPerFrame() {
            return (cpuCores - jitCores) / framesPerSecond * 1e6;
        }
    }

    /**
     * The bare batched consumer over {@code warm + n} frames of {@code topic} (its own group, from the beginning):
     * each poll (at most {@code maxPoll} records) decoded (float32 by the service's own decoder, JSON by Jackson's
     * token stream, the library a consumer would parse with), scored by one predictor call (mean error per frame), one score
     * record per frame produced, the producer flushed and the offsets committed (at-least-once). Throughput over the
     * last {@code n}.
     */
    static BareResult bare(String bootstrap, String topic, String scoresTopic, ModelArtifact model, boolean json, int maxPoll,
            int warm, int n) throws Exception {
        int total = warm + n;
        int dim = model.card().input().dim();
        Properties extra = new Properties();
        extra.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPoll);
        extra.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 << 20);
        extra.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20);
        try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, extra);
                KafkaProducer<String, byte[]> p = FrameLoad.producer(bootstrap, 5);
                ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            c.subscribe(List.of(topic));
            float[] values = new float[maxPoll * dim];
            int seen = 0;
            long startNanos = 0;
            double cpuAtStart = 0;
            double jitAtStart = 0;
            long deadline = System.nanoTime() + E2eMeasure.RUN_LIMIT.toNanos();
            while (seen < total && System.nanoTime() < deadline) {
                ConsumerRecords<byte[], byte[]> polled = c.poll(Duration.ofMillis(200));
                if (polled.isEmpty()) {
                    continue;
                }
                int rows = 0;
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(polled.count());
                for (ConsumerRecord<byte[], byte[]> r : polled) {
                    // by its content type: a backlog's first warm-up frames are float32 whatever the mode
                    decode(r.value(), json && isJson(r), values, rows * dim, dim);
                    records.add(r);
                    rows++;
                }
                float[] errors = session.errors(new FrameBatch(values, 0, rows, dim));
                int width = errors.length / rows;
                for (int i = 0; i < rows; i++) {
                    double sum = 0;
                    for (int j = i * width; j < (i + 1) * width; j++) {
                        sum += errors[j];
                    }
                    ConsumerRecord<byte[], byte[]> r = records.get(i);
                    String score = String.format(Locale.ROOT, "{\"partition\":%d,\"offset\":%d,\"score\":%s}", r.partition(), r.offset(),
                            Double.toString(sum / width));
                    p.send(new ProducerRecord<>(scoresTopic, null, r.timestamp(), null, score.getBytes(StandardCharsets.UTF_8)));
                }
                p.flush();
                c.commitSync();
                int before = seen;
                seen += rows;
                if (before <= warm && seen > warm) {
                    startNanos = System.nanoTime();
                    cpuAtStart = ownCpuSeconds();
                    jitAtStart = compilerSeconds();
                }
            }
            if (seen < total) {
                throw new IOException("bare consumer: " + seen + " of " + total + " frames in " + E2eMeasure.RUN_LIMIT);
            }
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            return new BareResult(n / seconds, (ownCpuSeconds() - cpuAtStart) / seconds, (compilerSeconds() - jitAtStart) / seconds);
        }
    }

    private static boolean isJson(ConsumerRecord<byte[], byte[]> r) {
        var h = r.headers().lastHeader("content-type");
        return h == null || new String(h.value(), StandardCharsets.UTF_8).equals(FrameLoad.JSON);
    }

    private static void decode(byte[] payload, boolean json, float[] dest, int offset, int dim) throws FrameDecodeException {
        if (json) {
            JsonFrameDecoder.decodeGeneral(payload, dest, offset, dim);
        } else {
            FLOAT32.decode(Float32FrameDecoder.CONTENT_TYPE, payload, null, dest, offset, FrameShape.sensor(dim));
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, Properties extra) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        if (extra != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-bare-" + UUID.randomUUID());
            p.putAll(extra);
        }
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
