package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Incident;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Signature;
import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the follower takes of a poll: the memory it leaves, and what its feed hears. */
class MemoryFollowerTest {

    private static final Topics TOPICS = Topics.defaults();

    @Test
    void ofAPollsMemoryRecordsOnlyEachIncidentsLastIsRead() {
        ConsumerRecord<String, byte[]> a1 = record("memory", 0, 10, "a");
        ConsumerRecord<String, byte[]> b1 = record("memory", 1, 4, "b");
        ConsumerRecord<String, byte[]> a2 = record("memory", 0, 11, "a");
        ConsumerRecord<String, byte[]> aDeleted = new ConsumerRecord<>("memory", 0, 12, "a", null);
        ConsumerRecord<String, byte[]> verdict = record("verdicts", 0, 3, "a");
        ConsumerRecord<String, byte[]> noKey = record("memory", 2, 7, null);

        Map<String, ConsumerRecord<String, byte[]>> newest = MemoryFollower.newestByIncident(List.of(a1, b1, a2, verdict, noKey),
                "memory");
        assertThat(newest).containsOnlyKeys("a", "b");
        assertThat(newest.get("a")).isSameAs(a2);
        assertThat(newest.get("b")).isSameAs(b1);
        // a deletion after the incident's records is its last word
        assertThat(MemoryFollower.newestByIncident(List.of(a1, a2, aDeleted), "memory").get("a")).isSameAs(aDeleted);
    }

    /**
     * A poll with a growing incident, another one, a verdict on the first and a deleted third leaves the memory as the
     * records taken one poll each leave it; the feed hears the incidents the poll left changed, as of their last record.
     */
    @Test
    void aPollLeavesTheMemoryAsReadingEveryRecordInTurnDoes() throws Exception {
        AnomalyEvent p1 = event(1, "pump");
        AnomalyEvent p2 = event(2, "pump");
        AnomalyEvent p3 = event(3, "pump");
        AnomalyEvent f1 = event(4, "fan");
        AnomalyEvent g1 = event(5, "gear");
        String pump = p1.eventId();
        List<ConsumerRecord<String, byte[]>> poll = new ArrayList<>();
        long[] offset = {0};
        poll.add(memory(pump, entry(pump, 1, List.of(p1.eventId()), p1), offset));
        poll.add(memory(f1.eventId(), entry(f1.eventId(), 1, List.of(f1.eventId()), f1), offset));
        poll.add(memory(pump, entry(pump, 2, List.of(p1.eventId(), p2.eventId()), p2), offset));
        poll.add(memory(g1.eventId(), entry(g1.eventId(), 1, List.of(g1.eventId()), g1), offset));
        poll.add(new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 0, p2.eventId(), TOPICS.verdicts().serialize(
                new Verdict(Verdict.SCHEMA_VERSION, p2.eventId(), "confirmed", "bearing", null, "2026-12-04T00:00:00Z", "test", null))));
        poll.add(memory(pump, entry(pump, 3, List.of(p1.eventId(), p2.eventId(), p3.eventId()), p3), offset));
        poll.add(new ConsumerRecord<>(TOPICS.memory().name(), 0, offset[0]++, g1.eventId(), null));

