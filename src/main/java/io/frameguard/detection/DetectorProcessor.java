package io.frameguard.detection;

import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.scoring.ScoreRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Applies the {@link ThresholdPolicy} to each score with the source's stored state; forwards anomalies. */
final class DetectorProcessor implements Processor<String, ScoreRecord, String, AnomalyEvent> {

    /** Explanation kind of sensor frames. */

    private final ThresholdPolicy policy;
    private final FrameguardMetrics metrics;
    private ProcessorContext<String, AnomalyEvent> context;
    private KeyValueStore<String, SourceState> store;

    DetectorProcessor(ThresholdPolicy policy, FrameguardMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, AnomalyEvent> context) {
        this.context = context;
        this.store = context.getStateStore(DetectorTopology.THRESHOLD_STORE);
    }

    @Override
    public void process(Record<String, ScoreRecord> record) {
        ScoreRecord s = record.value();
        if (s == null || s.modelVersion() == null) {
            return;
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
                s.topic() + "/" + s.partition() + "/" + s.offset(),
                source,
                new AnomalyEvent.FrameRef(s.topic(), s.partition(), s.offset()),
                s.captureTs(),
                s.scoredTs(),
                now,
                s.score(),
                d.threshold(),
                s.modelThreshold(),
                s.modelVersion(),
                severity,
                new AnomalyEvent.Window(policy.k(), policy.n(), d.exceededInWindow()),
                AnomalyEvent.Explanation.of(s));
        metrics.anomaly(source, severity, now - s.captureTs());
        context.forward(new Record<>(source, event, record.timestamp()));
    }
}
