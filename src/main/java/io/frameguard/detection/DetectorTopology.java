package io.frameguard.detection;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.drift.DriftPolicy;
import io.frameguard.drift.DriftTopology;
import io.frameguard.kafka.JsonSerde;
import io.frameguard.kafka.Topics;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.scoring.ScoreRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The detector: a Kafka Streams topology from {@code scores} to {@code anomalies} with one changelogged
 * per-source state store holding the rolling threshold ({@link ThresholdPolicy} states the rule), and, off the
 * same stream, the drift monitor from {@code scores} to {@code drift} ({@link DriftTopology}). Scores are keyed
 * by source, so each source's frames are judged in order by one task.
 */
@ApplicationScoped
public class DetectorTopology {

    public static final String THRESHOLD_STORE = "source-thresholds";
    static final String PROCESSOR = "detector";

    public static final JsonSerde<ScoreRecord> SCORE_SERDE = new JsonSerde<>(ScoreRecord.class);
    public static final JsonSerde<AnomalyEvent> EVENT_SERDE = new JsonSerde<>(AnomalyEvent.class);

    @Inject
    FrameguardConfig config;

    @Inject
    FrameguardMetrics metrics;

    @Produces
    public Topology topology() {
        return build(Topics.from(config.topics()), ThresholdPolicy.from(config.detector()), DriftPolicy.from(config.drift()),
                metrics);
    }

    public static Topology build(Topics topics, ThresholdPolicy policy, DriftPolicy drift, FrameguardMetrics metrics) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(THRESHOLD_STORE), Serdes.String(), SourceState.SERDE.serde()).withCachingEnabled());
        KStream<String, ScoreRecord> scores = builder.stream(topics.scores(), Consumed.with(Serdes.String(), SCORE_SERDE));
        DriftTopology.addTo(builder, scores, topics.drift(), drift, metrics);
        scores.process(() -> new DetectorProcessor(policy, metrics), org.apache.kafka.streams.kstream.Named.as(PROCESSOR), THRESHOLD_STORE)
                .to(topics.anomalies(), Produced.with(Serdes.String(), EVENT_SERDE));
        return builder.build();
    }
}
