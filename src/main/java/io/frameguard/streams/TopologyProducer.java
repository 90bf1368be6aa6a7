package io.frameguard.streams;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.detection.DetectorProcessor;
import io.frameguard.detection.IncidentPolicy;
import io.frameguard.detection.PastAnomalies;
import io.frameguard.detection.SourceState;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.drift.DriftPolicy;
import io.frameguard.drift.DriftProcessor;
import io.frameguard.drift.DriftState;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.SourceMinute;
import io.frameguard.events.Topic;
import io.frameguard.events.Topics;
import io.frameguard.memory.MemoryFollower;
import io.frameguard.metrics.FrameguardMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The detector's Kafka Streams topology, the one the service runs: one stream of {@code scores} into detection
 * ({@link DetectorProcessor}: the rolling threshold, to {@code anomalies}, each anomaly's incident to the memory topic,
 * and each source's minutes to the history topic) and after it drift ({@link DriftProcessor}: validation ranks per
 * window of the frames outside fault episodes, which the detector passes on, to {@code drift}), each with changelogged
 * per-source state stores. Scores are keyed by source, so each source's frames are judged in order, by both, in one
 * task. A third processor ({@link IdleSourceExpiry}) removes the state of sources that stopped sending.
 */
@ApplicationScoped
public class TopologyProducer {

    /** Per source: the rolling threshold and the k-of-n window ({@link SourceState}). */
    public static final String THRESHOLD_STORE = "source-thresholds";
    /** Per source: the open drift window ({@link DriftState}). */
    public static final String DRIFT_STORE = "source-drift";
    /** Per source: its latest incident ({@link IncidentPolicy.OpenIncident}), which a new anomaly may join. */
    public static final String INCIDENT_STORE = "source-incidents";
    /** Per source: when its last score was processed (wall clock, ms), for {@link IdleSourceExpiry}. */
    public static final String LAST_SEEN_STORE = "source-last-seen";
    static final String DETECTOR = "detector";
    static final String EVENTS = "events";
    static final String MEMORY = "memory";
    static final String HISTORY = "history";
    static final String DRIFT = "drift";
    static final String EXPIRY = "idle-source-expiry";
    static final String JUDGEABLE = "judgeable-scores";
    static final String OUTSIDE_EPISODES = "outside-fault-episodes";

    @Inject
    FrameguardConfig config;

    @Inject
    FrameguardMetrics metrics;

    @Inject
    MemoryFollower memory;

    @Produces
    public Topology topology() {
        return build(Topics.from(config.topics()), ThresholdPolicy.from(config.detector()), IncidentPolicy.from(config.memory()),
                DriftPolicy.from(config.drift()), config.detector().idleSourceExpiry(), memory, metrics);
    }

    /** @param idleExpiry how long a source may send nothing before its state is removed; zero keeps it forever */
    public static Topology build(Topics topics, ThresholdPolicy threshold, DriftPolicy drift, Duration idleExpiry,
            FrameguardMetrics metrics) {
        return build(topics, threshold, IncidentPolicy.DEFAULT, drift, idleExpiry, PastAnomalies.NONE, metrics);
    }

    /**
     * @param incidents when a new anomaly joins its source's latest incident
     * @param memory what past anomalies say about a new one (attached to its event)
     */
    public static Topology build(Topics topics, ThresholdPolicy threshold, IncidentPolicy incidents, DriftPolicy drift,
            Duration idleExpiry, PastAnomalies memory, FrameguardMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, ScoreBatch> scores = builder.stream(topics.scores().name(),
                Consumed.with(topics.scores().keySerde(), topics.scores().valueSerde()))
                .filter(TopologyProducer::judgeable, Named.as(JUDGEABLE));
        addStore(builder, DRIFT_STORE, DriftState.SERDE.serde());
        addStore(builder, THRESHOLD_STORE, SourceState.SERDE.serde());
        addStore(builder, INCIDENT_STORE, IncidentPolicy.OpenIncident.SERDE.serde());
        KStream<String, Object> detected = scores.process(
                () -> new DetectorProcessor(threshold, incidents, memory, metrics, THRESHOLD_STORE, INCIDENT_STORE),
                Named.as(DETECTOR), THRESHOLD_STORE, INCIDENT_STORE);
        // the detector forwards each anomaly's event and its incident's memory entry: one to each topic
        detected.split(Named.as(DETECTOR + "-"))
                .branch((k, v) -> v instanceof AnomalyEvent, Branched.withConsumer(s -> to(s, AnomalyEvent.class, topics.anomalies()),
                        EVENTS))
                .branch((k, v) -> v instanceof MemoryEntry, Branched.withConsumer(s -> to(s, MemoryEntry.class, topics.memory()),
                        MEMORY))
                .branch((k, v) -> v instanceof SourceMinute, Branched.withConsumer(s -> to(s, SourceMinute.class, topics.history()),
                        HISTORY))
                // and the scores of frames outside fault episodes, to the drift monitor: a lasting fault is no drift
                .branch((k, v) -> v instanceof ScoreBatch, Branched.withConsumer(s -> s.mapValues(ScoreBatch.class::cast)
                        .process(() -> new DriftProcessor(drift, metrics, DRIFT_STORE), Named.as(DRIFT), DRIFT_STORE)
                        .to(topics.drift().name(), Produced.with(topics.drift().keySerde(), topics.drift().valueSerde())),
                        OUTSIDE_EPISODES));
        if (!idleExpiry.isZero()) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LAST_SEEN_STORE), Serdes.String(),
                    Serdes.Long()).withCachingEnabled());
            // in the same sub-topology as the two branches, so it reaches their stores in the same task
            scores.process(() -> new IdleSourceExpiry(idleExpiry, metrics, List.of(THRESHOLD_STORE, DRIFT_STORE, INCIDENT_STORE)),
                    Named.as(EXPIRY), LAST_SEEN_STORE, THRESHOLD_STORE, DRIFT_STORE, INCIDENT_STORE);
        }
        return builder.build();
    }

    /**
     * Whether a score record holds scores (a record without a value holds none). One that names no source, by its key or
     * inside, cannot be judged (no source's state to judge it with; a store refuses a null key) and is refused
     * ({@link UnjudgeableScore}: {@link DetectorDeadLetters} dead-letters it and the detector goes on). The scorer
     * always writes both; such a record is written by hand.
     */
    static boolean judgeable(String key, ScoreBatch batch) {
        if (batch != null && key == null && batch.source() == null) {
            throw new UnjudgeableScore(UnjudgeableScore.WITHOUT_SOURCE, "a score record with neither key nor source (at frame "
                    + batch.scores().get(0).frame() + "): its scores cannot be attributed to a source");
        }
        return batch != null;
    }

    private static <S> void addStore(StreamsBuilder builder, String store, Serde<S> stateSerde) {
        // Cached: Streams then writes a source's state to the store and its changelog once per commit, not per frame.
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(), stateSerde)
                .withCachingEnabled());
    }

    private static <V> void to(KStream<String, Object> stream, Class<V> type, Topic<String, V> output) {
        stream.mapValues(type::cast).to(output.name(), Produced.with(output.keySerde(), output.valueSerde()));
    }
}
