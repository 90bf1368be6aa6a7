package io.frameguard.detection;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.streams.TopologyProducer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The detector asks Streams to commit when it emits an anomaly (so the event reaches read_committed readers without
 * waiting for the commit interval), and only then: normal frames leave the commit to the interval.
 */
class DetectorCommitTest {

    @Test
    void anAnomalyRequestsACommitANormalFrameDoesNot() {
        MockProcessorContext<String, Object> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_000_000);
        addStore(context, TopologyProducer.THRESHOLD_STORE, SourceState.SERDE.serde());
        addStore(context, TopologyProducer.INCIDENT_STORE, IncidentPolicy.OpenIncident.SERDE.serde());
        DetectorProcessor detector = new DetectorProcessor(new ThresholdPolicy(0, 0.5, 2.0, 1, 1), IncidentPolicy.DEFAULT,
                PastAnomalies.NONE, new FrameguardMetrics(new SimpleMeterRegistry(), 10), TopologyProducer.THRESHOLD_STORE,
                TopologyProducer.INCIDENT_STORE);
        detector.init(context);

        for (int i = 0; i < 50; i++) {
            detector.process(score(i, 0.5));
        }
        assertThat(context.forwarded()).isEmpty();
        assertThat(context.committed()).as("normal frames leave the commit to the interval").isFalse();

        detector.process(score(50, 5.0));
        assertThat(context.forwarded()).as("the event and its incident").hasSize(2);
        assertThat(context.committed()).as("an anomaly asks for a commit at once").isTrue();

        context.resetCommit();
        context.resetForwards();
        detector.process(score(51, 0.5));
        assertThat(context.committed()).isFalse();
    }

    private static Record<String, ScoreRecord> score(long offset, double score) {
        return new Record<>("pump-1", new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-1", new FrameRef("frames", 0, offset), 1000 + offset,
                1005 + offset, score, 1.0, "m1", null, null, null, 1, 1), 1000 + offset);
    }

    private static <V> void addStore(MockProcessorContext<String, Object> context, String name,
            org.apache.kafka.common.serialization.Serde<V> serde) {
        KeyValueStore<String, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), serde)
                .withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
    }
}
