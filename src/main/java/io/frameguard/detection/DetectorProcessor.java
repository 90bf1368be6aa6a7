package io.frameguard.detection;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.Recollection;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Applies the {@link ThresholdPolicy} to each score with the source's stored state; forwards anomalies. */
public final class DetectorProcessor implements Processor<String, ScoreRecord, String, AnomalyEvent> {

    private final ThresholdPolicy policy;
    private final PastAnomalies memory;
    private final FrameguardMetrics metrics;
    private final String storeName;
    private ProcessorContext<String, AnomalyEvent> context;
    private KeyValueStore<String, SourceState> store;

    /**
     * Keeps each source's state in the store {@code storeName}.
     *
     * @param memory what past anomalies say about a new one (this replica's anomaly memory, or {@link PastAnomalies#NONE})
     */
    public DetectorProcessor(ThresholdPolicy policy, PastAnomalies memory, FrameguardMetrics metrics, String storeName) {
        this.storeName = storeName;
        this.policy = policy;
        this.memory = memory;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, AnomalyEvent> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, ScoreRecord> record) {
        ScoreRecord s = record.value();
        if (s == null || s.modelVersion() == null || !Double.isFinite(s.score())) {
            return; // a score that is no number says nothing about the source (the scorer dead-letters such frames)
        }
        String source = record.key() != null ? record.key() : s.source();
        ThresholdPolicy.Decision d = policy.evaluate(store.get(source), s.modelVersion(), s.modelThreshold(), s.score());
        store.put(source, d.next());
        metrics.threshold(source, d.next().threshold());
        if (!d.anomaly()) {
            return;
        }
        long now = System.currentTimeMillis();
        String severity = ThresholdPolicy.severity(s.score(), d.threshold());
        AnomalyEvent event = new AnomalyEvent(
                AnomalyEvent.SCHEMA_VERSION,
                s.frame().id(),
                source,
                s.frame(),
                s.captureTimestamp(),
                s.scoredTimestamp(),
                now,
                s.score(),
                d.threshold(),
                s.modelThreshold(),
                s.modelVersion(),
                severity,
                new AnomalyEvent.Window(policy.k(), policy.n(), d.exceededInWindow()),
                AnomalyEvent.Explanation.of(s),
                s.signature(),
                null, null, null);
        Recollection recalled = memory.recall(event);
        event = event.with(recalled);
        if (recalled.recognisedAs() != null) {
            metrics.anomalyRecognised();
        }
        if (recalled.suppressed() != null) {
            metrics.anomalySuppressed();
        }
        metrics.anomaly(source, severity, now - s.captureTimestamp());
        context.forward(new Record<>(source, event, record.timestamp()));
    }
}
