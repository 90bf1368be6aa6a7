package io.frameguard.scoring;

import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameShape;
import io.frameguard.kafka.JsonSerde;
import io.frameguard.kafka.Topics;
import io.frameguard.metrics.FrameguardMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

/**
 * One scoring thread: consume frames, decode, score the batch in one predictor call, produce a score per frame
 * (and dead-letter the frames that cannot be scored), all in one Kafka transaction with the consumed offsets.
 *
 * <p>Business rule: every consumed frame leaves exactly one trace, a score or a dead-letter record, committed
 * atomically with its offset. A failed batch is aborted and re-read from its first offsets after a pause, so
 * no frame is ever skipped; the scorer only gives up on errors that retrying cannot fix (fenced producer,
 * authorisation), and then reports itself not ready.
 *
 * <p>Batching: whatever one poll returns (at most max-batch frames), topped up by further polls for at most
 * the linger while the batch is not full. The model is read once per batch, so a model swap lands between
 * batches.
 *
 * <p>Transactions: while batches come full (a backlog), one transaction holds several of them. It is committed
 * after a batch that is not full (the scorer has caught up), when no frame is waiting, once it has been open for
 * the commit interval, before partitions are revoked, and at shutdown. A commit costs the scorer two round trips
 * to the broker (the offsets, then the end of the transaction) during which it scores nothing; on a busy two-core
 * machine those took 29 % of the scorer's time behind a backlog when every batch was its own transaction.
 * A scorer that keeps up still commits every batch, so its scores are not held back; behind a backlog, the
 * interval bounds how long they are. A failed batch or commit aborts the whole transaction, and every batch in it
 * is re-read.
 */
final class ScorerWorker implements Runnable {

    /** Poll timeout while idle: bounds how long shutdown waits for the loop. */
    private static final Duration IDLE_POLL = Duration.ofMillis(200);
    private static final JsonSerde<ScoreRecord> SCORE_JSON = new JsonSerde<>(ScoreRecord.class);

    private static final Logger LOG = Logger.getLogger(ScorerWorker.class);

    private final int id;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final Topics topics;
    private final ActiveModel model;
    private final BatchDecoder decoder;
    private final FrameguardMetrics metrics;
    private final int maxBatch;
    /** Frames per predictor call: at most maxBatch; fewer only to reproduce a per-record pipeline (benchmarks). */
    private final int predictBatch;
    private final long lingerNanos;
    private final Duration retryBackoff;
    private final HeatmapStore heatmaps;

    private volatile boolean running = true;
    private volatile boolean joined;
    private volatile Throwable fatal;
    private float[] buffer = new float[0];
    private final long commitIntervalNanos;
    /** The open transaction, or null. Only the worker's thread touches it (rebalance callbacks run inside poll). */
    private OpenTransaction transaction;

    ScorerWorker(int id, Consumer<byte[], byte[]> consumer, Producer<byte[], byte[]> producer, Topics topics,
            ActiveModel model, FrameDecoders decoders, int decodeThreads, FrameguardMetrics metrics, int maxBatch, int predictBatch,
            Duration linger, Duration commitInterval, Duration retryBackoff, HeatmapStore heatmaps) {
        this.id = id;
        this.consumer = consumer;
        this.producer = producer;
        this.topics = topics;
        this.model = model;
        this.decoder = new BatchDecoder(decoders, decodeThreads, "frameguard-decode-" + id);
        this.metrics = metrics;
        this.maxBatch = maxBatch;
        this.predictBatch = predictBatch > 0 ? Math.min(predictBatch, maxBatch) : maxBatch;
        this.lingerNanos = linger.toNanos();
        this.commitIntervalNanos = commitInterval.toNanos();
        this.retryBackoff = retryBackoff;
        this.heatmaps = heatmaps;
    }

    /** True once the consumer has joined its group and received an assignment (possibly empty). */
    boolean joined() {
        return joined && fatal == null;
    }

