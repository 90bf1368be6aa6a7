package io.frameguard.scoring;

import io.frameguard.events.FrameRef;
import io.frameguard.events.Picture;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Signature;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameShape;
import io.frameguard.heatmaps.Pictures;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelOutputs;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.serving.ActiveModel;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * One scoring thread: consume frames ({@link FramePoller}), decode them ({@link BatchDecoder}), score the batch in
 * one predictor call, and write each frame's score (a source's scores of the batch in one record) or a dead letter
 * ({@link OutgoingRecords}), all in one Kafka transaction with the consumed offsets ({@link ScoringTransaction}).
 *
 * <p>Business rule: every consumed frame leaves exactly one trace, a score or a dead-letter record, committed
 * atomically with its offset. A failed batch is aborted and re-read from its first offsets after a pause, so
 * no frame is ever skipped; the scorer only gives up on errors that retrying cannot fix (fenced producer,
 * authorisation), and then reports itself not ready. The model is read once per batch, so a model swap lands
 * between batches.
 *
 * <p>Transactions: while batches come full (a backlog), one transaction holds several of them, because a commit
 * costs the scorer two round trips to the broker during which it scores nothing. It is committed after a batch
 * that is not full (the scorer has caught up), when no frame is waiting, once it has been open for the commit
 * interval, before partitions are revoked, and at shutdown: a scorer that keeps up commits every batch, so its
 * scores are not held back, and behind a backlog the interval bounds how long they are. A failed batch or commit
 * aborts the whole transaction, and every batch in it is re-read.
 */
final class ScorerWorker implements Runnable {

    private static final Logger LOG = Logger.getLogger(ScorerWorker.class);

    private final int id;
    private final Consumer<byte[], ByteBuffer> consumer;
    private final Producer<byte[], byte[]> producer;
    private final ActiveModel model;
    private final ScorerSettings settings;
    private final FrameguardMetrics metrics;
    private final FramePoller poller;
    private final BatchDecoder decoder;
    private final ScoringTransaction transaction;
    private final OutgoingRecords records;
    private final List<String> subscription;
    private final WorkerFailures failures;

    private volatile boolean running = true;
    private volatile boolean joined;
    private volatile Throwable fatal;
    private float[] buffer = new float[0];
    /** Predictor calls' error maps, grown to the largest call's and reused ({@link FrameBatch#errorsInto()}). */
    private float[] errorBuffer = new float[0];

