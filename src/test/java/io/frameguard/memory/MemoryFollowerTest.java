package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What the follower reads of a poll. */
class MemoryFollowerTest {

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

    private static ConsumerRecord<String, byte[]> record(String topic, int partition, long offset, String key) {
        return new ConsumerRecord<>(topic, partition, offset, key, new byte[] {1});
    }
}
