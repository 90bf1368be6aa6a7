package io.frameguard.events;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reading bounded ranges of partitions with an assigned (group-less) consumer. */
public final class TopicRanges {

    private static final Duration POLL = Duration.ofMillis(200);

    private TopicRanges() {}

    /** Each partition's first offset at or after {@code timestampMs} (its records' timestamps), or its end where none is. */
    public static Map<TopicPartition, Long> offsetsAt(KafkaConsumer<?, ?> consumer, java.util.Collection<TopicPartition> partitions,
            long timestampMs, Duration timeout) {
        Map<TopicPartition, Long> at = new java.util.HashMap<>();
        partitions.forEach(tp -> at.put(tp, timestampMs));
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> found = consumer.offsetsForTimes(at, timeout);
        Map<TopicPartition, Long> offsets = new java.util.HashMap<>(consumer.endOffsets(partitions, timeout));
        found.forEach((tp, f) -> {
            if (f != null) {
                offsets.put(tp, f.offset());
            }
        });
        return offsets;
    }

    /**
     * Reads each partition from its start offset up to (not including) its end offset, in offset order per
     * partition, and hands every record with a value to {@code handler}; fails when {@code timeout} passes first.
     */
    public static void read(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends,
            Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> handler) throws IOException {
        read(consumer, starts, ends, timeout, false, handler);
    }

    /**
     * As {@link #read(KafkaConsumer, Map, Map, Duration, Consumer)}, handing on the records without a value too: on a
     * compacted topic, deletions (a verdict withdrawn), which a reader must apply.
     */
    public static void readWithDeletions(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> starts,
            Map<TopicPartition, Long> ends, Duration timeout, Consumer<ConsumerRecord<byte[], byte[]>> handler) throws IOException {
        read(consumer, starts, ends, timeout, true, handler);
    }

    private static void read(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> starts, Map<TopicPartition, Long> ends,
            Duration timeout, boolean deletions, Consumer<ConsumerRecord<byte[], byte[]>> handler) throws IOException {
        List<TopicPartition> todo = new ArrayList<>();
        for (TopicPartition tp : starts.keySet()) {
            if (starts.get(tp) < ends.get(tp)) {
                todo.add(tp);
            }
        }
        consumer.assign(todo);
        for (TopicPartition tp : todo) {
            consumer.seek(tp, starts.get(tp));
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!todo.isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out reading " + todo);
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < ends.get(tp) && (deletions || r.value() != null)) {
                    handler.accept(r);
                }
            }
            // under read_committed, transaction markers mean the position can pass the last record before the end
            todo.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
            consumer.assign(todo);
        }
    }
}
