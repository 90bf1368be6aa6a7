package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.inference.ModelRunner;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.serving.ActiveModel;
import io.frameguard.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
                ScoreRecord s = TOPICS.scores().deserialize(r.value());
                assertThat(s.score()).as("score of %s", s.frame().id()).isFinite();
                assertThat(scored.add(s.frame().id())).isTrue();
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
        // The frames, kept like a partition's log: the mock consumer forgets what it returned, a broker does not.
        List<ConsumerRecord<byte[], byte[]>> log = new ArrayList<>();
        var sim = TestModels.simulator();
        for (int i = 0; i < FRAMES_PER_PARTITION; i++) {
            for (TopicPartition tp : List.of(P0, P1)) {
                String source = "s" + tp.partition();
                // No timestamp (-1), as from a pre-0.10 producer: the scores then take the producer's clock.
                float[] frame = sim.frame(source, i);
                if (overflowing.contains((long) i)) {
                    for (int c = 0; c < frame.length; c++) {
                        frame[c] = c % 2 == 0 ? 3e38f : -3e38f;
                    }
                }
                log.add(new ConsumerRecord<>(tp.topic(), tp.partition(), i, source.getBytes(StandardCharsets.UTF_8),
                        FrameEncoding.float32(frame)));
            }
        }
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
            @Override
            public synchronized void seek(TopicPartition partition, long offset) {
                super.seek(partition, offset);
                log.stream().filter(r -> r.partition() == partition.partition() && r.offset() >= offset)
                        .forEach(this::addRecord);
            }
        };
        consumer.setMaxPollRecords(perPoll);
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(P0, P1));
            consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
            consumer.seek(P0, 0);
            consumer.seek(P1, 0);
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ScorerWorker worker = new ScorerWorker(0, consumer, producer, TOPICS, model,
                FrameDecoders.standard(Float32FrameDecoder.CONTENT_TYPE, 1 << 20, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS),
                new ScorerSettings(MAX_BATCH, 0, Duration.ZERO, commitInterval, Duration.ofMillis(10), 2),
                new FrameguardMetrics(registry, 100), null);
        Thread t = new Thread(worker, "scorer-under-test");
        t.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (committedOffsets(producer).size() < 2
                || committedOffsets(producer).values().stream().anyMatch(o -> o.offset() < FRAMES_PER_PARTITION)) {
            assertThat(System.nanoTime()).as("all frames committed within 60 s").isLessThan(deadline);
            assertThat(worker.fatal()).isNull();
            Thread.sleep(20);
        }
        worker.stop();
        t.join(10_000);
        return new Outcome(producer, registry);
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
                ScoreRecord s = TOPICS.scores().deserialize(r.value());
                assertThat(frames.add(s.frame().id())).as("duplicate score for %s", s.frame().id()).isTrue();
            }
            assertThat(frames).hasSize(2 * FRAMES_PER_PARTITION);
            assertThat(committedOffsets(producer)).containsEntry(P0, new OffsetAndMetadata(FRAMES_PER_PARTITION))
                    .containsEntry(P1, new OffsetAndMetadata(FRAMES_PER_PARTITION));
        }
    }
}