    Throwable fatal() {
        return fatal;
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        ModelScorer.Session session = null;
        try {
            producer.initTransactions();
            consumer.subscribe(List.of(topics.frames()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // The new owner starts from the committed offsets: commit what was scored of them first.
                    if (!partitions.isEmpty()) {
                        commitOrAbort("before rebalance");
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    // Another member owns them already: the offsets can no longer be committed by this one.
                    if (transaction != null) {
                        abortAndRewind();
                    }
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    joined = true;
                    LOG.infof("scorer %d assigned %s", id, partitions);
                }
            });
            while (running) {
                List<ConsumerRecord<byte[], byte[]>> batch = nextBatch();
                try {
                    if (batch.isEmpty()) {
                        if (transaction != null) {
                            commit(); // nothing more is waiting: don't hold scores back
                        }
                        continue;
                    }
                    ModelScorer current = model.current();
                    if (session == null || session.card() != current.card()) {
                        if (session != null) {
                            session.close();
                        }
                        session = current.newSession();
                        metrics.modelServed(current.card().version());
                    }
                    process(batch, session);
                    if (batch.size() < maxBatch || System.nanoTime() - transaction.begunNanos >= commitIntervalNanos) {
                        commit();
                    }
                } catch (ProducerFencedException | InvalidProducerEpochException | OutOfOrderSequenceException
                        | AuthorizationException | AuthenticationException | UnsupportedVersionException e) {
                    throw e;
                } catch (WakeupException e) {
                    throw e;
                } catch (Exception e) {
                    LOG.errorf(e, "scorer %d: a batch or commit failed; the %d frame(s) of the open transaction will be "
                            + "scored again from their first offsets in %s", id,
                            transaction == null ? batch.size() : transaction.frames, retryBackoff);
                    abortAndRewind();
                    Thread.sleep(retryBackoff.toMillis());
                }
            }
            commitOrAbort("at shutdown");
        } catch (WakeupException e) {
            if (running) {
                fatal = e;
            } else {
                commitOrAbort("at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            fatal = e;
            LOG.errorf(e, "scorer %d stopped: %s", id, e.getMessage());
        } finally {
            if (session != null) {
                session.close();
            }
            decoder.close();
            try {
                consumer.close();
            } finally {
                producer.close(Duration.ofSeconds(5));
            }
        }
    }

    /**
     * Commits the open transaction, if any, before its partitions change hands or the worker stops; if that fails
     * it is aborted and its frames are scored again (here, after a rewind, or by whoever owns them next).
     */
    private void commitOrAbort(String when) {
        if (transaction == null) {
            return;
        }
        try {
            commit();
        } catch (KafkaException e) {
            LOG.warnf("scorer %d: commit %s failed (%s); its frames will be scored again", id, when, e.getMessage());
            abortAndRewind();
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> nextBatch() {
        // With a transaction open, take only frames already fetched: none waiting means it is time to commit.
        ConsumerRecords<byte[], byte[]> first = consumer.poll(transaction == null ? IDLE_POLL : Duration.ZERO);
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
            consumer.poll(Duration.ofNanos(left)).forEach(batch::add);
        }
        // A rebalance during a top-up poll may have taken partitions away: their frames belong to the new owner,
        // which starts from the last committed offset, so they must not be scored or committed here.
        Set<TopicPartition> owned = consumer.assignment();
        batch.removeIf(r -> !owned.contains(new TopicPartition(r.topic(), r.partition())));
        return batch;
    }

    private void process(List<ConsumerRecord<byte[], byte[]>> batch, ModelScorer.Session session) throws Exception {
        FrameShape shape = session.card().input().shape();
        int dim = shape.dim();
        int width = session.card().input().errorWidth();
        // First, so that whatever fails below rewinds this batch too (beginning a transaction is local).
        if (transaction == null) {
            producer.beginTransaction();
            transaction = new OpenTransaction(System.nanoTime());
        }
        transaction.add(batch);
        if (buffer.length < batch.size() * dim) {
            buffer = new float[batch.size() * dim];
        }
        BatchDecoder.Result frames = decoder.decode(batch, buffer, shape);
        List<ConsumerRecord<byte[], byte[]>> decoded = frames.decoded();
        List<ConsumerRecord<byte[], byte[]>> rejected = frames.rejected();
        List<FrameDecodeException> reasons = frames.reasons();

        // At most max-batch frames per predictor call; a batch topped up during the linger may need two.
        List<ScoredFrame> scored = new ArrayList<>(decoded.size());
        int calls = (decoded.size() + predictBatch - 1) / predictBatch;
        long[] callNanos = new long[calls];
        for (int c = 0; c < calls; c++) {
            int from = c * predictBatch;
            int n = Math.min(predictBatch, decoded.size() - from);
            long t0 = System.nanoTime();
            float[] errors = session.errors(new FrameBatch(buffer, from * dim, n, dim));
            callNanos[c] = System.nanoTime() - t0;
            List<ScoredFrame> chunk = session.explain(errors, n);
            scored.addAll(chunk);
            if (heatmaps != null && shape.isImage()) {
                for (int i = 0; i < n; i++) {
                    heatmaps.offer(decoded.get(from + i), chunk.get(i).score(), session.card(), buffer,
                            (from + i) * dim, errors, i * width);
                }
            }
        }
        long inferenceNanos = java.util.Arrays.stream(callNanos).sum();
        long now = System.currentTimeMillis();
        String version = session.card().version();
        double modelThreshold = session.card().threshold().value();

        for (int i = 0; i < decoded.size(); i++) {
            ConsumerRecord<byte[], byte[]> r = decoded.get(i);
            ScoredFrame s = scored.get(i);
            ScoreRecord record = new ScoreRecord(ScoreRecord.VERSION, new String(r.key(), StandardCharsets.UTF_8),
                    r.topic(), r.partition(), r.offset(), r.timestamp(), now, s.score(), modelThreshold, version,
                    s.validationRank(), s.topChannels(), s.region(), decoded.size(), inferenceNanos / 1000);
            producer.send(new ProducerRecord<>(topics.scores(), null, timestamp(r), r.key(), SCORE_JSON.serialize(topics.scores(), record)));
        }
        for (int i = 0; i < rejected.size(); i++) {
            producer.send(deadLetter(rejected.get(i), reasons.get(i), version));
        }
        // Counted once committed, so that frames scored again after an abort are not counted twice.
        transaction.afterCommit.add(() -> {
            if (!decoded.isEmpty()) {
                for (int c = 0; c < calls; c++) {
                    metrics.batch(Math.min(predictBatch, decoded.size() - c * predictBatch), callNanos[c]);
                }
                metrics.scored(decoded.size());
                for (ScoredFrame s : scored) {
                    metrics.score(s.score());
                }
            }
            for (FrameDecodeException e : reasons) {
                metrics.deadLettered(e.reason());
            }
        });
    }

    /** Commits the open transaction with the offsets of every frame in it. */
    private void commit() {
        OpenTransaction t = transaction;
        producer.sendOffsetsToTransaction(t.nextOffsets, consumer.groupMetadata());
        producer.commitTransaction();
        transaction = null;
        t.afterCommit.forEach(Runnable::run);
    }

    /** Aborts the open transaction (if any) and seeks back to the first frame of each partition it held. */
    private void abortAndRewind() {
        abortQuietly();
        if (transaction != null) {
            Set<TopicPartition> owned = consumer.assignment();
            transaction.firstOffsets.forEach((tp, offset) -> {
                if (owned.contains(tp)) {
                    consumer.seek(tp, offset);
                }
            });
            transaction = null;
        }
    }

    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, FrameDecodeException e, String version) {
        Headers headers = new RecordHeaders(r.headers().toArray());
        headers.add(DeadLetterHeaders.ERROR_REASON, utf8(e.reason()));
        headers.add(DeadLetterHeaders.ERROR_MESSAGE, utf8(e.getMessage()));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(r.topic()));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(r.partition())));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(r.offset())));
        headers.add(DeadLetterHeaders.MODEL_VERSION, utf8(version));
        return new ProducerRecord<>(topics.dlq(), null, timestamp(r), r.key(), r.value(), headers);
    }

    /**
     * The frame's timestamp for the records written about it; null (the producer's clock) for a record without one
     * (-1), which a producer refuses and which would otherwise fail its batch on every retry.
     */
    private static Long timestamp(ConsumerRecord<byte[], byte[]> r) {
        return r.timestamp() >= 0 ? r.timestamp() : null;
    }

    private void abortQuietly() {
        try {
            producer.abortTransaction();
        } catch (IllegalStateException | KafkaException e) {
            LOG.debugf("scorer %d: nothing to abort (%s)", id, e.getMessage());
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** What a transaction holds: where each partition's frames in it start and end, and what to count at commit. */
    private static final class OpenTransaction {
        final long begunNanos;
        final Map<TopicPartition, Long> firstOffsets = new HashMap<>();
        final Map<TopicPartition, OffsetAndMetadata> nextOffsets = new HashMap<>();
        final List<Runnable> afterCommit = new ArrayList<>();
        int frames;

        OpenTransaction(long begunNanos) {
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