        try (AnomalyMemory onePoll = new AnomalyMemory(10); AnomalyMemory oneByOne = new AnomalyMemory(10)) {
            List<AnomalyMemory.Remembered> heard = new ArrayList<>();
            MemoryFollower.apply(poll, TOPICS, onePoll, heard::add);
            for (ConsumerRecord<String, byte[]> r : poll) {
                MemoryFollower.apply(List.of(r), TOPICS, oneByOne, x -> { });
            }
            assertThat(onePoll.size()).isEqualTo(oneByOne.size()).isEqualTo(2);
            for (String id : List.of(pump, f1.eventId(), p3.eventId(), g1.eventId())) {
                assertThat(onePoll.get(id).map(MemoryFollowerTest::seen)).as(id).isEqualTo(oneByOne.get(id).map(MemoryFollowerTest::seen));
            }
            assertThat(onePoll.get(pump)).hasValueSatisfying(x -> {
                assertThat(x.entry().incident().count()).isEqualTo(3);
                assertThat(x.entry().event().eventId()).isEqualTo(p3.eventId());
            });
            assertThat(onePoll.get(g1.eventId())).isEmpty();
            // the feed: the fan, and the pump as of its last record, its verdict with it (the verdict came before the record
            // that lists the judged event, so the pump was heard then, not for the verdict); not the pump's records before
            // nor the deleted gear
            assertThat(heard).extracting(x -> x.entry().id() + "#" + x.entry().incident().count())
                    .containsExactly(f1.eventId() + "#1", pump + "#3");
            assertThat(heard.get(1).verdict()).isNotNull().extracting(Verdict::label).isEqualTo("bearing");
        }
    }

    /**
     * Incident records the vector index cannot take (a signature with a NaN, longer than any model's, or of another
     * length than its kind's; no source) neither stop the follower nor cost the records after them; those with a source
     * are listed without being searchable.
     */
    @Test
    void incidentsWhoseSignaturesTheIndexRefusesAreListedAndTheRecordsAfterThemRead() throws Exception {
        AnomalyEvent good = event(1, "pump");
        AnomalyEvent nan = withSignature(event(2, "pump"), new float[] {Float.NaN, 1, 0, 0});
        AnomalyEvent tooLong = withSignature(event(3, "pump"), new float[Signature.MAX_LENGTH + 1]);
        tooLong.signature().values()[0] = 1;
        AnomalyEvent otherLength = withSignature(event(4, "pump"), new float[] {1, 2, 3});
        AnomalyEvent noSource = event(5, null);
        AnomalyEvent after = event(6, "fan");
        long[] offset = {0};
        List<ConsumerRecord<String, byte[]>> poll = new ArrayList<>();
        for (AnomalyEvent e : List.of(good, nan, tooLong, otherLength, noSource, after)) {
            poll.add(memory(e.eventId(), entry(e.eventId(), 1, List.of(e.eventId()), e), offset));
        }
        try (AnomalyMemory memory = new AnomalyMemory(100)) {
            MemoryFollower.apply(poll, TOPICS, memory, r -> { });
            assertThat(memory.get(after.eventId())).isPresent();
            assertThat(memory.get(noSource.eventId())).isEmpty();
            for (AnomalyEvent e : List.of(nan, tooLong, otherLength)) {
                assertThat(memory.get(e.eventId())).as(e.eventId()).isPresent();
                assertThat(memory.get(e.eventId()).map(r -> memory.similar(r, 5))).as(e.eventId()).hasValue(List.of());
            }
            // the good ones are searchable: each other's nearest
            assertThat(memory.get(good.eventId()).map(r -> memory.similar(r, 5))).get().asList().extracting("eventId")
                    .containsExactly(after.eventId());
        }
    }

    private static AnomalyEvent withSignature(AnomalyEvent e, float[] values) {
        return new AnomalyEvent(e.schemaVersion(), e.eventId(), e.source(), e.frame(), e.captureTimestamp(), e.scoredTimestamp(),
                e.detectedTimestamp(), e.score(), e.threshold(), e.modelThreshold(), e.modelVersion(), e.severity(), e.window(),
                e.explanation(), new Signature(e.signature().kind(), values), e.similar(), e.recognisedAs(), e.suppressed(),
                e.incident());
    }

    /** What a replica answers about an incident: its record and verdict. */
    private static String seen(AnomalyMemory.Remembered r) {
        return r.entry().incident() + " " + r.entry().members() + " " + r.entry().event().eventId() + " " + r.verdict();
    }

    private static AnomalyEvent event(long offset, String source) {
        FrameRef f = new FrameRef("frames", 0, offset);
        return new AnomalyEvent(AnomalyEvent.SCHEMA_VERSION, f.id(), source, f, offset, offset, 1000 + offset, 5, 1, 1, "m1",
                "major", new AnomalyEvent.Window(1, 1, 1), null, new Signature("test-4", new float[] {offset, 1, 0.1f, 0}),
                List.of(), null, null, null);
    }

    private static MemoryEntry entry(String id, int count, List<String> members, AnomalyEvent latest) {
        return new MemoryEntry(MemoryEntry.SCHEMA_VERSION, new Incident(id, count, 1000), latest.source(),
                latest.detectedTimestamp(), members, latest, null);
    }

    private static ConsumerRecord<String, byte[]> memory(String key, MemoryEntry e, long[] offset) {
        return new ConsumerRecord<>(TOPICS.memory().name(), 0, offset[0]++, key, TOPICS.memory().serialize(e));
    }

    private static ConsumerRecord<String, byte[]> record(String topic, int partition, long offset, String key) {
        return new ConsumerRecord<>(topic, partition, offset, key, new byte[] {1});
    }
}
