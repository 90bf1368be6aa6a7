package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The transaction's offset bookkeeping (the broker's side is the fault suite's and ScorerWorkerTest's): what it commits
 * and where an abort sends the consumer back, for batches whose partitions come in runs and interleave.
 */
class ScoringTransactionTest {

    private static final TopicPartition P0 = new TopicPartition("frames", 0);
    private static final TopicPartition P1 = new TopicPartition("frames", 1);

    private final MockConsumer<byte[], ByteBuffer> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final List<TopicPartition> rewound = new ArrayList<>();
    private final ScoringTransaction transaction = new ScoringTransaction(0, consumer, producer, () -> false, rewound::addAll);

    ScoringTransactionTest() {
        producer.initTransactions();
        consumer.assign(List.of(P0, P1));
    }

    @Test
    void aCommitCarriesTheOffsetAfterEachPartitionsLastFrameOverEveryBatchInIt() {
        transaction.add(List.of(frame(P0, 5), frame(P0, 6), frame(P1, 3), frame(P0, 7)));
        transaction.add(List.of(frame(P1, 4), frame(P1, 5)));
        assertThat(transaction.frames()).isEqualTo(6);
        assertThat(transaction.firstOffsets()).isEqualTo(Map.of(P0, 5L, P1, 3L));
        assertThat(transaction.endOffsets()).isEqualTo(Map.of(P0, 8L, P1, 6L));

        transaction.commit();

        assertThat(producer.transactionCommitted()).isTrue();
        assertThat(producer.consumerGroupOffsetsHistory()).hasSize(1);
        Map<TopicPartition, OffsetAndMetadata> committed = producer.consumerGroupOffsetsHistory().get(0).values().iterator().next();
        assertThat(committed).isEqualTo(Map.of(P0, new OffsetAndMetadata(8), P1, new OffsetAndMetadata(6)));
        assertThat(transaction.isOpen()).isFalse();
        assertThat(transaction.firstOffsets()).isEmpty();
    }

    @Test
    void anAbortSeeksEachPartitionBackToItsFirstFrameInTheTransactionAndTheFramesPolledSince() {
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        transaction.add(List.of(frame(P0, 5), frame(P0, 6)));
        transaction.add(List.of(frame(P0, 7)));
        // a batch polled after the transaction's, not yet added to it when scoring it failed
        List<ConsumerRecord<byte[], ByteBuffer>> polled = List.of(frame(P1, 9), frame(P1, 10));

        transaction.abortAndRewind(polled);

        assertThat(producer.transactionAborted()).isTrue();
        assertThat(producer.consumerGroupOffsetsHistory()).isEmpty();
        assertThat(consumer.position(P0)).isEqualTo(5);
        assertThat(consumer.position(P1)).isEqualTo(9);
        assertThat(rewound).containsOnly(P0, P1); // the poller drops what it holds of both
        assertThat(transaction.isOpen()).isFalse();
    }

    private static ConsumerRecord<byte[], ByteBuffer> frame(TopicPartition tp, long offset) {
        return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, new byte[] {1}, ByteBuffer.wrap(new byte[] {2}));
    }
}
