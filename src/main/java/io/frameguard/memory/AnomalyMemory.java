package io.frameguard.memory;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.DriftEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Recollection;
import io.frameguard.events.Signature;
import io.frameguard.events.SourceMinute;
import io.frameguard.events.Verdict;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import io.frameguard.frames.UntrustedText;
import org.jboss.logging.Logger;

/**
 * What one replica remembers of past anomalies: the incidents it has read from the memory topic (each with its latest
 * event, signature and picture; at most {@code maxEntries}, those seen longest ago forgotten first), the operators'
 * verdicts on their events, and an index of their signatures ({@link MemoryIndex}). Every replica reads the same
 * topics, so every replica remembers the same and answers the same. Thread-safe: one follower writes, API threads and
 * the detector read.
 *
 * <p>A verdict is given on one event; it holds for the event's incident (the latest verdict on any of its events, by
 * when it was given). An incident lists its first and newest events only; an event between them is its source's event
 * within the incident's offsets (a source's incidents follow one another), so a verdict on it, which names the frame's
 * source ({@link FrameSources}), holds for the incident too.
 */
public final class AnomalyMemory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AnomalyMemory.class);

    /** A remembered incident with the verdict that holds for it (null when none). */
    public record Remembered(MemoryEntry entry, Verdict verdict) {

        public AnomalyEvent event() {
            return entry.event();
        }

        /**
         * Where the incident stands for its operators: the verdict given on it ({@value Verdict#FALSE_ALARM},
         * {@value Verdict#CONFIRMED}), else {@value #SUPPRESSED} when the memory suppressed its latest event, else
         * {@value #UNJUDGED}.
         */
        public String status() {
            return verdict != null ? verdict.verdict() : entry.event().suppressed() != null ? SUPPRESSED : UNJUDGED;
        }
    }

    /** {@link Remembered#status()} of an incident nobody has judged and the memory did not suppress. */
    public static final String UNJUDGED = "unjudged";
    /** {@link Remembered#status()} of an incident whose latest event the memory suppressed (like past false alarms). */
    public static final String SUPPRESSED = "suppressed";
    /** Every {@link Remembered#status()}. */
    public static final List<String> STATUSES = List.of(UNJUDGED, Verdict.FALSE_ALARM, Verdict.CONFIRMED, SUPPRESSED);

    /**
     * Which incidents a listing wants; an empty or null field does not filter.
     *
     * @param source the source's id
     * @param since last seen at or after, epoch ms
     * @param until last seen before, epoch ms (0: no bound)
     * @param status one of {@link #STATUSES}
     * @param severity the latest event's severity (minor, major, critical)
     */
    public record Query(String source, long since, long until, String status, String severity) {

        public static Query of(String source, long since) {
            return new Query(source, since, 0, null, null);
        }

        boolean admits(Remembered r) {
            MemoryEntry e = r.entry();
            return (source == null || source.equals(e.source())) && e.lastSeen() >= since
                    && (until <= 0 || e.lastSeen() < until)
                    && (severity == null || severity.equals(e.event().severity()))
                    && (status == null || status.equals(r.status()));
        }
    }

    /**
     * One source's incidents as the memory holds them, counted by {@link Remembered#status()}, and its drift status.
     *
     * @param drift {@value DriftEvent#DRIFT} or {@value DriftEvent#RECOVERED} (the source's latest drift event), or null
     * @param driftSince when that status was detected, epoch ms (0 with none)
     */
    public record SourceCounts(String source, int incidents, long events, int unjudged, int falseAlarms, int confirmed,
            int suppressed, long lastSeen, String drift, long driftSince) {}

    private final int maxEntries;
    /** By incident id, the incident seen longest ago first. */
    private final LinkedHashMap<String, MemoryEntry> incidents = new LinkedHashMap<>();
    /** Event id to incident id, for every event an incident lists. */
    private final Map<String, String> incidentOf = new HashMap<>();
    /** By event id, the oldest received first; at most {@code maxEntries}. */
    private final LinkedHashMap<String, Verdict> verdicts = new LinkedHashMap<>();
    /**
     * By source and partition ({@link #where}), the events whose verdicts name that source, by offset: how a verdict finds
     * an incident that does not list its event (those between the incident's first and newest offsets).
     */
    private final Map<String, java.util.NavigableMap<Long, String>> judgedOfSource = new HashMap<>();
    private final MemoryIndex index = new MemoryIndex();
    /**
     * Each source's minutes of the last {@link #HISTORY_MINUTES}, oldest first, by minute start; the sources in the order
     * they last reported (the first is forgotten first).
     */
    private final LinkedHashMap<String, java.util.TreeMap<Long, SourceMinute>> history = new LinkedHashMap<>();
    private final int maxHistorySources;
    /** Minutes of a source's history kept: six hours. */
    public static final int HISTORY_MINUTES = 360;
    /** Each source's latest drift event (drift or recovered). */
    private final Map<String, DriftEvent> drift = new HashMap<>();
    /** Changes taken (incidents, verdicts, forgetting): what was computed from the memory is current while it stays. */
    private long version;
    /**
     * The incidents whose verdict is a confirmed one with a label, indexed apart: those that recognise a new anomaly
     * ({@link #recall}), however many unjudged ones lie nearer it. Built at the first recall, then kept as incidents and
     * verdicts change (each change re-judges the incidents it can touch).
     */
    private final MemoryIndex labelled = new MemoryIndex();
    private boolean labelledBuilt;
    /**
     * By source and partition ({@link #where}), the source's incidents by their first event's offset: a source's
     * incidents follow one another, so the one that holds an offset ({@link #holds}) is the one starting at or before it.
     */
    private final Map<String, java.util.NavigableMap<Long, String>> incidentsOfSource = new HashMap<>();
    /**
     * By frames' TOPIC/PARTITION, every source's incidents that lie on one partition, as their first event's offset to
     * their newest's: what {@link #spans} asks of an event id the memory does not list (an API read of any id), answered
     * without a scan of every incident under the lock every reader shares.
     */
    private final Map<String, PartitionSpans> spansOfPartition = new HashMap<>();

    /** A partition's incidents' offsets ({@link #spansOfPartition}). */
    private static final class PartitionSpans {
        final java.util.NavigableMap<Long, Long> newestByFirst = new java.util.TreeMap<>();
        /** The most offsets an incident here has spanned: an incident starting further back cannot hold an offset. */
        long longest;
    }
    /** Closed at shutdown, possibly while the detector still asks: it then hears nothing, rather than an error. */
    private boolean closed;

    /** @param maxEntries incidents kept, and verdicts kept; the history of every source kept */
    public AnomalyMemory(int maxEntries) {
        this(maxEntries, Integer.MAX_VALUE);
    }

    /**
     * @param maxEntries incidents kept, and verdicts kept
     * @param maxHistorySources sources whose history (and drift status) is kept: beyond them, a new source takes the place
     *     of the one that reported longest ago once that one has reported nothing for {@link #HISTORY_IDLE_MS}
     */
    public AnomalyMemory(int maxEntries, int maxHistorySources) {
        this.maxEntries = maxEntries;
        this.maxHistorySources = maxHistorySources;
    }

    /**
     * Remembers an incident's latest record, replacing the one before; a record it does not take (not
     * {@linkplain #consistent consistent}) leaves nothing of the incident, as the compacted topic will.
     */
    public synchronized void remember(MemoryEntry entry) {
        if (closed || entry == null || entry.id() == null) {
            return;
        }
        forget(entry.id());
        if (entry.event() == null || !consistent(entry)) {
            // the incident's newest record, which compaction keeps alone: every replica must end with none of it
            return;
        }
        version++;
        incidents.put(entry.id(), entry);
        incidentOf.put(entry.id(), entry.id());
        for (String member : entry.members()) {
            incidentOf.put(member, entry.id());
        }
        FrameRef first = FrameRef.parse(entry.id());
        if (first != null) {
            incidentsOfSource.computeIfAbsent(where(entry.source(), first), w -> new java.util.TreeMap<>())
                    .put(first.offset(), entry.id());
            FrameRef newest = FrameRef.parse(entry.event().eventId());
            if (onePartition(first, newest) && newest.offset() >= first.offset()) {
                PartitionSpans spans = spansOfPartition.computeIfAbsent(partition(first), p -> new PartitionSpans());
                spans.newestByFirst.put(first.offset(), newest.offset());
                spans.longest = Math.max(spans.longest, newest.offset() - first.offset());
            }
        }
        Signature sig = entry.event().signature();
        if (sig != null && sig.values() != null && sig.kind() != null) {
            try {
                index.put(new MemoryIndex.Entry(entry.id(), entry.source(), sig.kind(), sig.values()));
            } catch (IllegalArgumentException e) {
                // listed, only not found by similarity: the records after it must still be read
                LOG.warnf("anomaly memory: incident %s is kept without its signature in the similarity index: %s",
                        UntrustedText.shown(entry.id(), 200), e.getMessage());
            }
        }
        if (labelledBuilt) {
            judgeLabelled(entry);
        }
        while (incidents.size() > maxEntries) {
            forget(incidents.keySet().iterator().next());
        }
    }

    /**
     * Whether an entry is one the detector could have written: its id, its event's id and its members are event ids, and
     * its event is one of its members (the console judges an incident through its first event's id, an API client through
     * any of its events': a record whose event
     * named another incident's event would send an operator's verdict there).
     */
    private static boolean consistent(MemoryEntry entry) {
        String event = entry.event().eventId();
        return entry.source() != null && Verdict.eventId(entry.id()) && Verdict.eventId(event) && entry.members().stream().allMatch(Verdict::eventId)
                && (entry.members().isEmpty() ? event.equals(entry.id()) : entry.members().contains(event));
    }

    /** Forgets an incident (its record was deleted from the topic, or it is too old). */
    public synchronized void forget(String incidentId) {
        MemoryEntry old = incidents.remove(incidentId);
        if (old == null) {
            return;
        }
        version++;
        index.remove(incidentId);
        labelled.remove(incidentId);
        FrameRef first = FrameRef.parse(incidentId);
        String where = first == null ? null : where(old.source(), first);
        java.util.NavigableMap<Long, String> ofSource = where == null ? null : incidentsOfSource.get(where);
        if (ofSource != null && ofSource.remove(first.offset(), incidentId) && ofSource.isEmpty()) {
            incidentsOfSource.remove(where);
        }
        PartitionSpans spans = first == null ? null : spansOfPartition.get(partition(first));
        if (spans != null && spans.newestByFirst.remove(first.offset()) != null && spans.newestByFirst.isEmpty()) {
            spansOfPartition.remove(partition(first));
        }
        incidentOf.remove(incidentId);
        for (String member : old.members()) {
            incidentOf.remove(member);
        }
    }

    /** Forgets the incidents last seen before {@code cutoff} (epoch ms). */
    public synchronized void forgetSeenBefore(long cutoff) {
        List<String> old = incidents.values().stream().filter(e -> e.lastSeen() < cutoff).map(MemoryEntry::id).toList();
        old.forEach(this::forget);
    }

    /** Takes the latest verdict on an event (null: the verdict was deleted). */
    public synchronized void verdict(String eventId, Verdict verdict) {
        version++;
        List<Map.Entry<String, Verdict>> changed = new ArrayList<>(); // the events whose verdicts changed, with the old one
        changed.add(new java.util.AbstractMap.SimpleEntry<>(eventId, dropVerdict(eventId)));
        if (verdict != null && verdict.validFor(eventId)) {
            verdicts.put(eventId, verdict);
            FrameRef frame = FrameRef.parse(eventId);
            if (verdict.source() != null && frame != null) {
                judgedOfSource.computeIfAbsent(where(verdict.source(), frame), w -> new java.util.TreeMap<>()).put(frame.offset(), eventId);
            }
            while (verdicts.size() > maxEntries) {
                String oldest = verdicts.keySet().iterator().next();
                changed.add(new java.util.AbstractMap.SimpleEntry<>(oldest, dropVerdict(oldest)));
            }
        }
        if (labelledBuilt) { // the incidents these verdicts were or are on, judged again
            for (Map.Entry<String, Verdict> c : changed) {
                for (Verdict v : java.util.Arrays.asList(c.getValue(), verdicts.get(c.getKey()))) {
                    incidentOfJudged(c.getKey(), v).ifPresent(this::judgeLabelled);
                }
            }
        }
    }

    /**
     * The incident a verdict on {@code eventId} applies to: the one that lists the event, else (where the verdict names
     * its source) the source's incident whose offsets hold it.
     */
    private Optional<MemoryEntry> incidentOfJudged(String eventId, Verdict v) {
        String listed = incidentOf.get(eventId);
        if (listed != null) {
            return Optional.ofNullable(incidents.get(listed));
        }
        FrameRef frame = FrameRef.parse(eventId);
        return v == null || v.source() == null || frame == null ? Optional.empty() : holding(v.source(), frame);
    }

    /** The source's incident whose offsets hold {@code frame} ({@link #incidentsOfSource}). */
    private Optional<MemoryEntry> holding(String source, FrameRef frame) {
        java.util.NavigableMap<Long, String> ofSource = incidentsOfSource.get(where(source, frame));
        Map.Entry<Long, String> from = ofSource == null ? null : ofSource.floorEntry(frame.offset());
        MemoryEntry e = from == null ? null : incidents.get(from.getValue());
        return e != null && holds(e, frame) ? Optional.of(e) : Optional.empty();
    }

    /** Removes the verdict on an event; returns it (null: there was none). */
    private Verdict dropVerdict(String eventId) {
        Verdict old = verdicts.remove(eventId);
        FrameRef frame = old == null || old.source() == null ? null : FrameRef.parse(eventId);
        String where = frame == null ? null : where(old.source(), frame);
        java.util.NavigableMap<Long, String> judged = where == null ? null : judgedOfSource.get(where);
        if (judged != null && judged.remove(frame.offset()) != null && judged.isEmpty()) {
            judgedOfSource.remove(where);
        }
        return old;
    }

    /** A source's partition, as {@link #judgedOfSource} keys it: the source and the frame's TOPIC/PARTITION. */
    private static String where(String source, FrameRef frame) {
        return source + '\n' + partition(frame);
    }

    /**
     * Takes a minute of a source's history: the latest record of a minute is the whole minute so far. Minutes more than
     * {@value #HISTORY_MINUTES} before the source's newest are forgotten.
     */
    public synchronized void history(SourceMinute m) {
        if (closed || m == null || m.source() == null) {
            return;
        }
        if (m.minute() % SourceMinute.MINUTE_MS != 0 || m.minute() > System.currentTimeMillis() + FUTURE_MINUTES_MS) {
            return; // not the start of a minute, or one to come: not the detector's
        }
        // taken out and put back: the source is now the one that reported last
        java.util.TreeMap<Long, SourceMinute> minutes = history.remove(m.source());
        if (minutes == null) {
            if (history.size() >= maxHistorySources) {
                Map.Entry<String, java.util.TreeMap<Long, SourceMinute>> eldest = history.entrySet().iterator().next();
                // idle by the minutes' own times, not this replica's clock: a replica that reads the topic hours later (a
                // restart) then keeps the sources that one reading it as it came kept, and both answer the same
                if (eldest.getValue().lastKey() > m.minute() - HISTORY_IDLE_MS) {
                    return; // every source kept is reporting: a flood of new keys must not push them out
                }
                history.remove(eldest.getKey());
            }
            minutes = new java.util.TreeMap<>();
        }
        history.put(m.source(), minutes);
        minutes.put(m.minute(), m);
        long oldest = minutes.lastKey() - (HISTORY_MINUTES - 1) * SourceMinute.MINUTE_MS;
        minutes.headMap(oldest).clear();
    }

    /**
     * At {@code maxHistorySources}, a new source takes the place of the one that reported longest ago only when that one
     * has reported no minute for this long before the new source's minute.
     */
    static final long HISTORY_IDLE_MS = 10 * SourceMinute.MINUTE_MS;

    /** How far ahead of this replica's clock a minute may start (clocks of replicas differ a little). */
    private static final long FUTURE_MINUTES_MS = 2 * SourceMinute.MINUTE_MS;

    /** Forgets the history of sources whose newest minute started before {@code cutoff}, and their drift status. */
    public synchronized void forgetHistoryBefore(long cutoff) {
        history.values().removeIf(minutes -> minutes.lastKey() < cutoff);
        drift.entrySet().removeIf(e -> e.getValue().detectedTimestamp() < cutoff && !history.containsKey(e.getKey()));
    }

    /** A source's minutes since {@code since} (epoch ms), oldest first. */
    public synchronized List<SourceMinute> history(String source, long since) {
        java.util.TreeMap<Long, SourceMinute> minutes = history.get(source);
        return minutes == null ? List.of() : List.copyOf(minutes.tailMap(since - since % SourceMinute.MINUTE_MS).values());
    }

    /** Takes a source's latest drift event (null: forgotten). */
    public synchronized void drift(String source, DriftEvent event) {
        if (event == null || event.status() == null) {
            drift.remove(source);
        } else if (event.detectedTimestamp() <= System.currentTimeMillis() + FUTURE_MINUTES_MS
                && (drift.containsKey(source) || history.containsKey(source) || drift.size() < maxHistorySources)) {
            // kept for the sources the history keeps, and as many others: not the detector's when dated in the future
            drift.put(source, event);
        }
    }

    /** The source's latest drift event, if any was read. */
    public synchronized Optional<DriftEvent> drift(String source) {
        return Optional.ofNullable(drift.get(source));
    }

    /** The incident that the event (or incident) id belongs to, among the events incidents list, with its verdict. */
    public synchronized Optional<Remembered> get(String eventId) {
        String id = incidentOf.get(eventId);
        MemoryEntry e = id == null ? null : incidents.get(id);
        return e == null ? Optional.empty() : Optional.of(new Remembered(e, verdictOn(e)));
    }

    /**
     * The incident of an event of {@code source} ({@link FrameSources}), listed or not: one that lists it, else the
     * source's incident whose offsets hold it.
     */
    public synchronized Optional<Remembered> get(String eventId, String source) {
        Optional<Remembered> listed = get(eventId);
        FrameRef frame = FrameRef.parse(eventId);
        if (listed.isPresent() || source == null || frame == null) {
            return listed;
        }
        return holding(source, frame).map(e -> new Remembered(e, verdictOn(e)));
    }

    /**
     * Whether some incident's offsets hold {@code eventId} (whichever its source): whether it can be an event of a
     * remembered incident that the incident does not list, worth finding its frame's source for.
     */
    public synchronized boolean spans(String eventId) {
        FrameRef frame = FrameRef.parse(eventId);
        PartitionSpans spans = frame == null ? null : spansOfPartition.get(partition(frame));
        if (spans == null) {
            return false;
        }
        // the incidents starting at or before it, latest first, back to the longest span (as holds() reads them)
        for (Map.Entry<Long, Long> e : spans.newestByFirst.headMap(frame.offset(), true).descendingMap().entrySet()) {
            if (frame.offset() - e.getKey() > spans.longest) {
                return false;
            }
            if (e.getValue() >= frame.offset()) {
                return true;
            }
        }
        return false;
    }

    /** A frame's TOPIC/PARTITION ({@link #spansOfPartition}). */
    private static String partition(FrameRef frame) {
        return frame.topic() + '/' + frame.partition();
    }

    /**
     * Whether an event of the incident's source lies within the incident: on the partition of its first event, from
     * it to its newest. A source's frames share a partition, and its incidents follow one another (a new anomaly joins
     * the source's latest incident or starts the next), so only this incident holds such an event.
     */
    private static boolean holds(MemoryEntry e, FrameRef frame) {
        FrameRef first = FrameRef.parse(e.id());
        FrameRef newest = FrameRef.parse(e.event().eventId());
        return onePartition(first, newest) && onePartition(first, frame)
                && frame.offset() >= first.offset() && frame.offset() <= newest.offset();
    }

    /**
     * Whether two frames are on one partition: an incident whose events are not (its source's frames moved, partitions
     * added say) holds only the events it lists, its offsets being of two sequences.
     */
    private static boolean onePartition(FrameRef a, FrameRef b) {
        return a != null && b != null && a.topic().equals(b.topic()) && a.partition() == b.partition();
    }

    /** Puts an incident in {@link #labelled} when its verdict is a confirmed one with a label, else takes it out. */
    private void judgeLabelled(MemoryEntry e) {
        Verdict v = verdictOn(e);
        Signature sig = e.event().signature();
        if (v != null && Verdict.CONFIRMED.equals(v.verdict()) && v.label() != null && sig != null && sig.values() != null
                && sig.kind() != null) {
            try {
                labelled.put(new MemoryIndex.Entry(e.id(), e.source(), sig.kind(), sig.values()));
            } catch (IllegalArgumentException refused) { // as in remember: found by no similarity
                labelled.remove(e.id());
            }
        } else {
            labelled.remove(e.id());
        }
    }

    /**
     * The latest verdict given on any event of the incident: those it lists, and its source's events within it that
     * verdicts name with their source.
     */
    private Verdict verdictOn(MemoryEntry e) {
        Verdict latest = verdicts.get(e.id());
        for (String member : e.members()) {
            latest = Verdict.later(latest, verdicts.get(member));
        }
        if (judgedOfSource.isEmpty()) {
            return latest;
        }
        FrameRef first = FrameRef.parse(e.id());
        FrameRef newest = FrameRef.parse(e.event().eventId());
        java.util.NavigableMap<Long, String> judged = onePartition(first, newest) ? judgedOfSource.get(where(e.source(), first)) : null;
        if (judged != null && newest.offset() >= first.offset()) {
            for (String id : judged.subMap(first.offset(), true, newest.offset(), true).values()) {
                latest = Verdict.later(latest, verdicts.get(id));
            }
        }
        return latest;
    }

    /** The {@code k} remembered incidents most like a remembered one (same signature kind), nearest first, itself left out. */
    public synchronized List<Recollection.SimilarAnomaly> similar(Remembered r, int k) {
        return closed ? List.of() : nearest(index, r.event().signature(), k, Optional.empty(), Set.of(r.entry().id()));
    }

    /** The {@code k} remembered incidents nearest to a signature (of any source), with their verdicts. */
    public synchronized List<Recollection.SimilarAnomaly> nearest(Signature sig, int k) {
        return closed ? List.of() : nearest(index, sig, k, Optional.empty(), Set.of());
    }

    /** The {@code k} incidents of {@code in} nearest a signature, of {@code source} where present. */
    private List<Recollection.SimilarAnomaly> nearest(MemoryIndex in, Signature sig, int k, Optional<String> source,
            Set<String> excluding) {
        if (sig == null || sig.values() == null || sig.kind() == null) {
            return List.of();
        }
        List<Recollection.SimilarAnomaly> out = new ArrayList<>();
        for (MemoryIndex.Neighbour n : in.nearest(sig.kind(), sig.values(), k, source, excluding)) {
            MemoryEntry other = incidents.get(n.eventId());
            if (other == null) {
                continue;
            }
            Verdict v = verdictOn(other);
            out.add(new Recollection.SimilarAnomaly(n.eventId(), n.similarity(), n.source(), other.lastSeen(),
                    other.incident().count(), v == null ? null : v.verdict(), v == null ? null : v.label()));
        }
        return out;
    }

    /** Past anomalies of the same source at least this similar (events, counted over their incidents) needed to suppress. */
    static final int SUPPRESS_MIN = 2;

    /**
     * What the memory says about a new event (its own incident left out): its {@code k} nearest past incidents; the
     * label that its {@code k} nearest confirmed incidents at least {@code recogniseSimilarity} similar agree on; and
     * whether its source's
     * past incidents at least {@code suppressSimilarity} similar (0: never) hold at least {@value #SUPPRESS_MIN} events
     * and were all judged false alarms.
     */
    public synchronized Recollection recall(AnomalyEvent e, int k, double recogniseSimilarity, double suppressSimilarity) {
        Signature sig = e.signature();
        if (closed || sig == null || sig.values() == null || k == 0) {
            return Recollection.NONE;
        }
        Set<String> own = new HashSet<>();
        own.add(e.eventId());
        if (e.incident() != null) {
            own.add(e.incident().id()); // its own id when it starts the incident
        }
        List<Recollection.SimilarAnomaly> similar = nearest(index, sig, k, Optional.empty(), own);
        Recollection.Recognition recognised = recognise(sig, k, recogniseSimilarity, own);
        Recollection.Suppression suppressed = null;
        if (suppressSimilarity > 0) {
            List<Recollection.SimilarAnomaly> sameSource = nearest(index, sig, k, Optional.of(e.source()), own).stream()
                    .filter(n -> n.similarity() >= suppressSimilarity).toList();
            boolean allFalseAlarms = sameSource.stream().allMatch(n -> Verdict.FALSE_ALARM.equals(n.verdict()));
            int events = sameSource.stream().mapToInt(Recollection.SimilarAnomaly::count).sum();
            if (events >= SUPPRESS_MIN && allFalseAlarms) {
                suppressed = new Recollection.Suppression(sameSource.stream().map(Recollection.SimilarAnomaly::eventId).toList());
            }
        }
        return new Recollection(similar, recognised, suppressed);
    }

    /**
     * The label that the {@code k} confirmed incidents nearest a signature at least {@code recogniseSimilarity} similar
     * agree on (a search by frame asks what the detector would say); null when none is, or they disagree.
     */
    public synchronized Recollection.Recognition recognise(Signature sig, int k, double recogniseSimilarity) {
        return closed || sig == null || sig.values() == null || k == 0 ? null : recognise(sig, k, recogniseSimilarity, Set.of());
    }

    /**
     * Recognition by the nearest confirmed incidents, however many unjudged ones lie nearer (repeats of a known defect
     * that the recognition itself left unjudged would otherwise crowd the confirmed one out).
     */
    private Recollection.Recognition recognise(Signature sig, int k, double recogniseSimilarity, Set<String> own) {
        if (!labelledBuilt) {
            incidents.values().forEach(this::judgeLabelled);
            labelledBuilt = true;
        }
        return Recollection.Recognition.of(nearest(labelled, sig, k, Optional.empty(), own), recogniseSimilarity);
    }

    /** The incidents seen most recently, newest first: of one source when given, last seen at or after {@code since}. */
    public synchronized List<Remembered> recent(Optional<String> source, long since, int limit) {
        return recent(Query.of(source.orElse(null), since), limit);
    }

    /** The incidents seen most recently that the query admits, newest first. */
    public synchronized List<Remembered> recent(Query query, int limit) {
        return incidents.values().stream()
                .map(e -> new Remembered(e, verdictOn(e)))
                .filter(query::admits)
                .sorted(Comparator.comparingLong((Remembered r) -> r.entry().lastSeen()).reversed())
                .limit(limit)
                .toList();
    }

    /** How many incidents the query admits. */
    public synchronized int count(Query query) {
        return (int) incidents.values().stream().map(e -> new Remembered(e, verdictOn(e))).filter(query::admits).count();
    }

    /** Every source's incidents, counted by status; the source seen most recently first. */
    public synchronized List<SourceCounts> sources() {
        Map<String, int[]> counts = new HashMap<>();
        Map<String, long[]> events = new HashMap<>();
        for (MemoryEntry e : incidents.values()) {
            int[] c = counts.computeIfAbsent(e.source(), s -> new int[STATUSES.size() + 1]);
            long[] ev = events.computeIfAbsent(e.source(), s -> new long[2]);
            c[0]++;
            c[1 + STATUSES.indexOf(new Remembered(e, verdictOn(e)).status())]++;
            ev[0] += e.incident().count();
            ev[1] = Math.max(ev[1], e.lastSeen());
        }
        drift.keySet().forEach(source -> {
            counts.computeIfAbsent(source, x -> new int[STATUSES.size() + 1]);
            events.computeIfAbsent(source, x -> new long[2]);
        });
        return counts.entrySet().stream()
                .map(x -> {
                    DriftEvent d = drift.get(x.getKey());
                    return new SourceCounts(x.getKey(), x.getValue()[0], events.get(x.getKey())[0], x.getValue()[1],
                            x.getValue()[2], x.getValue()[3], x.getValue()[4], events.get(x.getKey())[1],
                            d == null ? null : d.status(), d == null ? 0 : d.detectedTimestamp());
                })
                .sorted(Comparator.comparingLong(SourceCounts::lastSeen).reversed()
                        .thenComparing(SourceCounts::source))
                .toList();
    }

    /** The labels of the confirmed incidents held, each with how many incidents carry it; the most used first. */
    public synchronized Map<String, Integer> labels() {
        Map<String, Integer> counts = new HashMap<>();
        for (MemoryEntry e : incidents.values()) {
            Verdict v = verdictOn(e);
            if (v != null && v.label() != null) {
                counts.merge(v.label(), 1, Integer::sum);
            }
        }
        LinkedHashMap<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(x -> sorted.put(x.getKey(), x.getValue()));
        return sorted;
    }

    /**
     * The families among the newest {@code limit} incidents whose signatures are of {@code kind} (null: the kind most
     * incidents carry). The clustering runs outside the memory's lock: the detector's questions do not wait for it.
     */
    public AnomalyFamilies.FamilyMap families(String kind, int limit, double similarity) {
        List<Remembered> chosen;
        String mapped;
        synchronized (this) {
            mapped = kind != null ? kind : incidents.values().stream()
                    .map(e -> e.event().signature()).filter(sig -> sig != null && sig.kind() != null && sig.values() != null)
                    .collect(java.util.stream.Collectors.groupingBy(Signature::kind, java.util.stream.Collectors.counting()))
                    .entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
            List<Remembered> newest = recent(Query.of(null, 0), Integer.MAX_VALUE).stream()
                    .filter(r -> r.event().signature() != null && r.event().signature().values() != null
                            && r.event().signature().kind() != null && r.event().signature().kind().equals(mapped))
                    .limit(limit).toList();
            // one length: a model retrained with another signature width leaves incidents that cannot be compared
            int length = newest.isEmpty() ? 0 : newest.get(0).event().signature().values().length;
            chosen = newest.stream().filter(r -> r.event().signature().values().length == length && length > 0
                    && finite(r.event().signature().values())).toList();
        }
        return AnomalyFamilies.of(mapped, chosen, similarity);
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** A number that changes whenever an incident or a verdict is taken or forgotten. */
    public synchronized long version() {
        return version;
    }

    /** Incidents remembered. */
    public synchronized int size() {
        return incidents.size();
    }

    @Override
    public synchronized void close() throws java.io.IOException {
        closed = true;
        index.close();
        labelled.close();
    }
}
