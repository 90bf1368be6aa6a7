package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FetchedBytes;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.inference.ModelRunner;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.serving.ActiveModel;
import io.frameguard.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scorer's transactions, with Kafka's mock clients standing in for the broker and a real trained model: which
 * batches share a transaction, and that an aborted transaction's frames are all scored again, once. (The
 * integration tests and the fault benchmark run the same worker against a real broker.)
 */
class ScorerWorkerTest {

    private static final Topics TOPICS = Topics.defaults();
    private static final TopicPartition P0 = new TopicPartition(TOPICS.frames().name(), 0);
    private static final TopicPartition P1 = new TopicPartition(TOPICS.frames().name(), 1);
    private static final int FRAMES_PER_PARTITION = 600;
    private static final int MAX_BATCH = 100;
    private static final int MAX_ATTEMPTS = 3;
    private static final String POISON = "poison";

    @TempDir
    static Path tmp;

    private static ActiveModel model;

    @BeforeAll
    static void trainModel() throws Exception {
        model = new ActiveModel();
        model.swap(ModelRunner.load(TestModels.trainSensorModel(tmp.resolve("model"), 1000, 2, 3)));
    }

    @AfterAll
    static void closeModel() {
        model.current().retire();
    }

    @Test
    void aBacklogIsScoredInFewTransactionsOfManyBatches() throws Exception {
        Outcome out = score(new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ofMinutes(1), MAX_BATCH);
        out.assertEveryFrameScoredOnce();
        // 12 batches of 100 frames were all waiting: one transaction takes them, not twelve.
        assertThat(out.producer.commitCount()).isBetween(1L, 3L);
    }

    @Test
    void aZeroIntervalCommitsEveryBatch() throws Exception {
        Outcome out = score(new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ZERO, MAX_BATCH);
        out.assertEveryFrameScoredOnce();
        assertThat(out.producer.commitCount()).isEqualTo(2L * FRAMES_PER_PARTITION / MAX_BATCH);
    }

    @Test
    void batchesThatAreNotFullAreCommittedOneByOne() throws Exception {
        // Polls of 60 frames with nothing to top them up: the scorer is keeping up, so nothing is held back.
        Outcome out = score(new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ofMinutes(1), 60);
        out.assertEveryFrameScoredOnce();
        assertThat(out.producer.commitCount()).isEqualTo(2L * FRAMES_PER_PARTITION / 60);
    }

    @Test
    void aFailedCommitAbortsAndEveryFrameOfItsBatchesIsScoredAgainOnce() throws Exception {
        AtomicInteger failures = new AtomicInteger(1);
        AtomicInteger aborts = new AtomicInteger();
        MockProducer<byte[], byte[]> failingOnce = new MockProducer<>(true, null, new ByteArraySerializer(),
                new ByteArraySerializer()) {
            @Override
            public void commitTransaction() {
                if (failures.getAndDecrement() > 0) {
                    throw new KafkaException("injected: the broker went away during the commit");
                }
                super.commitTransaction();
            }

            @Override
            public void abortTransaction() {
                aborts.incrementAndGet();
                super.abortTransaction();
            }
        };
        Outcome out = score(failingOnce, Duration.ofMinutes(1), MAX_BATCH);
        assertThat(aborts).hasValue(1);
        out.assertEveryFrameScoredOnce();
        // Frames of the aborted transaction are counted once, when they are committed the second time.
        assertThat(out.registry.get("frameguard.frames.scored").counter().count()).isEqualTo(2.0 * FRAMES_PER_PARTITION);
    }

