package io.frameguard.scoring;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.jboss.logging.Logger;

/**
 * A worker's failed transactions, and what they decide.
 *
 * <p>Business rule: a transaction that fails is aborted and its frames read again (no frame is ever skipped). When
 * a partition's frames from the same offset fail {@code maxAttempts} times in a row for a reason that retrying cannot
 * fix (not a {@link RetriableException}, such as a broker that is unreachable), one of them may be poison: up to the
 * offset those transactions reached, that partition's frames are then scored one per transaction, so that the one that
 * fails alone is dead-lettered and the others are scored. Counted per partition, not per set of partitions: the
 * consumer's fetches come in varying order, so the transactions that meet a poison frame need not hold the same
 * partitions each time. Whatever the reason, {@code maxAttempts} failed transactions in a row
 * with no commit in between mean the worker is not making progress, which readiness reports.
 *
 * <p>Only the worker's thread changes it; {@link #problem()} is read by readiness checks.
 */
final class WorkerFailures {

    private static final Logger LOG = Logger.getLogger(WorkerFailures.class);

    private final int worker;
    private final int maxAttempts;
    /** A partition's frames failing from {@code from}: {@code attempts} transactions in a row. */
    private record Failing(long from, int attempts) {}

    /** Per partition, the failed transactions counted. */
    private final Map<TopicPartition, Failing> failing = new HashMap<>();
    /** Partitions whose frames before these offsets are scored one per transaction. */
    private final Map<TopicPartition, Long> isolateUntil = new HashMap<>();
    private volatile int consecutive;
    private volatile Instant failingSince;
    private volatile String lastError;

    WorkerFailures(int worker, int maxAttempts) {
        this.worker = worker;
        this.maxAttempts = maxAttempts;
    }

    /** {@code e}, and what caused it first when that is another exception (a producer's "error state" names none). */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e) : e + " (caused by " + root + ")";
    }

    /** Whether {@code e}, or what caused it, is a failure that retrying can fix. */
    static boolean retriable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code batch} holds frames to be scored one per transaction. */
    boolean isolating(List<ConsumerRecord<byte[], ByteBuffer>> batch) {
        if (isolateUntil.isEmpty()) {
            return false;
        }
        for (ConsumerRecord<byte[], ByteBuffer> r : batch) {
            Long until = isolateUntil.get(new TopicPartition(r.topic(), r.partition()));
            if (until != null && r.offset() < until) {
                return true;
            }
        }
        return false;
    }

    /**
     * A transaction failed: it held (or was about to hold) the frames from {@code first} up to {@code end} of each
     * partition; the transaction's offsets and those of the batch that was being added to it.
     */
    void failed(Map<TopicPartition, Long> transactionFirst, Map<TopicPartition, Long> transactionEnd,
            List<ConsumerRecord<byte[], ByteBuffer>> batch, Exception e) {
        if (consecutive++ == 0) {
            failingSince = Instant.now();
        }
        lastError = describe(e);
        if (retriable(e)) {
            return;
        }
        Map<TopicPartition, Long> first = new HashMap<>(transactionFirst);
        Map<TopicPartition, Long> end = new HashMap<>(transactionEnd);
        for (ConsumerRecord<byte[], ByteBuffer> r : batch) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            first.merge(tp, r.offset(), Math::min);
            end.merge(tp, r.offset() + 1, Math::max);
        }
        Map<TopicPartition, Long> isolated = new HashMap<>();
        first.forEach((tp, from) -> {
            // a partition absent from this failure keeps its count: the failure says nothing about its frames
            Failing before = failing.get(tp);
            Failing now = new Failing(from, before != null && before.from() == from ? before.attempts() + 1 : 1);
            failing.put(tp, now);
            if (now.attempts() >= maxAttempts) {
                isolated.put(tp, end.get(tp));
            }
        });
        if (!isolated.isEmpty()) {
            isolated.forEach((tp, o) -> {
                isolateUntil.merge(tp, o, Math::max);
                failing.remove(tp);
            });
            LOG.warnf("scorer %d: frames from %s failed %d times in a row (%s); scoring them one at a time up to %s, "
                    + "to find the one that fails alone", worker, first, maxAttempts, e, isolated);
        }
    }

    /** A transaction committed. */
    void committed() {
        consecutive = 0;
        lastError = null;
    }

    /** A transaction committed that took {@code partition}'s offset to {@code next}. */
    void committed(TopicPartition partition, long next) {
        committed();
        failing.remove(partition);
        Long until = isolateUntil.get(partition);
        if (until != null && next >= until) {
            isolateUntil.remove(partition);
        }
    }

    /** Partitions this worker no longer owns: another one reads their frames from the committed offsets. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(isolateUntil::remove);
        partitions.forEach(failing::remove);
    }

    /** Why the worker makes no progress, or null. */
    String problem() {
        int n = consecutive;
        return n < maxAttempts ? null : n + " transactions in a row failed since " + failingSince + " (last: " + lastError + ")";
    }
}
