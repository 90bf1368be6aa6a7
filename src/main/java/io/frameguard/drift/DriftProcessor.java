package io.frameguard.drift;

import io.frameguard.events.DriftEvent;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Applies the {@link DriftPolicy} to each score the detector passes on (frames outside their source's fault episodes)
 * with the source's stored window; forwards drift transitions.
 */
public final class DriftProcessor implements Processor<String, ScoreBatch, String, DriftEvent> {

    private final DriftPolicy policy;
    private final FrameguardMetrics metrics;
    /**
     * The sources whose gauge this task set, at most the metrics' per-source series ({@code frameguard.metrics.max-sources}):
     * removed when the task closes, so that a replica exports only the sources it judges now.
     */
    private final java.util.Set<String> gauged = new java.util.HashSet<>();
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
    public void close() {
        metrics.driftLeft(gauged);
    }

    /** Adds a record's scores in order to the source's window, read once and written once per record. */
    @Override
    public void process(Record<String, ScoreBatch> record) {
        ScoreBatch batch = record.value();
        if (batch == null) {
            return;
        }
        String source = record.key() != null ? record.key() : batch.source();
        Window window = null;
        for (ScoreRecord s : batch.scores()) {
            if (s.modelVersion() == null || s.validationRank() == null || !Double.isFinite(s.validationRank())) {
                continue; // models without a validation sketch give no ruler to measure drift with
            }
            if (window == null) {
                window = new Window(store.get(source));
            }
            window.add(source, s, s.captureTimestamp() >= 0 ? s.captureTimestamp() : record.timestamp());
        }
        if (window != null) {
            store.put(source, window.state());
        }
    }

    /**
     * A source's window while a record's scores are added to it: the stored state's counts are copied once per record
     * (a record holds a source's frames of a scorer batch), not once per score.
     */
    private final class Window {
        private String modelVersion;
        private long[] counts;
        private long frames;
        private long start;
        private boolean drifting;
        private double lastPsi;

        Window(DriftState stored) {
            if (stored != null) {
                load(stored);
            }
        }

        private void load(DriftState state) {
            modelVersion = state.modelVersion();
            counts = state.counts().clone();
            frames = state.frames();
            start = state.windowStartTs();
            drifting = state.drifting();
            lastPsi = state.lastPsi();
        }

        /** Adds {@code s}; a drift transition forwarded when it completes the window. */
        void add(String source, ScoreRecord s, long timestamp) {
            if (counts == null || !s.modelVersion().equals(modelVersion)) {
                // a new model ranks against its own validation scores: its window starts empty; a drift episode goes on
                // until a window of it does not drift (a model trained on the drifted frames ends it: recovered)
                boolean episode = counts != null && drifting;
                load(DriftState.fresh(s.modelVersion()));
                drifting = episode;
            }
            counts[DriftPolicy.bin(s.validationRank())]++;
            frames++;
            if (start < 0) {
                start = s.captureTimestamp();
            }
            if (frames < policy.windowFrames()) {
                return;
            }
            double psi = DriftPolicy.psi(counts);
            boolean nowDrifting = psi >= policy.psiThreshold();
            if (metrics.drift(source, psi)) {
                gauged.add(source);
            }
            // a drift episode carried over to a new model (its first window yet to end: no PSI of its own) is said again
            // if that window drifts too, naming the new model, whose drift is what the trainer acts on
            boolean carried = drifting && Double.isNaN(lastPsi);
            if (nowDrifting != drifting || carried) {
                String status = nowDrifting ? DriftEvent.DRIFT : DriftEvent.RECOVERED;
                metrics.driftEvent(source, status);
                context.forward(new Record<>(source, new DriftEvent(DriftEvent.SCHEMA_VERSION, source, status, psi,
                        policy.psiThreshold(), s.modelVersion(), frames, DriftPolicy.shares(counts), start, s.captureTimestamp(),
                        System.currentTimeMillis()), timestamp));
            }
            drifting = nowDrifting;
            lastPsi = psi;
            restart();
        }

        private void restart() {
            counts = new long[DriftPolicy.BINS];
            frames = 0;
            start = -1;
        }

        DriftState state() {
            return new DriftState(modelVersion, counts, start, drifting, lastPsi);
        }
    }
}