    @Test
    void aFrameWhoseScoreIsNotFiniteIsDeadLetteredAndNeverScored() throws Exception {
        // Finite values, but so large that the model's arithmetic overflows float32: the score comes out infinite.
        Set<Long> overflowing = Set.of(7L, 250L, 599L);
        Outcome out = score(new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()),
                Duration.ofMinutes(1), MAX_BATCH, overflowing);
        Set<String> scored = new HashSet<>();
        Set<String> deadLettered = new HashSet<>();
        for (ProducerRecord<byte[], byte[]> r : out.producer.history()) {
            if (r.topic().equals(TOPICS.scores().name())) {
                for (ScoreRecord s : TOPICS.scores().deserialize(r.value()).scores()) {
                    assertThat(s.score()).as("score of %s", s.frame().id()).isFinite();
                    assertThat(scored.add(s.frame().id())).isTrue();
                }
            } else {
                assertThat(r.topic()).isEqualTo(TOPICS.dlq().name());
                assertThat(header(r, DeadLetterHeaders.ERROR_REASON)).isEqualTo(FrameDecodeException.NON_FINITE_SCORE);
                deadLettered.add(TOPICS.frames().name() + "/" + header(r, DeadLetterHeaders.SOURCE_PARTITION) + "/"
                        + header(r, DeadLetterHeaders.SOURCE_OFFSET));
            }
        }
        Set<String> expected = new HashSet<>();
        for (TopicPartition tp : List.of(P0, P1)) {
            overflowing.forEach(o -> expected.add(tp.topic() + "/" + tp.partition() + "/" + o));
        }
        assertThat(deadLettered).isEqualTo(expected);
        assertThat(scored).hasSize(2 * FRAMES_PER_PARTITION - expected.size()).doesNotContainAnyElementsOf(expected);
        assertThat(out.registry.get("frameguard.frames.dlq").tag("reason", FrameDecodeException.NON_FINITE_SCORE).counter().count())
                .isEqualTo(expected.size());
    }

    @Test
    void aFrameThatFailsEveryTimeIsDeadLetteredAloneAndTheOthersAreScored() throws Exception {
        // The broker refuses the score record of one frame whatever happens (as it refuses a record over its limit).
        MockProducer<byte[], byte[]> refusing = new RefusingPoison();
        Running r = start(refusing, Duration.ofMinutes(1), MAX_BATCH, Set.of(), Set.of(42L), Duration.ZERO);
        r.awaitAllCommitted();
        Outcome out = r.stop();
        Sent sent = sent(out.producer);
        Set<String> scored = sent.scored();
        List<ProducerRecord<byte[], byte[]>> deadLetters = sent.deadLetters();
        assertThat(scored).hasSize(2 * FRAMES_PER_PARTITION - 1).doesNotContain("frames/0/42");
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).topic()).isEqualTo(TOPICS.dlq().name());
        assertThat(header(deadLetters.get(0), DeadLetterHeaders.ERROR_REASON)).isEqualTo(FrameDecodeException.PROCESSING_FAILED);
        assertThat(header(deadLetters.get(0), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("42");
        assertThat(header(deadLetters.get(0), DeadLetterHeaders.ERROR_MESSAGE)).contains("RecordTooLargeException");
        assertThat(committedOffsets(out.producer)).containsEntry(P0, new OffsetAndMetadata(FRAMES_PER_PARTITION))
                .containsEntry(P1, new OffsetAndMetadata(FRAMES_PER_PARTITION));
        assertThat(out.registry.get("frameguard.frames.dlq").tag("reason", FrameDecodeException.PROCESSING_FAILED).counter().count())
                .isEqualTo(1);
        assertThat(r.worker().progressProblem()).isNull();
    }

    /**
     * Frames scored alone never share a transaction with frames scored before: when a full batch of another partition
     * left a transaction open and the first frame scored alone failed, aborting it threw that batch's scores away
     * without reading its frames again, and the next commit of that partition went past them (frames lost, neither scored
     * nor dead-lettered).
     */
    @Test
    void framesScoredAloneDoNotTakeAnOpenTransactionOfOtherFramesDownWithThem() throws Exception {
        // the poison fails as it is scored (as a frame the model throws on), not at the commit
        MockProducer<byte[], byte[]> refusingAtOnce = refusingScores(
                record -> POISON.equals(new String(record.key(), StandardCharsets.UTF_8)), record -> {
                    throw new IllegalStateException("injected: this frame cannot be scored");
                });
        Running r = start(refusingAtOnce, Duration.ofMinutes(1), MAX_BATCH, Set.of(), Set.of(0L), Duration.ZERO, true);
        r.awaitAllCommitted();
        Outcome out = r.stop();
        Sent sent = sent(out.producer);
        Set<String> scored = sent.scored();
        int deadLetters = sent.deadLetters().size();
        assertThat(deadLetters).isEqualTo(1);
        assertThat(scored).as("every frame but the poison scored").hasSize(2 * FRAMES_PER_PARTITION - 1);
    }

    /**
     * A permission the scores topic lacks (an ACL missing, credentials rotated) stops the worker, as its class says: the
     * refusal arrives wrapped in the failed commit's exception, and taken for a frame's fault it had every frame
     * dead-lettered, one by one, as processing-failed.
     */
    @Test
    void aScoresTopicThatRefusesThePermissionStopsTheWorkerAndDeadLettersNothing() throws Exception {
        MockProducer<byte[], byte[]> denied = refusingScores(record -> true, record -> java.util.concurrent.CompletableFuture.failedFuture(
                new org.apache.kafka.common.errors.TopicAuthorizationException(java.util.Set.of(record.topic()))));
        Running r = start(denied, Duration.ofMinutes(1), MAX_BATCH, Set.of(), Set.of(), Duration.ZERO);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (r.worker().fatal() == null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(r.worker().fatal()).as("the worker stopped").isNotNull();
        assertThat(ScorerWorker.fatal(r.worker().fatal())).isTrue();
        r.thread().join(10_000);
        assertThat(denied.history()).as("nothing dead-lettered").noneMatch(rec -> rec.topic().equals(TOPICS.dlq().name()));
        assertThat(committedOffsets(denied)).as("nothing committed").isEmpty();
    }

    @Test
    void aPassingFailureWhileFramesAreScoredAloneReadsAgainOnlyTheFramesNotYetCommitted() throws Exception {
        AtomicInteger commits = new AtomicInteger();
        MockProducer<byte[], byte[]> refusingAndFlaky = new RefusingPoison() {
            @Override
            public void commitTransaction() {
                // the fifth commit is one of the frames scored alone: the connection drops, as a network does
                if (commits.incrementAndGet() == 5) {
                    throw new org.apache.kafka.common.errors.NetworkException("injected: the connection dropped");
                }
                super.commitTransaction();
            }
        };
        Running r = start(refusingAndFlaky, Duration.ofMinutes(1), MAX_BATCH, Set.of(), Set.of(42L), Duration.ZERO);
        r.awaitAllCommitted();
        Outcome out = r.stop();
        assertThat(commits.get()).isGreaterThan(5);
        Sent sent = sent(out.producer);
        Set<String> scored = sent.scored();
        int deadLetters = sent.deadLetters().size();
        assertThat(scored).hasSize(2 * FRAMES_PER_PARTITION - 1);
        assertThat(deadLetters).isEqualTo(1);
    }

    @Test
    void aWorkerWhoseTransactionsKeepFailingSaysItMakesNoProgress() throws Exception {
        MockProducer<byte[], byte[]> neverCommits = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void commitTransaction() {
                throw new KafkaException("injected: every commit fails");
            }
        };
        Running r = start(neverCommits, Duration.ofMinutes(1), MAX_BATCH, Set.of(), Set.of(), Duration.ZERO);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (r.worker().progressProblem() == null) {
                assertThat(System.nanoTime()).as("progress problem reported within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(r.worker().progressProblem()).contains("transactions in a row failed").contains("every commit fails");
            assertThat(r.worker().fatal()).isNull();
            assertThat(committedOffsets(neverCommits)).isEmpty();
        } finally {
            r.stop();
        }
    }

    @Test
    void framesPolledBeforeARebalanceDuringTheLingerAreNotScoredTwice() throws Exception {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        // Polls of 10 frames topped up for up to 2 s: the batch of 100 takes several polls, and a rebalance comes in one
        // of them. Eager, as the default assignor is: every partition revoked, then the same ones assigned again, their
        // positions reset to the committed offsets (where a fresh owner would start).
        Running r = start(producer, Duration.ZERO, 10, Set.of(), Set.of(), Duration.ofSeconds(2));
        AtomicInteger polls = new AtomicInteger();
        Runnable[] countdown = new Runnable[1];
        countdown[0] = () -> {
            if (polls.incrementAndGet() == 25) {
                r.consumer().rebalance(List.of());
                r.consumer().rebalance(List.of(P0, P1));
                Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(producer);
                for (TopicPartition tp : List.of(P0, P1)) {
                    r.consumer().seek(tp, committed.containsKey(tp) ? committed.get(tp).offset() : 0);
                }
            } else {
                r.consumer().schedulePollTask(countdown[0]);
            }
        };
        r.consumer().schedulePollTask(countdown[0]);
        r.awaitAllCommitted();
        Outcome out = r.stop();
        assertThat(polls.get()).as("the rebalance happened").isEqualTo(25);
        out.assertEveryFrameScoredOnce();
    }

    @Test
    void aFailureBeforeTheTransactionBeginsSkipsNoFrame() throws Exception {
        AtomicInteger failures = new AtomicInteger(1);
        MockProducer<byte[], byte[]> failingToBegin = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void beginTransaction() {
                if (failures.getAndDecrement() > 0) {
                    throw new KafkaException("injected: beginning the transaction failed");
                }
                super.beginTransaction();
            }
        };
        Outcome out = score(failingToBegin, Duration.ofMinutes(1), MAX_BATCH);
        assertThat(failures.get()).isNegative();
        out.assertEveryFrameScoredOnce();
    }

    @Test
    void aCommitThatTimesOutIsRetriedNotAborted() throws Exception {
        AtomicInteger timeouts = new AtomicInteger(1);
        AtomicInteger aborts = new AtomicInteger();
        MockProducer<byte[], byte[]> slowOnce = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void commitTransaction() {
                if (timeouts.getAndDecrement() > 0) {
                    // the commit may still complete on the broker: aborting and scoring again could duplicate frames
                    throw new org.apache.kafka.common.errors.TimeoutException("injected: commit timed out after max.block.ms");
                }
                super.commitTransaction();
            }

            @Override
            public void abortTransaction() {
                aborts.incrementAndGet();
                super.abortTransaction();
            }
        };
        Outcome out = score(slowOnce, Duration.ofMinutes(1), MAX_BATCH);
        assertThat(timeouts.get()).isNegative();
        assertThat(aborts).hasValue(0);
        out.assertEveryFrameScoredOnce();
    }

    /** A producer whose broker refuses the score record of every frame keyed {@value #POISON}, whatever happens. */
    private static class RefusingPoison extends MockProducer<byte[], byte[]> {
        RefusingPoison() {
            super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        }

            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> record) {
                if (record.topic().equals(TOPICS.scores().name()) && POISON.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                    return java.util.concurrent.CompletableFuture.failedFuture(
                            new org.apache.kafka.common.errors.RecordTooLargeException("injected: the broker refuses this record"));
                }
                return super.send(record);
            }
    }

    /** A producer whose broker answers the score records {@code refused} picks with {@code answer} (which may throw). */
    private static MockProducer<byte[], byte[]> refusingScores(java.util.function.Predicate<ProducerRecord<byte[], byte[]>> refused,
            java.util.function.Function<ProducerRecord<byte[], byte[]>, java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> answer) {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata> send(
                    ProducerRecord<byte[], byte[]> record) {
                return record.topic().equals(TOPICS.scores().name()) && refused.test(record) ? answer.apply(record) : super.send(record);
            }
        };
    }

    /** What a worker sent: the frames scored (each once, or the test fails) and the other records, its dead letters. */
    private record Sent(Set<String> scored, List<ProducerRecord<byte[], byte[]>> deadLetters) {}

    private static Sent sent(MockProducer<byte[], byte[]> producer) {
        Set<String> scored = new HashSet<>();
        List<ProducerRecord<byte[], byte[]>> deadLetters = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> rec : producer.history()) {
            if (rec.topic().equals(TOPICS.scores().name())) {
                for (ScoreRecord s : TOPICS.scores().deserialize(rec.value()).scores()) {
                    assertThat(scored.add(s.frame().id())).as("duplicate score for %s", s.frame().id()).isTrue();
                }
            } else {
                deadLetters.add(rec);
            }
        }
        return new Sent(scored, deadLetters);
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private Outcome score(MockProducer<byte[], byte[]> producer, Duration commitInterval, int perPoll) throws Exception {
        return score(producer, commitInterval, perPoll, Set.of());
    }

    /**
     * Runs a worker (max-batch {@link #MAX_BATCH}, no linger) over a backlog on two partitions, the consumer
     * returning at most {@code perPoll} frames a poll, until every frame's offset is committed; then stops it. The
     * frames at {@code overflowing} offsets hold finite values near float32's largest.
     */
    private Outcome score(MockProducer<byte[], byte[]> producer, Duration commitInterval, int perPoll, Set<Long> overflowing)
            throws Exception {
        Running r = start(producer, commitInterval, perPoll, overflowing, Set.of(), Duration.ZERO);
        r.awaitAllCommitted();
        return r.stop();
    }

    /** A worker over the backlog; the frames of P0 at {@code poisonOffsets} have the key {@value #POISON}. */
    private Running start(MockProducer<byte[], byte[]> producer, Duration commitInterval, int perPoll, Set<Long> overflowing,
            Set<Long> poisonOffsets, Duration linger) {
        return start(producer, commitInterval, perPoll, overflowing, poisonOffsets, linger, false);
    }

    /**
     * @param alternating each poll returns one partition's frames, P0's and P1's in turn (as fetches that complete in
     *     varying order do), rather than both partitions' in each
     */
    private Running start(MockProducer<byte[], byte[]> producer, Duration commitInterval, int perPoll, Set<Long> overflowing,
            Set<Long> poisonOffsets, Duration linger, boolean alternating) {
        AtomicInteger polls = new AtomicInteger();
        // The frames, kept like a partition's log: the mock consumer forgets what it returned, a broker does not.
        List<ConsumerRecord<byte[], ByteBuffer>> log = new ArrayList<>();
        var sim = TestModels.simulator();
        for (int i = 0; i < FRAMES_PER_PARTITION; i++) {
            for (TopicPartition tp : List.of(P0, P1)) {
                String source = tp.equals(P0) && poisonOffsets.contains((long) i) ? POISON : "s" + tp.partition();
                float[] frame = sim.frame(source, i);
                if (overflowing.contains((long) i)) {
                    for (int c = 0; c < frame.length; c++) {
                        frame[c] = c % 2 == 0 ? 3e38f : -3e38f;
                    }
                }
                // No timestamp (-1), as from a pre-0.10 producer: the scores then take the producer's clock.
                log.add(new ConsumerRecord<>(tp.topic(), tp.partition(), i, source.getBytes(StandardCharsets.UTF_8),
                        FetchedBytes.within(FrameEncoding.float32(frame))));
            }
        }
        // Polls read the log from each partition's position, as a broker's fetch does: a seek back reads again.
        MockConsumer<byte[], ByteBuffer> consumer = new MockConsumer<>("earliest") {
            @Override
            public synchronized ConsumerRecords<byte[], ByteBuffer> poll(Duration timeout) {
                super.poll(Duration.ZERO); // scheduled tasks, rebalances and wakeups; its own queue stays empty
                Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> fetched = new HashMap<>();
                int n = 0;
                List<TopicPartition> partitions = new ArrayList<>(assignment());
                if (alternating && partitions.size() == 2) {
                    partitions.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
                    TopicPartition turn = partitions.get(polls.getAndIncrement() % 2);
                    partitions = log.stream().anyMatch(r -> r.partition() == turn.partition() && r.offset() >= position(turn))
                            ? List.of(turn) : partitions;
                }
                for (TopicPartition tp : partitions) {
                    long from = position(tp);
                    List<ConsumerRecord<byte[], ByteBuffer>> next = log.stream()
                            .filter(r -> r.partition() == tp.partition() && r.offset() >= from).limit(perPoll - n).toList();
                    if (!next.isEmpty()) {
                        fetched.put(tp, next);
                        super.seek(tp, next.get(next.size() - 1).offset() + 1);
                        n += next.size();
                    }
                }
                return new ConsumerRecords<>(fetched, Map.of());
            }
        };
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0, P1));
            consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
            consumer.seek(P0, 0);
            consumer.seek(P1, 0);
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScorerWorker worker = new ScorerWorker(0, consumer, producer, TOPICS, model,
                FrameDecoders.standard(Float32FrameDecoder.CONTENT_TYPE, 1 << 20, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS),
                new ScorerSettings(MAX_BATCH, 32 << 20, 0, linger, commitInterval, Duration.ofMillis(10), 2, 1_048_000, MAX_ATTEMPTS, 0.98,
                        0.5, false),
                new FrameguardMetrics(registry, 100));
        Thread t = new Thread(worker, "scorer-under-test");
        t.start();
        return new Running(worker, t, producer, registry, consumer);
    }

    private record Running(ScorerWorker worker, Thread thread, MockProducer<byte[], byte[]> producer, SimpleMeterRegistry registry,
            MockConsumer<byte[], ByteBuffer> consumer) {
        void awaitAllCommitted() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (committedOffsets(producer).size() < 2
                    || committedOffsets(producer).values().stream().anyMatch(o -> o.offset() < FRAMES_PER_PARTITION)) {
                assertThat(System.nanoTime()).as("all frames committed within 60 s").isLessThan(deadline);
                assertThat(worker.fatal()).isNull();
                Thread.sleep(20);
            }
        }

        Outcome stop() throws InterruptedException {
            worker.stop();
            thread.join(10_000);
            return new Outcome(producer, registry);
        }
    }

    /** The offsets committed with the transactions, latest per partition. */
    private static Map<TopicPartition, OffsetAndMetadata> committedOffsets(MockProducer<byte[], byte[]> producer) {
        Map<TopicPartition, OffsetAndMetadata> latest = new HashMap<>();
        for (Map<String, Map<TopicPartition, OffsetAndMetadata>> commit : producer.consumerGroupOffsetsHistory()) {
            commit.values().forEach(latest::putAll);
        }
        return latest;
    }

    private record Outcome(MockProducer<byte[], byte[]> producer, SimpleMeterRegistry registry) {
        void assertEveryFrameScoredOnce() {
            List<ProducerRecord<byte[], byte[]>> committed = producer.history();
            Set<String> frames = new HashSet<>();
            for (ProducerRecord<byte[], byte[]> r : committed) {
                assertThat(r.topic()).isEqualTo(TOPICS.scores().name());
                for (ScoreRecord s : TOPICS.scores().deserialize(r.value()).scores()) {
                    assertThat(frames.add(s.frame().id())).as("duplicate score for %s", s.frame().id()).isTrue();
                }
            }
            assertThat(frames).hasSize(2 * FRAMES_PER_PARTITION);
            assertThat(committedOffsets(producer)).containsEntry(P0, new OffsetAndMetadata(FRAMES_PER_PARTITION))
                    .containsEntry(P1, new OffsetAndMetadata(FRAMES_PER_PARTITION));
        }
    }
}
