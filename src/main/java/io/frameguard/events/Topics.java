package io.frameguard.events;

import io.frameguard.config.ScoresFormat;

import io.frameguard.config.FrameguardConfig;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Every topic of the data flow with its record types and serdes, in one place. Names come from
 * {@code frameguard.topics.*}; docs/EVENTS.md documents each record.
 *
 * <ul>
 *   <li>frames: key = source id, value = the frame's payload as a producer sent it (a {@code content-type} header
 *       says which of the formats in {@code io.frameguard.frames} it is);
 *   <li>scores: key = source id, value = {@link ScoreBatch} (one or more {@link ScoreRecord}s of the source), binary or JSON ({@link ScoreSerde});
 *   <li>anomalies: key = source id, value = {@link AnomalyEvent} JSON;
 *   <li>dlq: the frame's key, value and headers unchanged, plus {@link DeadLetterHeaders};
 *   <li>drift: key = source id, value = {@link DriftEvent} JSON;
 *   <li>verdicts: key = event id, value = {@link Verdict} JSON; compacted (the latest verdict on an event holds);
 *   <li>memory: key = incident id, value = {@link MemoryEntry} JSON; compacted (the latest record of an incident is the
 *       incident) and time-bounded (an incident not seen for {@code frameguard.memory.max-age} goes).
 * </ul>
 */
public record Topics(
        Topic<String, byte[]> frames,
        Topic<String, ScoreBatch> scores,
        Topic<String, AnomalyEvent> anomalies,
        Topic<String, byte[]> dlq,
        Topic<String, DriftEvent> drift,
        Topic<String, Verdict> verdicts,
        Topic<String, MemoryEntry> memory,
        Topic<String, SourceMinute> history) {

    public static final String DEFAULT_FRAMES = "frames";
    public static final String DEFAULT_SCORES = "scores";
    public static final String DEFAULT_ANOMALIES = "anomalies";
    public static final String DEFAULT_DLQ = "frames.dlq";
    public static final String DEFAULT_DRIFT = "drift";
    public static final String DEFAULT_VERDICTS = "verdicts";
    public static final String DEFAULT_MEMORY = "anomaly-memory";
    public static final String DEFAULT_HISTORY = "source-history";

    /** Writes the default (binary) layout; reads either. */
    public static final ScoreSerde SCORE_SERDE = new ScoreSerde(ScoresFormat.BINARY);
    private static final ScoreSerde SCORE_JSON_SERDE = new ScoreSerde(ScoresFormat.JSON);
    public static final Serde<AnomalyEvent> ANOMALY_SERDE = new JsonSerde<>(AnomalyEvent.class);
    public static final Serde<DriftEvent> DRIFT_SERDE = new JsonSerde<>(DriftEvent.class);
    public static final Serde<Verdict> VERDICT_SERDE = new JsonSerde<>(Verdict.class);
    public static final Serde<MemoryEntry> MEMORY_SERDE = new JsonSerde<>(MemoryEntry.class);
    public static final Serde<SourceMinute> HISTORY_SERDE = new JsonSerde<>(SourceMinute.class);

    /** The topics with these names; score records written in the default layout. */
    public static Topics named(String frames, String scores, String anomalies, String dlq, String drift, String verdicts,
            String memory, String history) {
        return named(frames, scores, anomalies, dlq, drift, verdicts, memory, history, ScoresFormat.BINARY);
    }

    /** The topics with these names; score records written in {@code scoresFormat}. */
    public static Topics named(String frames, String scores, String anomalies, String dlq, String drift, String verdicts,
            String memory, String history, ScoresFormat scoresFormat) {
        return new Topics(
                new Topic<>(frames, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(scores, Serdes.String(), scoresFormat == ScoresFormat.JSON ? SCORE_JSON_SERDE : SCORE_SERDE),
                new Topic<>(anomalies, Serdes.String(), ANOMALY_SERDE),
                new Topic<>(dlq, Serdes.String(), Serdes.ByteArray()),
                new Topic<>(drift, Serdes.String(), DRIFT_SERDE),
                verdicts(verdicts),
                new Topic<>(memory, Serdes.String(), MEMORY_SERDE),
                new Topic<>(history, Serdes.String(), HISTORY_SERDE));
    }

    /** The verdicts topic of that name (for clients that need no other topic). */
    public static Topic<String, Verdict> verdicts(String name) {
        return new Topic<>(name, Serdes.String(), VERDICT_SERDE);
    }

    public static Topics from(FrameguardConfig.Topics t) {
        return named(t.frames(), t.scores(), t.anomalies(), t.dlq(), t.drift(), t.verdicts(), t.memory(), t.history(), t.scoresFormat());
    }

    public static Topics defaults() {
        return named(DEFAULT_FRAMES, DEFAULT_SCORES, DEFAULT_ANOMALIES, DEFAULT_DLQ, DEFAULT_DRIFT, DEFAULT_VERDICTS,
                DEFAULT_MEMORY, DEFAULT_HISTORY);
    }

    /** Every topic's name, frames first. */
    public List<String> names() {
        return List.of(frames.name(), scores.name(), anomalies.name(), dlq.name(), drift.name(), verdicts.name(),
                memory.name(), history.name());
    }

    /** The topics that keep the latest record per key (cleanup.policy=compact). */
    public Set<String> compacted() {
        return Set.of(verdicts.name(), memory.name());
    }

    /** The compacted topics whose records also go after a time (cleanup.policy=compact,delete). */
    public Set<String> compactedAndExpiring() {
        return Set.of(memory.name());
    }
}
