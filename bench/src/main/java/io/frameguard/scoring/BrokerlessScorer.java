package io.frameguard.scoring;

import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.serving.ActiveModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The service's scorer ({@link ScorerWorker}, as the service runs it: decoding, predictor calls, explanations, candidates'
 * pictures, score records, transactions' bookkeeping) over a backlog held in memory, with no broker: the consumer hands
 * out ready-made records (no fetch response to parse) and the producer sends nothing (each score record is handed to
 * a callback). What the worker's thread spends is then the scorer's own work per frame, which the Kafka clients' share
 * in bench/e2e comes on top of. For bench/scorer; in the scoring package for the worker's constructor.
 */
public final class BrokerlessScorer {

    /** The worker's thread CPU over the backlog, and the frames it scored. */
    public record Result(long frames, double workerCpuSeconds) {}

    private BrokerlessScorer() {}

    /**
     * Scores {@code log} (each partition's frames in offset order from offset 0, as a broker holds them) with a worker
     * of max-batch {@code maxBatch} and the service's other defaults, each poll returning at most {@code maxBatch}
     * frames; returns once every frame's offset is committed. {@code scores} receives each score record.
     */
    public static Result score(Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log, ActiveModel model, int maxBatch,
            Consumer<ProducerRecord<byte[], byte[]>> scores) throws InterruptedException {
        Topics topics = Topics.defaults();
        Map<TopicPartition, Long> committed = new ConcurrentHashMap<>();
        Map<TopicPartition, Long> pending = new HashMap<>(); // the open transaction's offsets, committed with it
        Backlog consumer = new Backlog(log, maxBatch);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public synchronized java.util.concurrent.Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record) {
                if (record.topic().equals(topics.scores().name())) {
                    scores.accept(record);
                }
                // kept nowhere: a backlog of hundreds of thousands of frames would fill the mock's history
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }

            @Override
            public synchronized void sendOffsetsToTransaction(Map<TopicPartition, OffsetAndMetadata> offsets,
                    ConsumerGroupMetadata groupMetadata) {
                super.sendOffsetsToTransaction(offsets, groupMetadata);
                offsets.forEach((tp, o) -> pending.put(tp, o.offset()));
            }

            @Override
            public synchronized void commitTransaction() {
                super.commitTransaction();
                committed.putAll(pending);
                pending.clear();
                clear(); // the mock keeps every transaction's offsets too
            }

            @Override
            public synchronized void abortTransaction() {
                super.abortTransaction();
                pending.clear();
            }
        };
        ScorerSettings settings = new ScorerSettings(maxBatch, 32L << 20, 0, Duration.ofMillis(5), Duration.ofMillis(100),
                Duration.ofMillis(100), 2, 1_048_000, 3, 0.98, 0.5, false);
        ScorerWorker worker = new ScorerWorker(0, consumer, producer, topics, model,
                FrameDecoders.standard("application/x-float32", 1 << 20, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS), settings,
                new FrameguardMetrics(new SimpleMeterRegistry(), 100));
        Thread thread = new Thread(worker, "frameguard-scorer-brokerless");
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        thread.start();
        long frames = log.values().stream().mapToLong(List::size).sum();
        try {
            while (!log.keySet().stream().allMatch(tp -> committed.getOrDefault(tp, 0L) >= log.get(tp).size())) {
                if (worker.fatal() != null || !thread.isAlive()) {
                    throw new IllegalStateException("the scorer stopped", worker.fatal());
                }
                Thread.sleep(5);
            }
            return new Result(frames, cpu.getThreadCpuTime(thread.getId()) / 1e9);
        } finally {
            worker.stop();
            thread.join(10_000);
        }
    }

    /** Each partition's log from its position, at most {@code perPoll} frames a poll, as a broker's fetch returns them. */
    private static final class Backlog extends MockConsumer<byte[], ByteBuffer> {
        private final Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log;
        private final int perPoll;

        Backlog(Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log, int perPoll) {
            super("earliest");
            this.log = log;
            this.perPoll = perPoll;
            List<TopicPartition> partitions = new ArrayList<>(log.keySet());
            schedulePollTask(() -> {
                rebalance(partitions);
                Map<TopicPartition, Long> beginning = new HashMap<>();
                partitions.forEach(tp -> beginning.put(tp, 0L));
                updateBeginningOffsets(beginning);
                partitions.forEach(tp -> seek(tp, 0));
            });
        }

        @Override
        public synchronized ConsumerRecords<byte[], ByteBuffer> poll(Duration timeout) {
            super.poll(Duration.ZERO); // the scheduled assignment; its own queue stays empty
            Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> fetched = new HashMap<>();
            int n = 0;
            for (TopicPartition tp : assignment()) {
                List<ConsumerRecord<byte[], ByteBuffer>> frames = log.get(tp);
                int from = (int) position(tp);
                int to = Math.min(frames.size(), from + perPoll - n);
                if (to > from) {
                    fetched.put(tp, frames.subList(from, to));
                    seek(tp, to);
                    n += to - from;
                }
            }
            if (fetched.isEmpty() && !timeout.isZero()) {
                // as a broker's fetch waits: a worker with nothing left must not spin while it is being stopped
                try {
                    Thread.sleep(Math.min(timeout.toMillis(), 10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new ConsumerRecords<>(fetched, Map.of());
        }
    }
}
