package io.frameguard.scoring;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * A worker's Kafka transaction: the records written about a run of batches, committed together with the offsets
 * of every frame in them, or aborted, after which the consumer is rewound to the first frame of each partition
 * the transaction held, so that no frame is ever skipped.
 *
 * <p>Only the worker's thread touches it (rebalance callbacks run inside its poll). Work to do once the
 * transaction commits (counting metrics) waits in {@link #afterCommit}, so that frames scored again after an
 * abort are not counted twice.
 */
final class ScoringTransaction {

    private static final Logger LOG = Logger.getLogger(ScoringTransaction.class);

    private final int worker;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private Open open;

    ScoringTransaction(int worker, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer) {
        this.worker = worker;
        this.consumer = consumer;
        this.producer = producer;
    }

    boolean isOpen() {
        return open != null;
    }

    /** Frames in the open transaction; 0 when none is open. */
    int frames() {
        return open == null ? 0 : open.frames;
    }

    /** How long the open transaction has been open, in nanoseconds. */
    long openNanos() {
        return System.nanoTime() - open.begunNanos;
    }

    /**
     * Begins a transaction unless one is open, and adds a batch's frames to it. Called before anything is written
     * about the batch, so that whatever fails afterwards rewinds this batch too (beginning a transaction is local).
     */
    void add(List<ConsumerRecord<byte[], byte[]>> batch) {
        if (open == null) {
            producer.beginTransaction();
            open = new Open(System.nanoTime());
        }
        open.add(batch);
    }

    /** Runs {@code action} once the open transaction commits; never if it aborts. */
    void afterCommit(Runnable action) {
        open.afterCommit.add(action);
    }

    /** Commits the open transaction with the offsets of every frame in it. */
    void commit() {
        Open t = open;
        producer.sendOffsetsToTransaction(t.nextOffsets, consumer.groupMetadata());
        producer.commitTransaction();
        open = null;
        t.afterCommit.forEach(Runnable::run);
    }

    /**
     * Commits the open transaction, if any, before its partitions change hands or the worker stops; if that fails
     * it is aborted and its frames are scored again (here, after a rewind, or by whoever owns them next).
     */
    void commitOrAbort(String when) {
        if (open == null) {
            return;
        }
        try {
            commit();
        } catch (KafkaException e) {
            LOG.warnf("scorer %d: commit %s failed (%s); its frames will be scored again", worker, when, e.getMessage());
            abortAndRewind();
        }
    }

    /** Aborts the open transaction (if any) and seeks back to the first frame of each partition it held. */
    void abortAndRewind() {
        try {
            producer.abortTransaction();
        } catch (IllegalStateException | KafkaException e) {
            LOG.debugf("scorer %d: nothing to abort (%s)", worker, e.getMessage());
        }
        if (open != null) {
            Set<TopicPartition> owned = consumer.assignment();
            open.firstOffsets.forEach((tp, offset) -> {
                if (owned.contains(tp)) {
                    consumer.seek(tp, offset);
                }
            });
            open = null;
        }
    }

    /** What an open transaction holds: where each partition's frames in it start and end, and what to do at commit. */
    private static final class Open {
        final long begunNanos;
        final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        final Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
        final List<Runnable> afterCommit = new ArrayList<>();
        int frames;

        Open(long begunNanos) {
            this.begunNanos = begunNanos;
        }

        void add(List<ConsumerRecord<byte[], byte[]>> batch) {
            for (ConsumerRecord<byte[], byte[]> r : batch) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                firstOffsets.merge(tp, r.offset(), Math::min);
                nextOffsets.merge(tp, new OffsetAndMetadata(r.offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
            }
            frames += batch.size();
        }
    }
}
