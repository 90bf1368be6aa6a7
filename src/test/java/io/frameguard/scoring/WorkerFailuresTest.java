package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** When failed transactions make a worker score a partition's frames one at a time. */
class WorkerFailuresTest {

    private static final TopicPartition P0 = new TopicPartition("frames", 0);
    private static final TopicPartition P1 = new TopicPartition("frames", 1);
    private static final IllegalStateException REFUSED = new IllegalStateException("the broker refuses a record");

    private static List<ConsumerRecord<byte[], ByteBuffer>> frame(TopicPartition tp, long offset) {
        return List.of(new ConsumerRecord<>(tp.topic(), tp.partition(), offset, new byte[] {1}, ByteBuffer.allocate(4)));
    }

    /**
     * The consumer's fetches come in varying order, so the transactions that meet one poison frame need not hold the
     * same partitions: counted per partition, the poison's partition is scored one frame at a time after three; counted
     * per set of partitions, the count started over whenever the set changed, and the frames were retried for ever.
     */
    @Test
    void aPartitionWhoseFramesFailFromTheSameOffsetIsIsolatedWhateverPartitionsTheTransactionsHeldBesideIt() {
        WorkerFailures failures = new WorkerFailures(0, 3);
        failures.failed(Map.of(P0, 0L, P1, 900L), Map.of(P0, 100L, P1, 1000L), List.of(), REFUSED);
        failures.failed(Map.of(P1, 900L), Map.of(P1, 1000L), List.of(), REFUSED);
        assertThat(failures.isolating(frame(P1, 900))).isFalse();
        failures.failed(Map.of(P0, 0L, P1, 900L), Map.of(P0, 100L, P1, 1000L), List.of(), REFUSED);
        assertThat(failures.isolating(frame(P1, 900))).as("P1 failed three times from 900").isTrue();
        assertThat(failures.isolating(frame(P1, 999))).isTrue();
        assertThat(failures.isolating(frame(P1, 1000))).as("up to where the failures reached").isFalse();
        assertThat(failures.isolating(frame(P0, 0))).as("P0 failed twice").isFalse();
        assertThat(failures.problem()).contains("3 transactions in a row failed");

        // a commit that took P1 past the frames isolated ends it; P0's count goes on
        failures.committed(P1, 1000);
        assertThat(failures.isolating(frame(P1, 900))).isFalse();
        assertThat(failures.problem()).isNull();
        failures.failed(Map.of(P0, 0L), Map.of(P0, 100L), List.of(), REFUSED);
        assertThat(failures.isolating(frame(P0, 0))).isTrue();
    }

    @Test
    void aFailureThatRetryingFixesIsolatesNothing() {
        WorkerFailures failures = new WorkerFailures(0, 3);
        for (int i = 0; i < 5; i++) {
            failures.failed(Map.of(P0, 0L), Map.of(P0, 100L), List.of(),
                    new org.apache.kafka.common.errors.NetworkException("the connection dropped"));
        }
        assertThat(failures.isolating(frame(P0, 0))).isFalse();
        assertThat(failures.problem()).as("but it makes no progress").contains("5 transactions in a row failed");
    }
}
