package io.frameguard.drift;

import io.frameguard.events.DriftEvent;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/** Applies the {@link DriftPolicy} to each score with the source's stored window; forwards drift transitions. */
public final class DriftProcessor implements Processor<String, ScoreBatch, String, DriftEvent> {

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

    /** Adds a record's scores in order to the source's window, read once and written once per record. */
    @Override
    public void process(Record<String, ScoreBatch> record) {
        ScoreBatch batch = record.value();
        if (batch == null) {
            return;
        }
        String source = record.key() != null ? record.key() : batch.source();
        DriftState state = null;
        boolean read = false;
        for (ScoreRecord s : batch.scores()) {
            if (s.modelVersion() == null || s.validationRank() == null || !Double.isFinite(s.validationRank())) {
                continue; // models without a validation sketch give no ruler to measure drift with
            }
            if (!read) {
                state = store.get(source);
                read = true;
            }
            state = add(source, state, s, s.captureTimestamp() >= 0 ? s.captureTimestamp() : record.timestamp());
        }
        if (read) {
            store.put(source, state);
        }
    }

    /** The window after {@code s}; a drift transition forwarded when it completes the window. */
    private DriftState add(String source, DriftState state, ScoreRecord s, long timestamp) {
        if (state == null || !s.modelVersion().equals(state.modelVersion())) {
            state = DriftState.fresh(s.modelVersion());
        }
        long[] counts = state.counts().clone();
        counts[DriftPolicy.bin(s.validationRank())]++;
        long start = state.windowStartTs() < 0 ? s.captureTimestamp() : state.windowStartTs();
        long frames = state.frames() + 1;
        if (frames < policy.windowFrames()) {
            return new DriftState(state.modelVersion(), counts, start, state.drifting(), state.lastPsi());
        }
        double psi = DriftPolicy.psi(counts);
        boolean drifting = psi >= policy.psiThreshold();
        metrics.drift(source, psi);
        if (drifting != state.drifting()) {
            String status = drifting ? DriftEvent.DRIFT : DriftEvent.RECOVERED;
            metrics.driftEvent(source, status);
            context.forward(new Record<>(source, new DriftEvent(DriftEvent.SCHEMA_VERSION, source, status, psi,
                    policy.psiThreshold(), s.modelVersion(), frames, DriftPolicy.shares(counts), start, s.captureTimestamp(),
                    System.currentTimeMillis()), timestamp));
        }
        return new DriftState(state.modelVersion(), new long[DriftPolicy.BINS], -1, drifting, psi);
    }
}
