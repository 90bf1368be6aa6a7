package io.frameguard.detection;

import io.frameguard.events.SourceMinute;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Recollection;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Applies the {@link ThresholdPolicy} to each score with the source's stored state. For each anomaly it forwards the
 * {@link AnomalyEvent} (key = source); for each incident that a score record's anomalies opened or grew, the
 * {@link MemoryEntry} as the record left it (key = incident id; it carries the latest event's picture): an entry holds
 * the whole incident, so a record's earlier entries of it would each be one more record for the broker and for every
 * replica's memory to read, and the compacted topic keeps the last anyway. And every
 * {@value #HISTORY_EVERY_SECONDS} s (wall clock) each source's minute so far as a {@link SourceMinute} (key = source):
 * its frames, highest and mean score, threshold and anomalies; a minute that ended is forwarded once more, then
 * dropped. The minutes are kept in this task's memory: a rebalance or a crash loses the minute running (the history is
 * for charts, not accounting).
 *
 * <p>Last, the scores of the record's frames outside its source's fault episodes ({@link ThresholdPolicy#exceedingLately}
 * after the frame: by the newest 64 frames, so that a drift after a fault shows as soon as they are normal), as a {@link ScoreBatch} (key = source), for the drift monitor: a fault that lasts is reported as
 * anomalies, and counted as drift it would also send the trainer to retrain on frames that leave the fault out
 * (the trainer's data leaves out fault episodes too, by the rule that starts one, read both ways).
 */
public final class DetectorProcessor implements Processor<String, ScoreBatch, String, Object> {

    private static final Logger LOG = Logger.getLogger(DetectorProcessor.class);
    private final ThresholdPolicy policy;
    private final IncidentPolicy incidents;
    private final PastAnomalies memory;
    private final FrameguardMetrics metrics;
    /**
     * The sources whose gauge this task set, at most the metrics' per-source series ({@code frameguard.metrics.max-sources}):
     * removed when the task closes, so that a replica exports only the sources it judges now.
     */
    private final java.util.Set<String> gauged = new java.util.HashSet<>();
    private final String storeName;
    private final String incidentStoreName;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, SourceState> store;
    private KeyValueStore<String, IncidentPolicy.OpenIncident> incidentStore;
    /** How often each source's minute so far goes to the history topic. */
    static final int HISTORY_EVERY_SECONDS = 10;
    /** Each source's minute running. */
    private final Map<String, Minute> minutes = new HashMap<>();

    /** A source's scores in one minute, added up as they come. */
    private static final class Minute {
        final long start;
        long frames;
        double max = Double.NEGATIVE_INFINITY;
        double sum;
        double threshold;
        long anomalies;
        String modelVersion;

        Minute(long start) {
            this.start = start;
        }

        SourceMinute record(String source) {
            return new SourceMinute(SourceMinute.SCHEMA_VERSION, source, start, frames, max, sum / frames, threshold, anomalies,
                    modelVersion);
        }
    }

    /**
     * Keeps each source's state in the store {@code storeName} and its latest incident in {@code incidentStoreName}.
     *
     * @param memory what past anomalies say about a new one (this replica's anomaly memory, or {@link PastAnomalies#NONE})
     */
    public DetectorProcessor(ThresholdPolicy policy, IncidentPolicy incidents, PastAnomalies memory, FrameguardMetrics metrics,
            String storeName, String incidentStoreName) {
        this.storeName = storeName;
        this.incidentStoreName = incidentStoreName;
        this.policy = policy;
        this.incidents = incidents;
        this.memory = memory;
        this.metrics = metrics;
    }

    @Override
    public void close() {
        metrics.thresholdsLeft(gauged);
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.incidentStore = context.getStateStore(incidentStoreName);
        context.schedule(Duration.ofSeconds(HISTORY_EVERY_SECONDS), PunctuationType.WALL_CLOCK_TIME, this::writeHistory);
    }

    /** Each source's minute so far to the history; the minutes that ended, a last time. */
    private void writeHistory(long now) {
        long current = now - now % SourceMinute.MINUTE_MS;
        for (var it = minutes.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            forwardMinute(e.getKey(), e.getValue());
            if (e.getValue().start < current) {
                it.remove();
            }
        }
    }

    private void forwardMinute(String source, Minute m) {
        context.forward(new Record<>(source, m.record(source), m.start + SourceMinute.MINUTE_MS - 1));
    }

    /** Adds a judged score to its source's minute (the detector's clock), the minute before written if it ended. */
    private void addToHistory(String source, ScoreRecord s, ThresholdPolicy.Decision d) {
        long now = context.currentSystemTimeMs();
        long start = now - now % SourceMinute.MINUTE_MS;
        Minute m = minutes.get(source);
        if (m == null || m.start != start) {
            if (m != null) {
                forwardMinute(source, m);
            }
            m = new Minute(start);
            minutes.put(source, m);
        }
        m.frames++;
        m.max = Math.max(m.max, s.score());
        m.sum += s.score();
        m.threshold = d.threshold();
        m.anomalies += d.anomaly() ? 1 : 0;
        m.modelVersion = s.modelVersion();
    }

    /**
     * What the memory says about the event; nothing when asking it fails: the memory only adds to an event, so a fault
     * in it must not stop the detection (the stream thread would die on the exception).
     */
    private Recollection recall(AnomalyEvent event) {
        try {
            return memory.recall(event);
        } catch (RuntimeException e) {
            LOG.warnf(e, "the anomaly memory failed on event %s; published without what it recalls", event.eventId());
            return Recollection.NONE;
        }
    }

    /**
     * Judges a record's scores in order with the source's state, read once and written once per record (a record holds
     * all of the source's frames of a scorer batch).
     */
    @Override
    public void process(Record<String, ScoreBatch> record) {
        ScoreBatch batch = record.value();
        if (batch == null) {
            return;
        }
        String source = record.key() != null ? record.key() : batch.source();
        SourceState state = null;
        boolean judged = false;
        IncidentPolicy.OpenIncident incident = null;
        boolean incidentChanged = false;
        Record<String, Object> entry = null; // the latest incident's entry, not forwarded yet
        List<ScoreRecord> outsideEpisodes = new ArrayList<>(batch.size());
        for (ScoreRecord s : batch.scores()) {
            if (s.modelVersion() == null || s.frame() == null || !Double.isFinite(s.score())) {
                // a score that is no number says nothing about the source (the scorer dead-letters such frames); one
                // without its frame (not the scorer's) could not name its event
                continue;
            }
            if (!judged) {
                state = store.get(source);
                judged = true;
            }
            boolean wasEpisode = state != null && state.episode();
            ThresholdPolicy.Decision d = policy.evaluate(state, s.modelVersion(), s.modelThreshold(), s.modelMedian(), s.score());
            state = d.next();
            addToHistory(source, s, d);
            if (!ThresholdPolicy.exceedingLately(wasEpisode, state.recent())) {
                outsideEpisodes.add(s);
            }
            if (d.anomaly()) {
                IncidentPolicy.OpenIncident before = incidentChanged ? incident : incidentStore.get(source);
                Reported reported = report(source, s, d, before, s.captureTimestamp() >= 0 ? s.captureTimestamp() : record.timestamp());
                incident = reported.incident();
                if (entry != null && !entry.key().equals(incident.id())) {
                    context.forward(entry); // the record's anomalies left that incident: it stands as it is
                }
                // timestamped when detected: the memory topic's retention counts from the incident's last event
                entry = new Record<>(incident.id(), new MemoryEntry(MemoryEntry.SCHEMA_VERSION, incident.incident(), source,
                        incident.lastSeen(), incident.members(), reported.event(), s.picture()), incident.lastSeen());
                incidentChanged = true;
            }
        }
        if (entry != null) {
            context.forward(entry);
        }
        if (judged) {
            store.put(source, state);
            if (metrics.threshold(source, state.threshold())) {
                gauged.add(source);
            }
        }
        if (incidentChanged) {
            incidentStore.put(source, incident);
        }
        if (!outsideEpisodes.isEmpty()) {
            context.forward(new Record<>(source, outsideEpisodes.size() == batch.size() ? batch : new ScoreBatch(outsideEpisodes),
                    record.timestamp()));
        }
    }

    /** An anomaly's event, as forwarded, and the incident it belongs to now. */
    private record Reported(AnomalyEvent event, IncidentPolicy.OpenIncident incident) {}

    /**
     * Forwards the event of an anomalous score.
     *
     * @param open the source's latest incident (null: none)
     * @param timestamp the event record's timestamp: its frame's
     * @return the event and the incident it belongs to, the source's latest now
     */
    private Reported report(String source, ScoreRecord s, ThresholdPolicy.Decision d, IncidentPolicy.OpenIncident open,
            long timestamp) {
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
                null, null, null, null);
        IncidentPolicy.OpenIncident incident = incidents.next(open, event, ThresholdPolicy.exceedingNow(d.next().recent()));
        event = event.in(incident.incident());
        Recollection recalled = recall(event);
        event = event.with(recalled);
        if (recalled.recognisedAs() != null) {
            metrics.anomalyRecognised();
        }
        if (recalled.suppressed() != null) {
            metrics.anomalySuppressed();
        }
        metrics.anomaly(source, severity, now - s.captureTimestamp());
        context.forward(new Record<>(source, event, timestamp));
        return new Reported(event, incident);
    }
}
