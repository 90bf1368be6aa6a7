package io.frameguard.scoring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Batching: whatever one poll returns (at most max-batch frames, the consumer's {@code max.poll.records}), topped
 * up by further polls for at most the linger while the batch is not full. With a transaction open it takes only
 * frames already fetched, so that "none waiting" tells the worker it is time to commit.
 *
 * <p>A rebalance during a top-up poll (the worker's listener reports it, {@link #revoked}) resets the positions of
 * the partitions it took away, even when it gives them back: their frames already in the batch will be fetched
 * again, so they are dropped from it rather than scored twice.
 */
final class FramePoller {

    /** Poll timeout while idle: bounds how long shutdown waits for the loop. */
    private static final Duration IDLE_POLL = Duration.ofMillis(200);

    private final Consumer<byte[], byte[]> consumer;
    private final int maxBatch;
    private final long lingerNanos;
    /** Partitions revoked since the last poll began (the rebalance listener runs inside the poll). */
    private final Set<TopicPartition> revoked = new HashSet<>();

    FramePoller(Consumer<byte[], byte[]> consumer, int maxBatch, Duration linger) {
        this.consumer = consumer;
        this.maxBatch = maxBatch;
        this.lingerNanos = linger.toNanos();
    }

    /** The rebalance listener's report: these partitions were revoked (they may come back at new positions). */
    void revoked(Collection<TopicPartition> partitions) {
        revoked.addAll(partitions);
    }

    /** The next batch, in poll order; empty when nothing is waiting. */
    List<ConsumerRecord<byte[], byte[]>> next(boolean transactionOpen) {
        ConsumerRecords<byte[], byte[]> first = consumer.poll(transactionOpen ? Duration.ZERO : IDLE_POLL);
        revoked.clear(); // the first poll's frames were fetched after any rebalance inside it
        if (first.isEmpty()) {
            return List.of();
        }
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(Math.max(first.count(), maxBatch));
        first.forEach(batch::add);
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < maxBatch) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            ConsumerRecords<byte[], byte[]> more = consumer.poll(Duration.ofNanos(left));
            if (!revoked.isEmpty()) {
                batch.removeIf(r -> revoked.contains(new TopicPartition(r.topic(), r.partition())));
                revoked.clear();
            }
            more.forEach(batch::add);
        }
        // A rebalance during a top-up poll may have taken partitions away: their frames belong to the new owner,
        // which starts from the last committed offset, so they must not be scored or committed here.
        Set<TopicPartition> owned = consumer.assignment();
        batch.removeIf(r -> !owned.contains(new TopicPartition(r.topic(), r.partition())));
        return batch;
    }
}
