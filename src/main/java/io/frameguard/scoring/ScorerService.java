package io.frameguard.scoring;

import io.frameguard.config.ConfigCheck;
import io.frameguard.config.FrameguardConfig;
import io.frameguard.events.TopicSetup;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.inference.ModelRunner;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.serving.ActiveModel;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;
import org.jboss.logging.Logger;

/**
 * The scorer: loads the model, makes sure the topics exist, and runs {@code frameguard.scorer.workers}
 * {@link ScorerWorker}s in one consumer group, each with its own transactional producer.
 */
@ApplicationScoped
public class ScorerService {

    private static final Logger LOG = Logger.getLogger(ScorerService.class);
    /** {@code receive.buffer.bytes} that leaves the socket's buffer to the operating system. */
    static final int OS_SIZED_BUFFER = -1;
    /** A produce request's framing beyond its largest record. */
    private static final int REQUEST_ROOM = 16 * 1024;
    /**
     * The scorer producer's {@code batch.size}: room for a transaction's records to one partition behind a backlog, so
     * that they go to the broker in one request at the commit (the client's 16 KB would send several).
     */
    private static final int PRODUCER_BATCH_BYTES = 256 * 1024;
    /** The scorer producer's {@code linger.ms} while the commit interval is shorter (a transaction per batch). */
    private static final long MIN_LINGER_MS = 5;

    @Inject
    FrameguardConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    ActiveModel model;

    @Inject
    FrameDecoders decoders;

    @Inject
    FrameguardMetrics metrics;

    @Inject
    MeterRegistry registry;


    private final List<ScorerWorker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<KafkaClientMetrics> clientMetrics = new ArrayList<>();

    void onStart(@Observes @Priority(10) StartupEvent event) {
        ModelRunner scorer = model.loadConfigured();
        ScorerSettings settings = ScorerSettings.from(config);
        settings.checkFits(scorer.card().input().dim(), config.scorer().workers(), Runtime.getRuntime().maxMemory());
        metrics.modelServed(scorer.card().version(), scorer.card().createdAt());
        Topics topics = Topics.from(config.topics());
        if (config.topics().create()) {
            TopicSetup.ensureTopics(kafkaConfig, topics, config.topics(), config.memory().maxAge());
        }
        String host = hostname();
        for (int i = 0; i < config.scorer().workers(); i++) {
            KafkaConsumer<byte[], ByteBuffer> consumer = new KafkaConsumer<>(consumerConfig(host, i,
                    settings.partitionFetchBytes(scorer.card().input().dim())));
            KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(host, i));
            KafkaClientMetrics cm = new KafkaClientMetrics(consumer);
            KafkaClientMetrics pm = new KafkaClientMetrics(producer);
            cm.bindTo(registry);
            pm.bindTo(registry);
            clientMetrics.add(cm);
            clientMetrics.add(pm);
            ScorerWorker worker = new ScorerWorker(i, consumer, producer, topics, model, decoders,
                    settings, metrics);
            Thread t = new Thread(worker, "frameguard-scorer-" + i);
            workers.add(worker);
            threads.add(t);
            t.start();
        }
        LOG.infof("scorer started: %d worker(s) decoding on %d thread(s) each, max batch %d, linger %s, commit interval %s, "
                + "%s -> %s", workers.size(), config.scorer().decodeThreads(), config.scorer().maxBatch(),
                config.scorer().linger(), config.scorer().commitInterval(), topics.frames().name(), topics.scores().name());
    }

    void onStop(@Observes @Priority(10) ShutdownEvent event) {
        workers.forEach(ScorerWorker::stop);
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        clientMetrics.forEach(KafkaClientMetrics::close);
    }

    /** A worker that stopped for good (its producer fenced or unauthorised), or null. */
    public String stoppedWorker() {
        for (int i = 0; i < workers.size(); i++) {
            if (workers.get(i).fatal() != null) {
                return "scorer " + i + " stopped: " + workers.get(i).fatal();
            }
        }
        return null;
    }

    /** Why the scorer is not ready, or null when every worker has joined the group and none has failed. */
    public String notReadyReason() {
        if (model.current() == null) {
            return "no model loaded";
        }
        if (workers.isEmpty()) {
            return "scorer not started";
        }
        String stopped = stoppedWorker();
        if (stopped != null) {
            return stopped;
        }
        for (int i = 0; i < workers.size(); i++) {
            ScorerWorker w = workers.get(i);
            if (w.progressProblem() != null) {
                return "scorer " + i + " makes no progress: " + w.progressProblem();
            }
            if (!w.joined()) {
                return "scorer " + i + " has no partition assignment yet";
            }
        }
        return null;
    }

    private Map<String, Object> consumerConfig(String host, int worker, int partitionFetchBytes) {
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.scorer().groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "frameguard-scorer-" + host + "-" + worker);
        // Only frames of committed transactions; and offsets move only inside our own transactions.
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.scorer().maxBatch());
        // A restarted scorer rejoins quickly instead of waiting out the default 45 s session of its old self.
        c.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
        // The socket's receive buffer sized by the OS (TCP autotuning) rather than the client's fixed 64 KB: the
        // consumer sends the next fetch before returning a poll's frames, and its response (up to a megabyte per
        // partition) then arrives while the batch is scored; with 64 KB the broker stops after 64 KB until the next
        // poll reads the socket, so each poll waits for most of its frames (docs/BENCHMARKS.md, issue #26).
        c.putIfAbsent(ConsumerConfig.RECEIVE_BUFFER_CONFIG, OS_SIZED_BUFFER);
        // One partition's fetch can fill a batch (ScorerSettings.partitionFetchBytes): the client's 1 MB capped large
        // batches at about a thousand 1,024-value frames per partition and fetch round.
        c.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, partitionFetchBytes);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        // Frames as views into the fetch response, not copies: each frame is read once, by its decoder, where a
        // byte[] value would be copied out of the response first (docs/ARCHITECTURE.md, "Scorer").
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteBufferDeserializer.class.getName());
        return c;
    }

    private Map<String, Object> producerConfig(String host, int worker) {
        Map<String, Object> p = new HashMap<>(kafkaConfig);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "frameguard-scorer-" + host + "-" + worker + "-tx");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.scorer().transactionalIdPrefix() + "-" + host + "-" + worker);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Short (see ConfigCheck.DEFAULT_TRANSACTION_TIMEOUT_MS); the commit interval is checked against it at start.
        p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) ConfigCheck.DEFAULT_TRANSACTION_TIMEOUT_MS);
        // Records wait for the commit, which flushes them: behind a backlog a transaction holds several batches, and
        // their score records then reach the broker as one produce request per partition instead of one every few
        // milliseconds (each request is work for the broker and for the client's metrics). A scorer that keeps up
        // commits after every batch, so this adds no latency.
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, (int) Math.max(MIN_LINGER_MS, config.scorer().commitInterval().toMillis()));
        p.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, PRODUCER_BATCH_BYTES);
        // Every record is at most max-record-bytes (OutgoingRecords truncates larger dead letters); the request may hold
        // a little more than one record.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1 << 20, config.scorer().maxRecordBytes() + REQUEST_ROOM));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    private static String hostname() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
