package io.frameguard.memory;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.Recollection;
import io.frameguard.events.Signature;
import io.frameguard.events.Verdict;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one replica remembers of past anomalies: the events it has read (newest {@code maxEntries}), the operators'
 * verdicts on them, and an index of their signatures ({@link MemoryIndex}). Every replica reads the same topics, so
 * every replica remembers the same and answers the same. Thread-safe: one follower writes, API threads read.
 */
public final class AnomalyMemory implements AutoCloseable {

    /** A past anomaly as the memory answers it, with its latest verdict (null when none). */
    public record Remembered(AnomalyEvent event, Verdict verdict) {}

    private final int maxEntries;
    private final LinkedHashMap<String, AnomalyEvent> events = new LinkedHashMap<>();
    private final Map<String, Verdict> verdicts = new HashMap<>();
    private final MemoryIndex index = new MemoryIndex();
    /** Closed at shutdown, possibly while the detector still asks: it then hears nothing, rather than an error. */
    private boolean closed;

    /** @param maxEntries events kept; the oldest read is forgotten first */
    public AnomalyMemory(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** Remembers an event (the same event again replaces it). */
    public synchronized void remember(AnomalyEvent event) {
        if (closed || event == null || event.eventId() == null) {
            return;
        }
        events.remove(event.eventId());
        events.put(event.eventId(), event);
        if (event.signature() != null && event.signature().values() != null) {
            index.put(new MemoryIndex.Entry(event.eventId(), event.source(), event.signature().kind(), event.signature().values()));
        }
        while (events.size() > maxEntries) {
            String oldest = events.keySet().iterator().next();
            events.remove(oldest);
            index.remove(oldest);
            verdicts.remove(oldest);
        }
    }

    /** Takes the latest verdict on an event (null: the verdict was deleted). */
    public synchronized void verdict(String eventId, Verdict verdict) {
        if (verdict == null) {
            verdicts.remove(eventId);
        } else if (eventId.equals(verdict.eventId()) && verdict.problem() == null) {
            verdicts.put(eventId, verdict);
        }
    }

    public synchronized Optional<Remembered> get(String eventId) {
        AnomalyEvent e = events.get(eventId);
        return e == null ? Optional.empty() : Optional.of(new Remembered(e, verdicts.get(eventId)));
    }

    /**
     * The {@code k} remembered anomalies most like {@code eventId}'s (same signature kind), nearest first, itself left out.
     *
     * @return empty when the event is not remembered; an empty list when it has no signature
     */
    public synchronized Optional<List<Recollection.SimilarAnomaly>> similar(String eventId, int k) {
        AnomalyEvent e = events.get(eventId);
        if (e == null || closed) {
            return Optional.empty();
        }
        return Optional.of(e.signature() == null || e.signature().values() == null ? List.of() : nearest(e, k));
    }

    /** The {@code k} remembered anomalies nearest to {@code e}'s signature (any source, itself left out), with verdicts. */
    private List<Recollection.SimilarAnomaly> nearest(AnomalyEvent e, int k) {
        List<Recollection.SimilarAnomaly> out = new ArrayList<>();
        for (MemoryIndex.Neighbour n : index.nearest(e.signature().kind(), e.signature().values(), k, Optional.empty(),
                Set.of(e.eventId()))) {
            AnomalyEvent other = events.get(n.eventId());
            Verdict v = verdicts.get(n.eventId());
            out.add(new Recollection.SimilarAnomaly(n.eventId(), n.similarity(), n.source(),
                    other == null ? 0 : other.detectedTimestamp(), v == null ? null : v.verdict(), v == null ? null : v.label()));
        }
        return out;
    }

    /** Past anomalies of the same source at least this similar needed before a new one is suppressed. */
    static final int SUPPRESS_MIN = 2;

    /**
     * What the memory says about a new event (not remembered yet): its {@code k} nearest past anomalies; the label that
     * the confirmed ones at least {@code recogniseSimilarity} similar agree on; and whether its source's past
     * anomalies at least {@code suppressSimilarity} similar (0: never) are at least {@value #SUPPRESS_MIN} and all false
     * alarms.
     */
    public synchronized Recollection recall(AnomalyEvent e, int k, double recogniseSimilarity, double suppressSimilarity) {
        Signature sig = e.signature();
        if (closed || sig == null || sig.values() == null || k == 0) {
            return Recollection.NONE;
        }
        List<Recollection.SimilarAnomaly> similar = nearest(e, k);
        List<Recollection.SimilarAnomaly> confirmed = similar.stream().filter(s -> s.similarity() >= recogniseSimilarity
                && Verdict.CONFIRMED.equals(s.verdict()) && s.label() != null).toList();
        Recollection.Recognition recognised = !confirmed.isEmpty()
                && confirmed.stream().map(Recollection.SimilarAnomaly::label).distinct().count() == 1
                ? new Recollection.Recognition(confirmed.get(0).label(),
                        confirmed.stream().map(Recollection.SimilarAnomaly::eventId).toList())
                : null;
        Recollection.Suppression suppressed = null;
        if (suppressSimilarity > 0) {
            List<MemoryIndex.Neighbour> sameSource = index.nearest(sig.kind(), sig.values(), k, Optional.of(e.source()),
                    Set.of(e.eventId())).stream().filter(n -> n.similarity() >= suppressSimilarity).toList();
            boolean allFalseAlarms = sameSource.stream().allMatch(n -> {
                Verdict v = verdicts.get(n.eventId());
                return v != null && v.falseAlarm();
            });
            if (sameSource.size() >= SUPPRESS_MIN && allFalseAlarms) {
                suppressed = new Recollection.Suppression(sameSource.stream().map(MemoryIndex.Neighbour::eventId).toList());
            }
        }
        return new Recollection(similar, recognised, suppressed);
    }

    /** The newest remembered anomalies, newest first: of one source when given, detected at or after {@code since}. */
    public synchronized List<Remembered> recent(Optional<String> source, long since, int limit) {
        return events.values().stream()
                .filter(e -> source.isEmpty() || source.get().equals(e.source()))
                .filter(e -> e.detectedTimestamp() >= since)
                .sorted(Comparator.comparingLong(AnomalyEvent::detectedTimestamp).reversed())
                .limit(limit)
                .map(e -> new Remembered(e, verdicts.get(e.eventId())))
                .toList();
    }

    public synchronized int size() {
        return events.size();
    }

    @Override
    public synchronized void close() throws java.io.IOException {
        closed = true;
        index.close();
    }
}
