package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The batch bounds: however much the polls return, a batch holds at most max-batch frames and max-batch-bytes of
 * payload, and the frames left out go into the next batch, none lost or repeated, without being fetched again (the
 * broker would read them twice, the consumer parse them twice); a rewind (an aborted transaction seeking back) reads
 * them again from the broker instead.
 */
class FramePollerTest {

    private static final TopicPartition P0 = new TopicPartition("frames", 0);
    private static final TopicPartition P1 = new TopicPartition("frames", 1);
    private static final int FRAMES = 500;
    private static final int FRAME_BYTES = 1000;

    @Test
    void aTopUpNeverGrowsABatchPastMaxBatch() {
        // the first poll finds a few frames, the top-up polls a full max.poll.records: 30 + 100 > 100
        List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = drain(100, Long.MAX_VALUE, new int[] {30, 100});
        assertThat(batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(100));
        assertThat(batches.stream().mapToInt(List::size).max().orElseThrow()).isEqualTo(100);
        assertEachFrameOnceInOrder(batches);
    }

    @Test
    void aBatchHoldsAtMostMaxBatchBytes() {
        long budget = 10L * (FRAME_BYTES + 2) + 5; // ten frames (key of 2 bytes) and a little
        List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = drain(100, budget, new int[] {100});
        assertThat(batches).allSatisfy(b -> assertThat(b).hasSizeLessThanOrEqualTo(10));
        assertEachFrameOnceInOrder(batches);
    }

    @Test
    void aFrameLargerThanTheBudgetIsABatchOfItsOwn() {
        List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = drain(100, 10, new int[] {100});
        assertThat(batches).allSatisfy(b -> assertThat(b).hasSize(1));
        assertEachFrameOnceInOrder(batches);
    }

    @Test
    void framesLeftOutAreKeptNotFetchedAgain() {
        for (int[] perPoll : List.of(new int[] {30, 100}, new int[] {100}, new int[] {7, 100, 3})) {
            AtomicInteger fetched = new AtomicInteger();
            List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = drain(100, 10L * (FRAME_BYTES + 2) + 5, perPoll, fetched, -1);
            assertEachFrameOnceInOrder(batches);
            assertThat(fetched.get()).as("frames the consumer returned, polls of %s", java.util.Arrays.toString(perPoll))
                    .isEqualTo(2 * FRAMES);
        }
    }

    @Test
    void aRewindReadsTheFramesAgainFromWhereItSoughtNothingTwiceFromWhatWasKept() {
        // after the third batch, its partitions are sought back to its first frames, as an aborted transaction does
        List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = drain(100, 10L * (FRAME_BYTES + 2) + 5, new int[] {30, 100},
                new AtomicInteger(), 2);
        Map<Integer, Long> next = new HashMap<>(Map.of(0, 0L, 1, 0L));
        for (int i = 0; i < batches.size(); i++) {
            if (i == 3) {
                batches.get(2).forEach(r -> next.merge(r.partition(), r.offset(), Math::min));
            }
            for (ConsumerRecord<byte[], ByteBuffer> r : batches.get(i)) {
                assertThat(r.offset()).as("batch %d, partition %d", i, r.partition()).isEqualTo(next.get(r.partition()));
                next.put(r.partition(), r.offset() + 1);
            }
        }
        assertThat(next).containsEntry(0, (long) FRAMES).containsEntry(1, (long) FRAMES);
    }

    @Test
    void aRebalanceDropsWhatWasKeptOfThePartitionsItRevoked() {
        // every fifth poll, partition 0 is revoked and given back at its committed offset (after the last batch's frames)
        List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = drain(100, 10L * (FRAME_BYTES + 2) + 5, new int[] {30, 100},
                new AtomicInteger(), -1, 5);
        assertEachFrameOnceInOrder(batches);
    }

    private static List<List<ConsumerRecord<byte[], ByteBuffer>>> drain(int maxBatch, long maxBatchBytes, int[] perPoll) {
        return drain(maxBatch, maxBatchBytes, perPoll, new AtomicInteger(), -1);
    }

    private static List<List<ConsumerRecord<byte[], ByteBuffer>>> drain(int maxBatch, long maxBatchBytes, int[] perPoll,
            AtomicInteger fetchedFrames, int rewindAfter) {
        return drain(maxBatch, maxBatchBytes, perPoll, fetchedFrames, rewindAfter, 0);
    }

