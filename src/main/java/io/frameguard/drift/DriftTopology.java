package io.frameguard.drift;

import io.frameguard.kafka.JsonSerde;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.scoring.ScoreRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * The drift branch of the detector's topology: scores to the drift topic through one changelogged per-source
 * store. {@link io.frameguard.detection.DetectorTopology} adds it next to the anomaly branch, off the same
 * scores stream, so both judge each source's frames in order in the same task.
 */
public final class DriftTopology {

    public static final String DRIFT_STORE = "source-drift";
    static final String PROCESSOR = "drift";
    public static final JsonSerde<DriftEvent> EVENT_SERDE = new JsonSerde<>(DriftEvent.class);

    private DriftTopology() {}

    public static void addTo(StreamsBuilder builder, KStream<String, ScoreRecord> scores, String driftTopic,
            DriftPolicy policy, FrameguardMetrics metrics) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(DRIFT_STORE), Serdes.String(), DriftState.SERDE.serde()).withCachingEnabled());
        scores.process(() -> new DriftProcessor(policy, metrics), Named.as(PROCESSOR), DRIFT_STORE)
                .to(driftTopic, Produced.with(Serdes.String(), EVENT_SERDE));
    }
}
