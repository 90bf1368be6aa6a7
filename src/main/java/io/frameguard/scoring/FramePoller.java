package io.frameguard.scoring;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * Batching: whatever one poll returns (at most max-batch frames, the consumer's {@code max.poll.records}), topped
 * up by further polls for at most the linger while the batch is not full. With a transaction open it takes only
 * frames already fetched, so that "none waiting" tells the worker it is time to commit.
 *
 * <p>A batch holds at most max-batch frames and, unless its first frame alone is larger, at most max-batch-bytes
 * of payload (keys, values and headers as the broker stored them): what one poll returns beyond that is not kept
 * but fetched again, each partition concerned being sought back to its first frame left out. So memory per batch
 * is bounded, and the offsets committed never pass a frame that was not scored.
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
    private final long maxBatchBytes;
    private final long lingerNanos;
    /** Partitions revoked since the last poll began (the rebalance listener runs inside the poll). */
    private final Set<TopicPartition> revoked = new HashSet<>();

    FramePoller(Consumer<byte[], byte[]> consumer, int maxBatch, long maxBatchBytes, Duration linger) {
        this.consumer = consumer;
        this.maxBatch = maxBatch;
        this.maxBatchBytes = maxBatchBytes;
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
        List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(Math.min(first.count(), maxBatch));
        long[] bytes = {0};
        boolean full = !take(first, batch, bytes);
        long deadline = System.nanoTime() + lingerNanos;
        while (!full && batch.size() < maxBatch) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            ConsumerRecords<byte[], byte[]> more = consumer.poll(Duration.ofNanos(left));
            if (!revoked.isEmpty()) {
                batch.removeIf(r -> revoked.contains(new TopicPartition(r.topic(), r.partition())));
                bytes[0] = batch.stream().mapToLong(FramePoller::size).sum();
                revoked.clear();
            }
            full = !take(more, batch, bytes);
        }
        // A rebalance during a top-up poll may have taken partitions away: their frames belong to the new owner,
        // which starts from the last committed offset, so they must not be scored or committed here.
        Set<TopicPartition> owned = consumer.assignment();
        batch.removeIf(r -> !owned.contains(new TopicPartition(r.topic(), r.partition())));
        return batch;
    }

    /**
     * Adds {@code polled} to the batch while it has room (frames and bytes; the batch's first frame always fits);
     * the partitions of the frames left out are sought back to the first of them, to be fetched again.
     *
     * @return whether everything polled fit
     */
    private boolean take(ConsumerRecords<byte[], byte[]> polled, List<ConsumerRecord<byte[], byte[]>> batch, long[] bytes) {
        Map<TopicPartition, Long> leftOut = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            long size = size(r);
            boolean fits = batch.size() < maxBatch && (batch.isEmpty() || bytes[0] + size <= maxBatchBytes);
            // a partition's frames stay in order: once one is left out, the rest of that partition is too
            if (fits && !leftOut.containsKey(tp)) {
                batch.add(r);
                bytes[0] += size;
            } else {
                leftOut.putIfAbsent(tp, r.offset());
            }
        }
        leftOut.forEach(consumer::seek);
        return leftOut.isEmpty();
    }

    /** A frame's size as the broker holds it (key, value, headers), the measure of the batch's byte budget. */
    private static long size(ConsumerRecord<byte[], byte[]> r) {
        long headers = 0;
        for (Header h : r.headers()) {
            headers += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize()) + headers;
    }
}
