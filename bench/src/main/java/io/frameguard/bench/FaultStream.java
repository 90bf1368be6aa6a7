package io.frameguard.bench;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.Topics;
import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameEncoding;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The fault suite's stream: normal frames (float32, every tenth JSON; a burst of faulty frames every
 * {@value #FAULT_PERIOD} steps per source, so that anomalies happen) with hostile frames at random positions, sent
 * at the offered rate by an idempotent producer that rides out a broker outage. Every acknowledged frame's
 * coordinates are recorded with its kind ({@value #NORMAL} or the hostile kind), for the exact accounting.
 */
final class FaultStream implements Runnable {

    /** The service\'s default topics, which the fault suite\'s service uses. */
    static final Topics TOPICS = Topics.defaults();

    static final int SOURCES = 16;
    static final String NORMAL = "normal";
    /** A burst of faulty frames every this many steps per source, so that anomalies (k of n) happen. */
    static final int FAULT_PERIOD = 97;
    static final int FAULT_BURST = 4;

    private final String bootstrap;
    private final SensorSimulator sim;
    private final SplittableRandom random;
    private final int frames;
    private final int hostile;
    private final int rate;
    private final int dim;
    private final Map<Long, String> kindAt = new ConcurrentHashMap<>();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicReference<Exception> producerError = new AtomicReference<>();

    FaultStream(String bootstrap, SensorSimulator sim, SplittableRandom random, int frames, int hostile, int rate, int dim) {
        this.bootstrap = bootstrap;
        this.sim = sim;
        this.random = random;
        this.frames = frames;
        this.hostile = hostile;
        this.rate = rate;
        this.dim = dim;
    }

    /** Every acknowledged frame's kind, by {@link #coordinate}. */
    Map<Long, String> kindAt() {
        return kindAt;
    }

    long sendFailures() {
        return sendFailures.get();
    }

    /** What stopped the producer, or null. */
    Exception error() {
        return producerError.get();
    }

    /** Sends the stream at the offered rate; hostile frames at random positions; records every frame's coordinates. */
    @Override
    public void run() {
        long total = (long) frames + hostile;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true); // retries during the outage must not duplicate frames
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // ride out the broker outage: keep retrying and let send() block rather than fail
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TimeUnit.MINUTES.toMillis(10));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, TimeUnit.MINUTES.toMillis(10));
        HostileFrames hostileFrames = new HostileFrames(sim, random.nextLong());
        double hostileShare = (double) hostile / total;
        long hostileLeft = hostile;
        long normalLeft = frames;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long[] steps = new long[SOURCES];
            for (long i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int s = (int) (i % SOURCES);
                String source = "machine-" + s;
                boolean isHostile = hostileLeft > 0 && (normalLeft == 0 || random.nextDouble() < hostileShare);
                ProducerRecord<String, byte[]> record;
                String kind;
                if (isHostile) {
                    HostileFrames.Hostile h = hostileFrames.next(hostile - hostileLeft, source);
                    hostileLeft--;
                    kind = h.kind();
                    record = new ProducerRecord<>(TOPICS.frames().name(), null, System.currentTimeMillis(), h.key(), h.value(), h.headers());
                } else {
                    normalLeft--;
                    long t = steps[s]++;
                    float[] x = t % FAULT_PERIOD < FAULT_BURST
                            ? sim.faulty(source, t, SensorSimulator.Fault.LEVEL_SHIFT, (int) ((t / FAULT_PERIOD) % dim), t)
                            : sim.frame(source, t);
                    RecordHeaders h = new RecordHeaders();
                    boolean json = t % 10 == 0;
                    h.add(FrameDecoders.CONTENT_TYPE_HEADER, (json ? "application/json" : Float32FrameDecoder.CONTENT_TYPE)
                            .getBytes(StandardCharsets.UTF_8));
                    kind = NORMAL;
                    record = new ProducerRecord<>(TOPICS.frames().name(), null, System.currentTimeMillis(), source,
                            json ? FrameEncoding.json(x) : FrameEncoding.float32(x), h);
                }
                String k = kind;
                producer.send(record, (md, e) -> {
                    if (e != null) {
                        sendFailures.incrementAndGet();
                    } else {
                        kindAt.put(coordinate(md.partition(), md.offset()), k);
                    }
                });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            producerError.set(e);
        }
    }

    /** A frame's coordinates on the frames topic, packed: partition in the high bits, offset in the low 48. */
    static long coordinate(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }
}
