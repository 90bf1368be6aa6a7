package io.frameguard.scoring;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
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
 * of payload (keys, values and headers as the broker stored them). What a poll returns beyond that is kept, in
 * order, and starts the next batch: never fetched again (seeking back would make the broker read it and the
 * consumer parse it once more, which a top-up poll past the batch's room did for most of a poll's frames). So
 * memory per batch is bounded by about two polls' worth, and the offsets committed never pass a frame that was not
 * scored (kept frames are not in the batch whose offsets commit).
 *
 * <p>Kept frames of a partition are dropped when the partition is no longer where they were fetched: revoked by
 * a rebalance (the worker's listener reports it, {@link #revoked}; the new owner or this one again starts from the
 * last committed offset), no longer assigned, or sought back by an aborted transaction's rewind ({@link #rewound}):
 * the consumer returns them again then. A rebalance or a rewind during a top-up poll (the listener commits, or aborts
 * and rewinds, inside it) likewise drops the batch's frames of those partitions, even when the rebalance gives them
 * back, rather than score them twice.
 */
final class FramePoller {

    /** Poll timeout while idle: bounds how long shutdown waits for the loop. */
    private static final Duration IDLE_POLL = Duration.ofMillis(200);

    private final Consumer<byte[], ByteBuffer> consumer;
    private final int maxBatch;
    private final long maxBatchBytes;
    private final long lingerNanos;
    /** Partitions revoked or rewound since the last poll began (the rebalance listener runs inside the poll). */
    private final Set<TopicPartition> revoked = new HashSet<>();
    /** Frames polled that did not fit their batch, in poll order: the next batch's first frames. */
    private final ArrayDeque<ConsumerRecord<byte[], ByteBuffer>> kept = new ArrayDeque<>();

    FramePoller(Consumer<byte[], ByteBuffer> consumer, int maxBatch, long maxBatchBytes, Duration linger) {
        this.consumer = consumer;
        this.maxBatch = maxBatch;
        this.maxBatchBytes = maxBatchBytes;
        this.lingerNanos = linger.toNanos();
    }

    /** The rebalance listener's report: these partitions were revoked (they may come back at new positions). */
    void revoked(Collection<TopicPartition> partitions) {
        revoked.addAll(partitions);
    }

    /** A rewind's report: these partitions were sought back, so the consumer returns their frames again. */
    void rewound(Collection<TopicPartition> partitions) {
        revoked.addAll(partitions);
    }