    /**
     * Polls batches until the log is read: each poll returns the next of {@code perPoll} frames (the last repeats);
     * {@code fetched} counts the frames the consumer returned. After batch {@code rewindAfter} (-1: never) its partitions
     * are sought back to its first frames. Every {@code revokeEvery}th poll (0: never), partition 0 is revoked inside the
     * poll and assigned again at its committed offset, the one after the last frame of it in a batch.
     */
    private static List<List<ConsumerRecord<byte[], ByteBuffer>>> drain(int maxBatch, long maxBatchBytes, int[] perPoll,
            AtomicInteger fetchedFrames, int rewindAfter, int revokeEvery) {
        java.util.concurrent.atomic.AtomicReference<FramePoller> pollerRef = new java.util.concurrent.atomic.AtomicReference<>();
        Map<TopicPartition, Long> committed = new HashMap<>(Map.of(P0, 0L, P1, 0L));
        Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log = new HashMap<>();
        for (TopicPartition tp : List.of(P0, P1)) {
            List<ConsumerRecord<byte[], ByteBuffer>> records = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                records.add(new ConsumerRecord<>(tp.topic(), tp.partition(), i, 0L, TimestampType.CREATE_TIME, 2, FRAME_BYTES,
                        new byte[2], ByteBuffer.allocate(FRAME_BYTES), new RecordHeaders(), Optional.empty()));
            }
            log.put(tp, records);
        }
        AtomicInteger polls = new AtomicInteger();
        // reads the log from each partition's position, as a broker's fetch does: a seek back reads again
        MockConsumer<byte[], ByteBuffer> consumer = new MockConsumer<>("earliest") {
            @Override
            public synchronized ConsumerRecords<byte[], ByteBuffer> poll(Duration timeout) {
                super.poll(Duration.ZERO);
                int poll = polls.getAndIncrement();
                if (revokeEvery > 0 && poll % revokeEvery == revokeEvery - 1) {
                    pollerRef.get().revoked(List.of(P0));
                    super.seek(P0, committed.get(P0));
                }
                int limit = perPoll[Math.min(poll, perPoll.length - 1)];
                Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> fetched = new HashMap<>();
                int n = 0;
                for (TopicPartition tp : List.of(P0, P1)) {
                    long from = position(tp);
                    List<ConsumerRecord<byte[], ByteBuffer>> next = log.get(tp).stream().filter(r -> r.offset() >= from)
                            .limit(limit - n).toList();
                    if (!next.isEmpty()) {
                        fetched.put(tp, next);
                        super.seek(tp, next.get(next.size() - 1).offset() + 1);
                        n += next.size();
                        fetchedFrames.addAndGet(next.size());
                    }
                }
                return new ConsumerRecords<>(fetched, Map.of());
            }
        };
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
        consumer.seek(P0, 0);
        consumer.seek(P1, 0);
        FramePoller poller = new FramePoller(consumer, maxBatch, maxBatchBytes, Duration.ofSeconds(1));
        pollerRef.set(poller);
        List<List<ConsumerRecord<byte[], ByteBuffer>>> batches = new ArrayList<>();
        for (List<ConsumerRecord<byte[], ByteBuffer>> b; !(b = poller.next(false)).isEmpty(); ) {
            batches.add(b);
            b.forEach(r -> committed.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1));
            if (batches.size() - 1 == rewindAfter) {
                Map<TopicPartition, Long> first = new HashMap<>();
                b.forEach(r -> first.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min));
                first.forEach(consumer::seek);
                poller.rewound(first.keySet()); // as ScoringTransaction reports its rewinds
            }
        }
        return batches;
    }

    private static void assertEachFrameOnceInOrder(List<List<ConsumerRecord<byte[], ByteBuffer>>> batches) {
        Map<Integer, Long> next = new HashMap<>(Map.of(0, 0L, 1, 0L));
        for (List<ConsumerRecord<byte[], ByteBuffer>> b : batches) {
            for (ConsumerRecord<byte[], ByteBuffer> r : b) {
                assertThat(r.offset()).as("partition %d", r.partition()).isEqualTo(next.get(r.partition()));
                next.put(r.partition(), r.offset() + 1);
            }
        }
        assertThat(next).containsEntry(0, (long) FRAMES).containsEntry(1, (long) FRAMES);
    }
}
