package io.frameguard.memory;

import io.frameguard.events.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Which source an event's frame came from: the key of the frame at the event id's {@code TOPIC/PARTITION/OFFSET}, read
 * from the frames topic. An incident lists its first and newest events only ({@code MemoryEntry.members}), so an event
 * between them is found by its source and offset ({@link AnomalyMemory#get(String, String)}); a verdict given on such an
 * event carries its source for every replica to find its incident. Read once per operator action (a verdict, an API
 * lookup of an event its incident does not list), never per frame; a frame's source never changes, so the sources found
 * are kept (the newest {@value #REMEMBERED}). Thread-safe: one consumer, one lookup at a time, and a caller waits at
 * most {@link #TURN} for its turn, so that a slow cluster cannot hold every caller's thread.
 */
public final class FrameSources implements AutoCloseable {

    /** How long a lookup waits for the cluster: an operator is waiting for the answer. */
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** How long a caller waits while another lookup reads. */
    private static final Duration TURN = Duration.ofSeconds(2);
    /** Sources found that are kept, by event id: a console opening one event asks for it several times. */
    private static final int REMEMBERED = 4096;

    /** A frame's source, or why there is none ({@code source} null). */
    public record Lookup(String source, String problem) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final java.util.concurrent.locks.ReentrantLock reading = new java.util.concurrent.locks.ReentrantLock();
    private final Map<String, String> found = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    });

    /** @param clientConfig Kafka client settings (bootstrap servers, security) */
    public FrameSources(Map<String, Object> clientConfig) {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, nothing committed
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a lookup of a mistyped topic must not create it
        // only committed frames were scored, so only they can be events
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The source of the frame of {@code eventId} ({@code TOPIC/PARTITION/OFFSET}). */
    public Lookup sourceOf(String eventId) {
        if (!Verdict.eventId(eventId)) {
            return new Lookup(null, "eventId must be TOPIC/PARTITION/OFFSET");
        }
        String known = found.get(eventId);
        if (known != null) {
            return new Lookup(known, null);
        }
        try {
            if (!reading.tryLock(TURN.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return new Lookup(null, "the frame of " + eventId + " could not be read now (other lookups are reading): try again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Lookup(null, "interrupted while reading the frame of " + eventId);
        }
        try {
            Lookup l = read(eventId);
            if (l.source() != null) {
                found.put(eventId, l.source());
            }
            return l;
        } finally {
            reading.unlock();
        }
    }

    private Lookup read(String eventId) {
        String[] parts = eventId.split("/");
        String topic = parts[0];
        int partition = Integer.parseInt(parts[1]);
        long offset = Long.parseLong(parts[2]);
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, TIMEOUT);
        if (partitions == null || partitions.isEmpty()) {
            return new Lookup(null, "no topic " + topic + " on the cluster");
        }
        if (partition >= partitions.size()) {
            return new Lookup(null, "topic " + topic + " has no partition " + partition + " (it has " + partitions.size() + ")");
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        long start = consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
        long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
        if (offset >= end) {
            return new Lookup(null, "no frame " + eventId + " yet (" + tp + " ends at offset " + end + ")");
        }
        if (offset < start) {
            return new Lookup(null, "the frame " + eventId + " is no longer on the cluster (" + tp + " starts at offset " + start + ")");
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, offset);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && consumer.position(tp, TIMEOUT) <= offset) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                if (r.offset() == offset && r.key() != null) {
                    return new Lookup(new String(r.key(), StandardCharsets.UTF_8), null);
                }
                return new Lookup(null, "no frame with a source at " + eventId);
            }
        }
        return new Lookup(null, consumer.position(tp, TIMEOUT) > offset ? "no frame with a source at " + eventId
                : "could not read " + eventId + " within " + TIMEOUT.toSeconds() + " s");
    }

    @Override
    public void close() {
        reading.lock(); // after the lookup under way
        try {
            consumer.close(Duration.ofSeconds(5));
        } finally {
            reading.unlock();
        }
    }
}