    /** The next batch, in poll order; empty when nothing is waiting. */
    List<ConsumerRecord<byte[], ByteBuffer>> next(boolean transactionOpen) {
        List<ConsumerRecord<byte[], ByteBuffer>> batch = new ArrayList<>();
        long[] bytes = {0};
        dropStaleKept();
        boolean full = !takeKept(batch, bytes);
        if (batch.isEmpty()) {
            ConsumerRecords<byte[], ByteBuffer> first = consumer.poll(transactionOpen ? Duration.ZERO : IDLE_POLL);
            dropRevoked(batch, bytes); // what was kept before the poll; the poll's own frames were fetched after any rebalance in it
            if (first.isEmpty()) {
                return List.of();
            }
            full = !take(first, batch, bytes);
        }
        long deadline = System.nanoTime() + lingerNanos;
        while (!full && batch.size() < maxBatch) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            ConsumerRecords<byte[], ByteBuffer> more = consumer.poll(Duration.ofNanos(left));
            dropRevoked(batch, bytes);
            full = !take(more, batch, bytes);
        }
        // A rebalance during a top-up poll may have taken partitions away: their frames belong to the new owner,
        // which starts from the last committed offset, so they must not be scored or committed here.
        Set<TopicPartition> owned = consumer.assignment();
        batch.removeIf(r -> !owned.contains(partition(r)));
        kept.removeIf(r -> !owned.contains(partition(r)));
        return batch;
    }

    /** Frames of partitions revoked or rewound in the poll just made are read again: drop them. */
    private void dropRevoked(List<ConsumerRecord<byte[], ByteBuffer>> batch, long[] bytes) {
        if (!revoked.isEmpty()) {
            if (batch.removeIf(r -> revoked.contains(partition(r)))) {
                bytes[0] = batch.stream().mapToLong(FramePoller::size).sum();
            }
            kept.removeIf(r -> revoked.contains(partition(r)));
            revoked.clear();
        }
    }

    /**
     * Drops the kept frames of partitions revoked or rewound since they were polled, or no longer assigned: the
     * consumer returns those frames again (or another member does).
     */
    private void dropStaleKept() {
        if (!kept.isEmpty()) {
            Set<TopicPartition> owned = consumer.assignment();
            kept.removeIf(r -> revoked.contains(partition(r)) || !owned.contains(partition(r)));
        }
        revoked.clear();
    }

    /** Moves kept frames into the batch while it has room, in order per partition; returns whether all were taken. */
    private boolean takeKept(List<ConsumerRecord<byte[], ByteBuffer>> batch, long[] bytes) {
        if (kept.isEmpty()) {
            return true;
        }
        List<ConsumerRecord<byte[], ByteBuffer>> all = new ArrayList<>(kept);
        kept.clear();
        Set<TopicPartition> blocked = new HashSet<>();
        for (ConsumerRecord<byte[], ByteBuffer> r : all) {
            offer(r, batch, bytes, blocked);
        }
        return kept.isEmpty();
    }

    /**
     * Adds {@code polled} to the batch while it has room (frames and bytes; the batch's first frame always fits);
     * the rest is kept for the next batch. A partition with frames kept from before keeps its new frames too, so each
     * partition's frames stay in order.
     *
     * @return whether everything polled fit
     */
    private boolean take(ConsumerRecords<byte[], ByteBuffer> polled, List<ConsumerRecord<byte[], ByteBuffer>> batch, long[] bytes) {
        Set<TopicPartition> blocked = new HashSet<>();
        kept.forEach(r -> blocked.add(partition(r)));
        boolean allFit = true;
        for (ConsumerRecord<byte[], ByteBuffer> r : polled) {
            allFit &= offer(r, batch, bytes, blocked);
        }
        return allFit;
    }

    /** Puts a frame into the batch if it fits and its partition is not blocked; otherwise keeps it and blocks its partition. */
    private boolean offer(ConsumerRecord<byte[], ByteBuffer> r, List<ConsumerRecord<byte[], ByteBuffer>> batch, long[] bytes,
            Set<TopicPartition> blocked) {
        TopicPartition tp = partition(r);
        long size = size(r);
        boolean fits = batch.size() < maxBatch && (batch.isEmpty() || bytes[0] + size <= maxBatchBytes);
        if (fits && !blocked.contains(tp)) {
            batch.add(r);
            bytes[0] += size;
            return true;
        }
        blocked.add(tp);
        kept.add(r);
        return false;
    }

    /** The partition {@link #partition} named last: a poll's frames come in runs of one partition. */
    private TopicPartition lastPartition;

    /** A frame's partition, the same object for a run of frames of one partition (each is looked up in sets). */
    private TopicPartition partition(ConsumerRecord<byte[], ByteBuffer> r) {
        TopicPartition tp = lastPartition;
        if (tp == null || tp.partition() != r.partition() || !tp.topic().equals(r.topic())) {
            tp = new TopicPartition(r.topic(), r.partition());
            lastPartition = tp;
        }
        return tp;
    }

    /** A frame's size as the broker holds it (key, value, headers), the measure of the batch's byte budget. */
    private static long size(ConsumerRecord<byte[], ByteBuffer> r) {
        long headers = 0;
        for (Header h : r.headers()) {
            headers += h.key().length() + (h.value() == null ? 0 : h.value().length);
        }
        return Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize()) + headers;
    }
}