    ScorerWorker(int id, Consumer<byte[], ByteBuffer> consumer, Producer<byte[], byte[]> producer, Topics topics,
            ActiveModel model, FrameDecoders decoders, ScorerSettings settings, FrameguardMetrics metrics) {
        this.id = id;
        this.consumer = consumer;
        this.producer = producer;
        this.model = model;
        this.settings = settings;
        this.metrics = metrics;
        this.poller = new FramePoller(consumer, settings.maxBatch(), settings.maxBatchBytes(), settings.linger());
        this.decoder = new BatchDecoder(decoders, settings.decodeThreads(), "frameguard-decode-" + id);
        this.transaction = new ScoringTransaction(id, consumer, producer, () -> running, poller::rewound);
        this.records = new OutgoingRecords(topics, settings.maxRecordBytes());
        this.subscription = List.of(topics.frames().name());
        this.failures = new WorkerFailures(id, settings.maxAttempts());
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
        ModelRunner.Session session = null;
        try {
            producer.initTransactions();
            consumer.subscribe(subscription, new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    // The new owner starts from the committed offsets: commit what was scored of them first.
                    if (!partitions.isEmpty()) {
                        transaction.commitOrAbort("before rebalance");
                    }
                    failures.forget(partitions);
                    poller.revoked(partitions);
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    // Another member owns them already: the offsets can no longer be committed by this one.
                    if (transaction.isOpen()) {
                        transaction.abortAndRewind();
                    }
                    failures.forget(partitions);
                    poller.revoked(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    joined = true;
                    LOG.infof("scorer %d assigned %s", id, partitions);
                }
            });
            while (running) {
                List<ConsumerRecord<byte[], ByteBuffer>> batch = poller.next(transaction.isOpen());
                try {
                    if (batch.isEmpty()) {
                        if (transaction.isOpen()) {
                            transaction.commit(); // nothing more is waiting: don't hold scores back
                            failures.committed();
                        }
                        continue;
                    }
                    ModelRunner current = model.current();
                    if (session == null || session.card() != current.card()) {
                        if (session != null) {
                            session.close();
                        }
                        session = current.newSession();
                        metrics.modelServed(current.card().version(), current.card().createdAt());
                    }
                    if (failures.isolating(batch)) {
                        if (transaction.isOpen()) {
                            // what was scored before is committed apart: a frame that fails alone aborts only its own
                            // transaction (abort alone does not read frames again, so it must not hold others)
                            transaction.commit();
                            failures.committed();
                        }
                        processAlone(batch, session);
                        continue;
                    }
                    process(batch, session);
                    if (batch.size() < settings.maxBatch() || transaction.openNanos() >= settings.commitInterval().toNanos()) {
                        transaction.commit();
                        failures.committed();
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (Exception e) {
                    if (fatal(e)) { // arrived wrapped: a record the broker refused for want of a permission, say
                        throw e;
                    }
                    LOG.errorf(e, "scorer %d: a batch or commit failed; the %d frame(s) of the open transaction will be "
                            + "scored again from their first offsets in %s", id,
                            transaction.isOpen() ? transaction.frames() : batch.size(), settings.retryBackoff());
                    Map<TopicPartition, Long> first = transaction.firstOffsets();
                    Map<TopicPartition, Long> end = transaction.endOffsets();
                    transaction.abortAndRewind(batch);
                    failures.failed(first, end, batch, e);
                    Thread.sleep(settings.retryBackoff().toMillis());
                }
            }
            transaction.commitOrAbort("at shutdown");
        } catch (WakeupException e) {
            if (running) {
                fatal = e;
            } else {
                transaction.commitOrAbort("at shutdown");
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
     * Why this worker cannot make progress, or null: its transactions have failed {@link ScorerSettings#maxAttempts()}
     * times in a row (frames wait, and readiness says so).
     */
    String progressProblem() {
        return failures.problem();
    }

    /**
     * A batch that keeps failing, one frame per transaction: a frame that fails alone, for a reason that retrying
     * cannot fix, goes to the dead-letter topic ({@code processing-failed}) and the frames behind it are scored. A
     * retriable failure (the broker unreachable) is not the frame's fault: the rest of the batch is read again
     * after the back-off, as in {@link #run}.
     */
    private void processAlone(List<ConsumerRecord<byte[], ByteBuffer>> batch, ModelRunner.Session session) throws Exception {
        for (int i = 0; i < batch.size(); i++) {
            ConsumerRecord<byte[], ByteBuffer> frame = batch.get(i);
            List<ConsumerRecord<byte[], ByteBuffer>> rest = batch.subList(i, batch.size());
            try {
                try {
                    process(List.of(frame), session);
                    transaction.commit();
                } catch (Exception e) {
                    if (WorkerFailures.retriable(e) || e instanceof WakeupException || fatal(e)) {
                        throw e;
                    }
                    transaction.abort();
                    deadLetterAlone(frame, e, session.card().version());
                }
                failures.committed(new TopicPartition(frame.topic(), frame.partition()), frame.offset() + 1);
            } catch (Exception e) {
                // the frames before this one are committed: only this one and those after it are read again
                transaction.abortAndRewind(rest);
                if (e instanceof WakeupException || fatal(e)) {
                    throw e;
                }
                LOG.errorf(e, "scorer %d: frame %s could not be scored or dead-lettered alone; it and the %d after it will be "
                        + "read again in %s", id, FrameRef.of(frame).id(), rest.size() - 1, settings.retryBackoff());
                failures.failed(Map.of(), Map.of(), rest, e);
                Thread.sleep(settings.retryBackoff().toMillis());
                return;
            }
        }
    }

    /**
     * Failures that stop the worker: retrying cannot fix them, nor can dead-lettering the frame at hand (every frame would
     * go). Looked for along the causes: a record the broker refused arrives wrapped ({@code RecordFailedException}, the
     * producer's "error state").
     */
    static boolean fatal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException
                    || t instanceof OutOfOrderSequenceException || t instanceof AuthorizationException
                    || t instanceof AuthenticationException || t instanceof UnsupportedVersionException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The dead letter of a frame that failed alone: its copy (cut to the largest record, as every dead letter), or,
     * should the broker refuse even that, one that keeps nothing of the frame but where it is.
     */
    private void deadLetterAlone(ConsumerRecord<byte[], ByteBuffer> frame, Exception cause, String version) {
        FrameDecodeException reason = new FrameDecodeException(FrameDecodeException.PROCESSING_FAILED,
                "scoring the frame failed " + settings.maxAttempts() + " times in its batch and once alone: "
                        + WorkerFailures.describe(cause));
        for (boolean withPayload : new boolean[] {true, false}) {
            try {
                transaction.add(List.of(frame));
                transaction.send(withPayload ? records.deadLetter(frame, reason, version) : records.deadLetterKeepingNothing(frame, reason, version));
                transaction.afterCommit(() -> metrics.deadLettered(reason.reason()));
                transaction.commit();
                LOG.warnf("scorer %d: frame %s failed alone (%s); dead-lettered as %s%s", id, FrameRef.of(frame).id(),
                        WorkerFailures.describe(cause), reason.reason(), withPayload ? "" : " keeping nothing of it but where it is");
                return;
            } catch (RuntimeException e) {
                transaction.abort();
                if (!withPayload || WorkerFailures.retriable(e) || fatal(e)) {
                    throw e;
                }
            }
        }
    }

    /** Decodes, scores and writes about one batch inside the open transaction (begun here if none is). */
    private void process(List<ConsumerRecord<byte[], ByteBuffer>> batch, ModelRunner.Session session) throws Exception {
        FrameShape shape = session.card().input().shape();
        int dim = shape.dim();
        int width = session.card().input().errorWidth();
        Integer channelsOnCard = session.card().input().channels();
        int windowChannels = shape.image() == null && channelsOnCard != null && width == dim ? channelsOnCard : 0;
        transaction.add(batch);
        if (buffer.length < batch.size() * dim) {
            buffer = new float[batch.size() * dim];
        }
        BatchDecoder.Result frames = decoder.decode(batch, buffer, shape);
        List<ConsumerRecord<byte[], ByteBuffer>> decoded = frames.decoded();
        List<ConsumerRecord<byte[], ByteBuffer>> rejected = new ArrayList<>(frames.rejected());
        List<FrameDecodeException> reasons = new ArrayList<>(frames.reasons());

        double modelThreshold = session.card().threshold().value();
        Double modelMedian = session.card().validationMedian();
        Picture[] pictures = new Picture[decoded.size()];
        // At most framesPerCall frames per predictor call (predict-batch may split a batch; benchmarks use it).
        int perCall = settings.framesPerCall();
        List<ScoredFrame> scored = new ArrayList<>(decoded.size());
        int calls = (decoded.size() + perCall - 1) / perCall;
        long[] callNanos = new long[calls];
        for (int c = 0; c < calls; c++) {
            int from = c * perCall;
            int n = Math.min(perCall, decoded.size() - from);
            if (errorBuffer.length < n * width) {
                errorBuffer = new float[n * width];
            }
            long t0 = System.nanoTime();
            // the error maps are read before the next call overwrites them: explanations and pictures are copies
            ModelOutputs outputs = session.run(new FrameBatch(buffer, from * dim, n, dim, errorBuffer));
            callNanos[c] = System.nanoTime() - t0;
            float[] errors = outputs.errors();
            List<ScoredFrame> chunk = session.explain(outputs, n, settings.explainFrom(modelThreshold));
            scored.addAll(chunk);
            for (int i = 0; i < n; i++) {
                // the frames that may become anomaly events carry a small picture of themselves for the memory
                if (settings.candidate(chunk.get(i).score(), chunk.get(i).validationRank(), modelThreshold)) {
                    pictures[from + i] = windowChannels > 1
                            ? Pictures.window(windowChannels, dim, buffer, (from + i) * dim, errors, i * width)
                            : Pictures.of(shape.image(), dim, buffer, (from + i) * dim, errors, i * width);
                }
            }
        }
        long t0 = System.nanoTime();
        float[][] signatures = describeCandidates(session, buffer, shape, scored, pictures, perCall);
        long inferenceMicros = (java.util.Arrays.stream(callNanos).sum() + System.nanoTime() - t0) / 1000;
        long now = System.currentTimeMillis();
        String version = session.card().version();
        String signatureKind = session.card().signature() == null ? null : session.card().signature().kind();
        List<ScoredFrame> published = new ArrayList<>(scored.size());
        List<ConsumerRecord<byte[], ByteBuffer>> publishedFrames = new ArrayList<>(scored.size());
        List<ScoreRecord> scoreRecords = new ArrayList<>(scored.size());
        for (int i = 0; i < decoded.size(); i++) {
            ScoredFrame s = scored.get(i);
            if (!Double.isFinite(s.score())) {
                // A score that is no number cannot be compared with a threshold (NaN > t is false: the frame would
                // pass as normal) nor written as a JSON number: the frame goes to the dead-letter topic instead.
                rejected.add(decoded.get(i));
                reasons.add(new FrameDecodeException(FrameDecodeException.NON_FINITE_SCORE, "the model's score of the frame is "
                        + s.score() + " (values too large for the model's float32 arithmetic)"));
                continue;
            }
            published.add(s);
            Signature signature = signatureKind != null && signatures[i] != null ? new Signature(signatureKind, signatures[i]) : null;
            publishedFrames.add(decoded.get(i));
            scoreRecords.add(OutgoingRecords.score(decoded.get(i), s, signature, pictures[i], now, modelThreshold, modelMedian, version,
                    decoded.size(), inferenceMicros));
        }
        for (ProducerRecord<byte[], byte[]> r : records.scores(publishedFrames, scoreRecords)) {
            transaction.send(r);
        }
        for (int i = 0; i < rejected.size(); i++) {
            transaction.send(records.deadLetter(rejected.get(i), reasons.get(i), version));
        }
        transaction.afterCommit(() -> {
            for (int c = 0; c < calls; c++) {
                metrics.batch(Math.min(perCall, decoded.size() - c * perCall), callNanos[c]);
            }
            if (!published.isEmpty()) {
                metrics.scored(published.size());
                for (ScoredFrame s : published) {
                    metrics.score(s.score());
                }
            }
            for (FrameDecodeException e : reasons) {
                metrics.deadLettered(e.reason());
            }
        });
    }

    /**
     * The signatures of the candidate anomalies among a batch's frames (those with a picture): from the first pass where
     * the model's one function computed them (models exported before the split), otherwise from its {@code describe}
     * function run on those frames alone, at most {@code perCall} per call, which also gives their reconstructions for
     * their pictures (when the model has them). Null for the other frames.
     */
    private static float[][] describeCandidates(ModelRunner.Session session, float[] values, FrameShape shape,
            List<ScoredFrame> scored, Picture[] pictures, int perCall) throws ai.djl.translate.TranslateException {
        int dim = shape.dim();
        float[][] signatures = new float[scored.size()][];
        var card = session.card().signature();
        if (card == null) {
            return signatures;
        }
        List<Integer> wanted = new ArrayList<>();
        for (int i = 0; i < scored.size(); i++) {
            if (pictures[i] != null) {
                if (scored.get(i).signature() != null) {
                    signatures[i] = scored.get(i).signature();
                } else {
                    wanted.add(i);
                }
            }
        }
        for (int from = 0; from < wanted.size(); from += perCall) {
            int n = Math.min(perCall, wanted.size() - from);
            float[] rows = new float[n * dim];
            for (int r = 0; r < n; r++) {
                System.arraycopy(values, wanted.get(from + r) * dim, rows, r * dim, dim);
            }
            ModelOutputs described = session.describe(new FrameBatch(rows, n, dim));
            float[] out = described.signatures();
            for (int r = 0; r < n; r++) {
                int i = wanted.get(from + r);
                signatures[i] = java.util.Arrays.copyOfRange(out, r * card.length(), (r + 1) * card.length());
                if (described.reconstructions() != null && described.reconstructions().length == n * dim) {
                    pictures[i] = Pictures.withReconstruction(pictures[i], shape.image(), dim, described.reconstructions(), r * dim);
                }
            }
        }
        return signatures;
    }
}
