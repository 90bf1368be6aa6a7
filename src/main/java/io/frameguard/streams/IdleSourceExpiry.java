package io.frameguard.streams;

import io.frameguard.events.ScoreBatch;
import io.frameguard.metrics.FrameguardMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forgets sources that stopped sending: a source with no score processed for {@code frameguard.detector.idle-source-expiry}
 * (wall-clock time, so a producer's timestamps cannot make sources expire) loses its state in every per-source store,
 * which writes a tombstone for it to each store's changelog. Without this, every key ever seen (cameras replaced,
 * random keys from a faulty producer) would stay in RocksDB and the changelogs forever.
 *
 * <p>The time each source was last seen is a store of its own ({@link TopologyProducer#LAST_SEEN_STORE}, changelogged
 * like the others, so restarts keep it). A source that comes back after expiring starts afresh from its model card's
 * threshold, as a new source does.
 */
final class IdleSourceExpiry implements Processor<String, ScoreBatch, Void, Void> {

    /** Longest time between two sweeps; shorter expiries sweep ten times per expiry, but at most once a second. */
    private static final Duration MAX_SWEEP_INTERVAL = Duration.ofMinutes(10);
    private static final Duration MIN_SWEEP_INTERVAL = Duration.ofSeconds(1);

    private final Duration expiry;
    private final FrameguardMetrics metrics;
    private final List<String> stateStores;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, Long> lastSeen;
    private List<KeyValueStore<String, ?>> states;

    /** @param stateStores the per-source stores whose entries expire with the source */
    IdleSourceExpiry(Duration expiry, FrameguardMetrics metrics, List<String> stateStores) {
        this.expiry = expiry;
        this.metrics = metrics;
        this.stateStores = stateStores;
    }

    static Duration sweepInterval(Duration expiry) {
        Duration tenth = expiry.dividedBy(10);
        return tenth.compareTo(MIN_SWEEP_INTERVAL) < 0 ? MIN_SWEEP_INTERVAL
                : tenth.compareTo(MAX_SWEEP_INTERVAL) > 0 ? MAX_SWEEP_INTERVAL : tenth;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.lastSeen = context.getStateStore(TopologyProducer.LAST_SEEN_STORE);
        this.states = stateStores.stream().<KeyValueStore<String, ?>>map(context::getStateStore).toList();
        context.schedule(sweepInterval(expiry), PunctuationType.WALL_CLOCK_TIME, this::sweep);
    }

    @Override
    public void process(Record<String, ScoreBatch> record) {
        String source = record.key() != null ? record.key() : record.value() != null ? record.value().source() : null;
        if (source != null) {
            lastSeen.put(source, context.currentSystemTimeMs());
        }
    }

    private void sweep(long now) {
        long cutoff = now - expiry.toMillis();
        List<String> idle = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = lastSeen.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> e = all.next();
                if (e.value != null && e.value < cutoff) {
                    idle.add(e.key);
                }
            }
        }
        for (String source : idle) {
            lastSeen.delete(source);
            states.forEach(s -> s.delete(source));
            metrics.sourceExpired(source);
        }
    }
}
