package io.frameguard.drift;

import io.frameguard.events.DriftEvent;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Applies the {@link DriftPolicy} to each score with the source's stored window; forwards drift transitions. */
public final class DriftProcessor implements Processor<String, ScoreRecord, String, DriftEvent> {

    private final DriftPolicy policy;
    private final FrameguardMetrics metrics;
    private final String storeName;
    private ProcessorContext<String, DriftEvent> context;
    private KeyValueStore<String, DriftState> store;

    /** Keeps each source's state in the store {@code storeName}. */
    public DriftProcessor(DriftPolicy policy, FrameguardMetrics metrics, String storeName) {
        this.storeName = storeName;
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, DriftEvent> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<String, ScoreRecord> record) {
        ScoreRecord s = record.value();
        if (s == null || s.modelVersion() == null || s.validationRank() == null || !Double.isFinite(s.validationRank())) {
            return; // models without a validation sketch give no ruler to measure drift with
        }
        String source = record.key() != null ? record.key() : s.source();
        DriftState state = store.get(source);
        if (state == null || !s.modelVersion().equals(state.modelVersion())) {
            state = DriftState.fresh(s.modelVersion());
        }
        long[] counts = state.counts().clone();
        counts[DriftPolicy.bin(s.validationRank())]++;
        long start = state.windowStartTs() < 0 ? s.captureTimestamp() : state.windowStartTs();
        long frames = state.frames() + 1;
        if (frames < policy.windowFrames()) {
            store.put(source, new DriftState(state.modelVersion(), counts, start, state.drifting(), state.lastPsi()));
            return;
        }
        double psi = DriftPolicy.psi(counts);
        boolean drifting = psi >= policy.psiThreshold();
        metrics.drift(source, psi);
        store.put(source, new DriftState(state.modelVersion(), new long[DriftPolicy.BINS], -1, drifting, psi));
        if (drifting != state.drifting()) {
            String status = drifting ? DriftEvent.DRIFT : DriftEvent.RECOVERED;
            metrics.driftEvent(source, status);
            context.forward(new Record<>(source, new DriftEvent(DriftEvent.SCHEMA_VERSION, source, status, psi,
                    policy.psiThreshold(), s.modelVersion(), frames, DriftPolicy.shares(counts), start, s.captureTimestamp(),
                    System.currentTimeMillis()), record.timestamp()));
        }
    }
}
