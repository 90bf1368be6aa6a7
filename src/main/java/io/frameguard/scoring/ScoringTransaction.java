package io.frameguard.scoring;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.TimeoutException;
import org.jboss.logging.Logger;

/**
 * A worker's Kafka transaction: the records written about a run of batches, committed together with the offsets
 * of every frame in them, or aborted, after which the consumer is rewound to the first frame of each partition
 * the transaction held, so that no frame is ever skipped.
 *
 * <p>Only the worker's thread touches it (rebalance callbacks run inside its poll). Work to do once the
 * transaction commits (counting metrics) waits in {@link #afterCommit}, so that frames scored again after an
 * abort are not counted twice.
 *
 * <p>Every record is sent through {@link #send}, and a commit first waits for their results: a record the producer
 * or the broker refused fails the commit with the record named ({@link RecordFailedException}), instead of an
 * anonymous "error state" from the producer. A commit that times out (the broker unreachable for longer than
 * {@code max.block.ms}) may still complete in the background, so it is never answered with an abort and a rewind,
 * which could score its frames twice: it is retried, as Kafka's producer documents.
 */
final class ScoringTransaction {

    private static final Logger LOG = Logger.getLogger(ScoringTransaction.class);

    private final int worker;
    private final Consumer<byte[], ByteBuffer> consumer;
    private final Producer<byte[], byte[]> producer;
    private final BooleanSupplier keepTrying;
    private final java.util.function.Consumer<Collection<TopicPartition>> rewound;
    private Open open;

    /** A record of the transaction that the producer or the broker refused. */
    static final class RecordFailedException extends KafkaException {
        private final transient ProducerRecord<byte[], byte[]> record;

        RecordFailedException(ProducerRecord<byte[], byte[]> record, Throwable cause) {
            super("a record for " + record.topic() + " (" + OutgoingRecords.size(record.key(), record.value(), record.headers())
                    + " bytes) was refused: " + cause, cause);
            this.record = record;
        }

        ProducerRecord<byte[], byte[]> record() {
            return record;
        }
    }

    /**
     * {@code keepTrying}: whether a step that timed out is tried again (while the worker runs); {@code rewound}: told
     * the partitions a rewind sought back (the poller drops what it holds of them: the consumer returns it again).
     */
    ScoringTransaction(int worker, Consumer<byte[], ByteBuffer> consumer, Producer<byte[], byte[]> producer, BooleanSupplier keepTrying,
            java.util.function.Consumer<Collection<TopicPartition>> rewound) {
        this.worker = worker;
        this.rewound = rewound;
        this.keepTrying = keepTrying;
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
    void add(List<ConsumerRecord<byte[], ByteBuffer>> batch) {
        if (open == null) {
            producer.beginTransaction();
            open = new Open(System.nanoTime());
        }
        open.add(batch);
    }

    /** Sends a record in the open transaction; its result is checked at commit. */
    void send(ProducerRecord<byte[], byte[]> record) {
        open.sends.add(Map.entry(record, producer.send(record)));
    }

    /** The first offset of each partition in the open transaction (empty when none is open). */
    Map<TopicPartition, Long> firstOffsets() {
        return open == null ? Map.of() : Map.copyOf(open.firstOffsets);
    }

    /** The offset after the last frame of each partition in the open transaction (empty when none is open). */
    Map<TopicPartition, Long> endOffsets() {
        Map<TopicPartition, Long> end = new HashMap<>();
        if (open != null) {
            open.nextOffsets.forEach((tp, o) -> end.put(tp, o.offset()));
        }
        return end;
    }

    /** Runs {@code action} once the open transaction commits; never if it aborts. */
    void afterCommit(Runnable action) {
        open.afterCommit.add(action);
    }

    /**
     * Commits the open transaction with the offsets of every frame in it. A step that times out is retried while
     * the worker runs (it may still complete in the background: aborting could score its frames twice); once the
     * worker stops, its {@link TimeoutException} is thrown, and the producer is closed rather than aborted.
     */
    void commit() {
        Open t = open;
        // the offsets first: their round trips overlap the records' sends, which the commit waits for anyway
        retryOnTimeout(() -> producer.sendOffsetsToTransaction(t.nextOffsets, consumer.groupMetadata()), "sending offsets");
        producer.flush();
        for (Map.Entry<ProducerRecord<byte[], byte[]>, Future<RecordMetadata>> s : t.sends) {
            try {
                s.getValue().get();
            } catch (ExecutionException e) {
                throw new RecordFailedException(s.getKey(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptException(e);
            }
        }
        retryOnTimeout(producer::commitTransaction, "committing");
        open = null;
        t.afterCommit.forEach(Runnable::run);
    }

    private void retryOnTimeout(Runnable step, String what) {
        while (true) {
            try {
                step.run();
                return;
            } catch (TimeoutException e) {
                if (!keepTrying.getAsBoolean()) {
                    throw e;
                }
                LOG.warnf("scorer %d: %s timed out (%s); retrying: it may still complete, so it is not aborted", worker, what,
                        e.getMessage());
            }
        }
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

    /**
     * Aborts the open transaction (if any) and seeks back to the first frame of each partition it held or
     * {@code polled} holds: frames polled but not yet added to the transaction (a failure before it began) are read
     * again too.
     */
    void abortAndRewind(List<ConsumerRecord<byte[], ByteBuffer>> polled) {
        Map<TopicPartition, Long> first = new HashMap<>(firstOffsets());
        for (ConsumerRecord<byte[], ByteBuffer> r : polled) {
            first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        abortAndRewind();
        Set<TopicPartition> owned = consumer.assignment();
        first.forEach((tp, offset) -> {
            if (owned.contains(tp)) {
                consumer.seek(tp, offset);
            }
        });
        rewound.accept(first.keySet());
    }

    /**
     * Aborts the open transaction (if any) without seeking: for a transaction of frames that will not be read again
     * (a frame that failed alone is dead-lettered next).
     */
    void abort() {
        try {
            producer.abortTransaction();
        } catch (IllegalStateException | KafkaException e) {
            LOG.debugf("scorer %d: nothing to abort (%s)", worker, e.getMessage());
        }
        open = null;
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
            rewound.accept(open.firstOffsets.keySet());
            open = null;
        }
    }

    /** What an open transaction holds: where each partition's frames in it start and end, and what to do at commit. */
    private static final class Open {
        final long begunNanos;
        final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        final Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
        final List<Runnable> afterCommit = new ArrayList<>();
        final List<Map.Entry<ProducerRecord<byte[], byte[]>, Future<RecordMetadata>>> sends = new ArrayList<>();
        int frames;

        Open(long begunNanos) {
            this.begunNanos = begunNanos;
        }

        /** Notes each partition's lowest and highest offset, a run of one partition's frames at a time (polls come so). */
        void add(List<ConsumerRecord<byte[], ByteBuffer>> batch) {
            for (int i = 0; i < batch.size(); ) {
                ConsumerRecord<byte[], ByteBuffer> r = batch.get(i);
                long min = r.offset();
                long max = r.offset();
                int j = i + 1;
                for (; j < batch.size() && batch.get(j).partition() == r.partition() && batch.get(j).topic().equals(r.topic()); j++) {
                    min = Math.min(min, batch.get(j).offset());
                    max = Math.max(max, batch.get(j).offset());
                }
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                firstOffsets.merge(tp, min, Math::min);
                nextOffsets.merge(tp, new OffsetAndMetadata(max + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
                i = j;
            }
            frames += batch.size();
        }
    }
}
