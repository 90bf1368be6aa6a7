package io.frameguard.memory;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.detection.PastAnomalies;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Recollection;
import io.frameguard.events.SourceMinute;
import io.frameguard.events.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import org.jboss.logging.Logger;

/**
 * Builds this replica's {@link AnomalyMemory} from Kafka and keeps it current: the whole memory topic (compacted by
 * incident, records older than {@code frameguard.memory.max-age} deleted by the broker, and forgotten here too), the
 * whole (compacted) verdicts topic, the drift topic (each source's latest drift status) and the last hours of the
 * history topic (each source's minutes), read_committed, on a thread of its own. The memory answers once it has read what the topics held at start ({@link #memory()}); the detector asks it
 * about each new anomaly ({@link #recall}).
 */
@ApplicationScoped
public class MemoryFollower implements Runnable, PastAnomalies {

    private static final Logger LOG = Logger.getLogger(MemoryFollower.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Changes a feed subscriber may fall behind by before it is ended. */
    static final int FEED_BUFFER = 1000;
    /** How often incidents older than the maximum age are forgotten (the broker deletes them in its own time). */
    private static final Duration SWEEP = Duration.ofMinutes(1);

    @Inject
    FrameguardConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile Exception stopped;
    private AnomalyMemory memory;
    private Thread thread;
    /** What this replica learns, as it learns it, for the live feed; hot: a subscriber sees what comes after it joined. */
    private final BroadcastProcessor<AnomalyMemory.Remembered> changes = BroadcastProcessor.create();

    // after the scorer created the topics (priority 10)
    void onStart(@Observes @Priority(30) StartupEvent event) {
        if (config.memory().maxEntries() == 0) {
            return;
        }
        memory = new AnomalyMemory(config.memory().maxEntries(), config.memory().maxHistorySources());
        thread = new Thread(this, "frameguard-memory");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes @Priority(5) ShutdownEvent event) throws Exception {
        running = false;
        changes.onComplete();
        if (thread != null) {
            thread.join(5_000);
            memory.close();
        }
    }

    /**
     * Each incident as this replica's memory learns it after catching up, of one source or (null) all: a new or grown
     * incident, or one an operator judged (the incident with its verdict). A subscriber sees what arrives after it
     * subscribed, delivered on a worker thread so that no subscriber slows the follower; one that falls
     * {@value #FEED_BUFFER} changes behind is ended (its client reconnects). Ends when the follower stops.
     */
    public Multi<AnomalyMemory.Remembered> changes(String source) {
        return changes.filter(r -> source == null || source.equals(r.entry().source()))
                .onOverflow().buffer(FEED_BUFFER)
                .emitOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The memory, once it has read what the topics held at start; empty before, when it is off, or once it stopped following. */
    public Optional<AnomalyMemory> memory() {
        return caughtUp && stopped == null ? Optional.of(memory) : Optional.empty();
    }

    /** What this replica's memory says about a new event; nothing while it is off or still being read. */
    @Override
    public Recollection recall(AnomalyEvent event) {
        FrameguardConfig.Memory m = config.memory();
        return memory().map(mem -> mem.recall(event, m.similarK(), m.recogniseSimilarity(), m.suppressSimilarity()))
                .orElse(Recollection.NONE);
    }

    /** Why the memory is not answering, or null. */
    public String problem() {
        if (memory == null) {
            return "the anomaly memory is off (frameguard.memory.max-entries=0)";
        }
        Exception e = stopped;
        // the cause (a Kafka client's exception) goes to the log, not to the API's callers
        return e != null ? "the anomaly memory stopped following Kafka (the service's log says why)" : caughtUp ? null
                : "the anomaly memory is still being read";
    }

    @Override
    public void run() {
        Topics topics = Topics.from(config.topics());
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "frameguard-memory-" + UUID.randomUUID());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> all = new ArrayList<>(partitions(consumer, topics.memory().name()));
            all.addAll(partitions(consumer, topics.verdicts().name()));
            // the sources' drift status, shown beside their anomalies: the latest drift event of a source holds
            all.addAll(partitions(consumer, topics.drift().name()));
            // the sources' minutes, read from as far back as the memory keeps them
            List<TopicPartition> history = partitions(consumer, topics.history().name());
            all.addAll(history);
            consumer.assign(all);
            Map<TopicPartition, Long> ends = consumer.endOffsets(all, TIMEOUT);
            consumer.seekToBeginning(all);
            long historyFrom = System.currentTimeMillis() - AnomalyMemory.HISTORY_MINUTES * SourceMinute.MINUTE_MS;
            // the history's end where nothing is that recent
            io.frameguard.events.TopicRanges.offsetsAt(consumer, history, historyFrom, TIMEOUT).forEach(consumer::seek);
            long maxAge = config.memory().maxAge().toMillis();
            long lastSweep = 0;
            while (running) {
                // the history itself is the listing's (GET /api/anomalies), not the feed's, which starts once caught up
                apply(consumer.poll(POLL), topics, memory, caughtUp ? changes::onNext : r -> { });
                long now = System.currentTimeMillis();
                if (now - lastSweep >= SWEEP.toMillis()) {
                    memory.forgetSeenBefore(now - maxAge);
                    memory.forgetHistoryBefore(now - AnomalyMemory.HISTORY_MINUTES * SourceMinute.MINUTE_MS);
                    lastSweep = now;
                }
                if (!caughtUp && all.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp))) {
                    caughtUp = true;
                    LOG.infof("anomaly memory: %d past incidents read", memory.size());
                }
            }
        } catch (Exception e) {
            if (running) {
                stopped = e;
                LOG.errorf(e, "the anomaly memory stopped following Kafka: %s", e.getMessage());
            }
        } finally {
            changes.onComplete(); // open feeds end; their clients reconnect and are told why (503)
        }
    }

    /**
     * Takes a poll's records into {@code memory}, in order, and tells {@code feed} each incident they changed (verdicts
     * included). Of an incident's memory records only the poll's last is read ({@link #newestByIncident}).
     */
    static void apply(Iterable<ConsumerRecord<String, byte[]>> polled, Topics topics, AnomalyMemory memory,
            java.util.function.Consumer<AnomalyMemory.Remembered> feed) {
        Map<String, ConsumerRecord<String, byte[]>> newest = newestByIncident(polled, topics.memory().name());
        for (ConsumerRecord<String, byte[]> r : polled) {
            if (r.key() == null) {
                continue;
            }
            if (r.topic().equals(topics.memory().name())) {
                if (newest.get(r.key()) != r) {
                    continue; // the incident's newer record in this poll holds all of this one
                }
                remember(topics, r, memory);
            } else if (r.topic().equals(topics.history().name())) {
                memory.history(r.value() == null ? null : read(() -> topics.history().deserialize(r.value())));
                continue;
            } else if (r.topic().equals(topics.drift().name())) {
                memory.drift(r.key(), r.value() == null ? null : read(() -> topics.drift().deserialize(r.value())));
                continue;
            } else {
                memory.verdict(r.key(), r.value() == null ? null : read(() -> topics.verdicts().deserialize(r.value())));
            }
            memory.get(r.key()).ifPresent(feed);
        }
    }

    /**
     * Each incident's last record among a poll's memory records. The topic is compacted by incident and each record is
     * the whole incident (the detector writes it again whenever events join it), so reading the last one alone leaves the
     * memory as reading them all in turn would: a long incident's earlier records, each holding a picture, would cost a
     * parse and an index update apiece for nothing. One difference: a memory at its {@code max-entries} drops its
     * longest-seen incident for a new one, so a new incident deleted within the same poll (the detector never deletes;
     * a hand-written tombstone does) drops none when only its deletion is read, as for a replica that reads the topic
     * after compaction.
     */
    static Map<String, ConsumerRecord<String, byte[]>> newestByIncident(Iterable<ConsumerRecord<String, byte[]>> polled,
            String memoryTopic) {
        Map<String, ConsumerRecord<String, byte[]>> newest = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : polled) {
            if (r.key() != null && r.topic().equals(memoryTopic)) {
                newest.put(r.key(), r);
            }
        }
        return newest;
    }

    private static void remember(Topics topics, ConsumerRecord<String, byte[]> r, AnomalyMemory memory) {
        MemoryEntry e = r.value() == null ? null : read(() -> topics.memory().deserialize(r.value()));
        if (e == null || !r.key().equals(e.id())) {
            memory.forget(r.key()); // deleted, or not an incident record (not ours to judge)
        } else {
            memory.remember(e);
        }
    }

    /** A record's value, or null when it cannot be read (not ours to judge; skipped). */
    private static <T> T read(java.util.function.Supplier<T> reader) {
        try {
            return reader.get();
        } catch (SerializationException | IllegalArgumentException e) {
            return null;
        }
    }

    private List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) throws InterruptedException {
        // the scorer creates the topics at start; where they are managed elsewhere they may come later
        while (running) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, TIMEOUT);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            }
            Thread.sleep(2_000);
        }
        return List.of();
    }
}
