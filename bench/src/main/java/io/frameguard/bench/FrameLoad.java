package io.frameguard.bench;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The end-to-end benchmark's load: simulated sensor frames from {@value #SOURCES} sources, as a backlog or at a
 * fixed rate, and the read_committed reader that sees what a downstream consumer sees.
 *
 * <p>Source i's frames go to partition i % partitions ({@link #partition}), not to the partition its key hashes to: 16
 * keys hashed over 8 partitions pile up 4, 4, 2, 2, 1, 1, 1, 1 (over 16, five partitions get none), and one scorer
 * worker then holds half the backlog while the others idle, which measures the spread of 16 keys, not the service. A
 * fleet of many sources spreads evenly; so do these.
 */
final class FrameLoad {

    static final int SOURCES = 16;
    /**
     * The simulated plant of the benchmark's model, its backlogs and its offered frames: frames of any other plant are
     * anomalies to that model.
     */
    static final long PLANT_SEED = 7;
    static final String FLOAT32 = "application/x-float32";
    static final String JSON = "application/json";

    private FrameLoad() {}

    /**
     * One frame in this many of an offered rate is a spike on one channel, so that the detector emits anomaly events
     * whose latency the benchmark measures (normal frames rarely give one).
     */
    static final int FAULT_EVERY = 50;

    /**
     * Sends float32 frames at {@code rate} per second for {@code seconds}, each stamped with its send time; frame
     * {@code first + i} comes from source i % 16, and every {@value #FAULT_EVERY}th frame has a spike. Returns the frames sent.
     */
    static long sendAtRate(KafkaProducer<String, byte[]> producer, String topic, SensorSimulator sim, int rate, int seconds,
            long first) throws InterruptedException {
        long total = (long) rate * seconds;
        int partitions = producer.partitionsFor(topic).size();
        long start = System.nanoTime();
        long sent = 0;
        while (sent < total) {
            long due = Math.min(total, (System.nanoTime() - start) * rate / 1_000_000_000L);
            for (; sent < due; sent++) {
                long t = first + sent;
                String source = "machine-" + (t % SOURCES);
                float[] frame = t % FAULT_EVERY == FAULT_EVERY - 1
                        ? sim.faulty(source, t / SOURCES, SensorSimulator.Fault.SPIKE, (int) (t % sim.dim()), t / SOURCES)
                        : sim.frame(source, t / SOURCES);
                producer.send(new ProducerRecord<>(topic, partition((int) (t % SOURCES), partitions), System.currentTimeMillis(),
                        source, FrameEncoding.float32(frame), contentType(FLOAT32)));
            }
            Thread.sleep(1);
        }
        return sent;
    }

    static void produceBacklog(String bootstrap, String topic, SensorSimulator sim, String contentType, int n) {
        boolean json = contentType.equals(JSON);
        float[][] pool = pool(sim);
        try (KafkaProducer<String, byte[]> producer = producer(bootstrap, 20)) {
            int partitions = producer.partitionsFor(topic).size();
            for (int i = 0; i < n; i++) {
                float[] f = pool[i % pool.length];
                producer.send(new ProducerRecord<>(topic, partition(i % SOURCES, partitions), System.currentTimeMillis(), "machine-" + (i % SOURCES),
                        json ? FrameEncoding.json(f) : FrameEncoding.float32(f), contentType(contentType)));
            }
            producer.flush();
        }
    }

    /** The partition of source {@code source} (0 to {@value #SOURCES} - 1): the sources dealt over the partitions in turn. */
    static int partition(int source, int partitions) {
        return source % partitions;
    }

    /** The 64 frames a backlog cycles through, from the {@value #SOURCES} sources. */
    static float[][] pool(SensorSimulator sim) {
        float[][] pool = new float[64][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = sim.frame("machine-" + (i % SOURCES), i);
        }
        return pool;
    }

    static RecordHeaders contentType(String type) {
        RecordHeaders h = new RecordHeaders();
        h.add("content-type", type.getBytes(StandardCharsets.UTF_8));
        return h;
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap, int lingerMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static KafkaConsumer<byte[], byte[]> readCommitted(String bootstrap, List<String> topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(topics);
        return c;
    }
}
