package io.frameguard.memory;

import io.frameguard.events.FrameRef;
import io.frameguard.events.TopicRanges;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Which source an event's frame came from: the key of the frame at the event id's {@code TOPIC/PARTITION/OFFSET}, read
 * from the frames topic (and no other). An incident lists its first and newest events only ({@code MemoryEntry.members}),
 * so an event between them is found by its source and offset ({@link AnomalyMemory#get(String, String)}); a verdict given
 * on such an event carries its source for every replica to find its incident. Read once per operator action (a verdict,
 * an API lookup of an event its incident does not list), never per frame; a frame's source never changes, so the sources
 * found are kept (the newest {@value #REMEMBERED}). Thread-safe: one consumer, one lookup at a time, each within
 * {@link #DEADLINE} in all, and a caller waits at most {@link #TURN} for its turn, so a slow cluster cannot hold every
 * caller's thread.
 */
public final class FrameSources implements AutoCloseable {

    /** How long one lookup may take in all: an operator is waiting for the answer. */
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    /** How long a caller waits while another lookup reads. */
    private static final Duration TURN = Duration.ofSeconds(2);
    /** Sources found that are kept, by event id: a console opening one event asks for it several times. */
    private static final int REMEMBERED = 4096;
    /**
     * Lookups that may wait for their turn at once: beyond them a lookup is answered "not now" at once rather than hold
     * one of the HTTP server's threads for its turn (API reads of many event ids would otherwise starve every route).
     */
    static final int MAX_WAITING = 8;

    /**
     * A frame's source, or why there is none ({@code source} null); {@code passing} when asking again later may answer
     * (another lookup was reading, the cluster did not answer in time: {@code cause}, where Kafka said so), not when the
     * frame is not there; {@code ahead} when its offset is one the partition has not reached (a verdict on it would judge
     * whatever frame comes to be written there).
     */
    public record Lookup(String source, String problem, boolean passing, Exception cause, boolean ahead) {

        static Lookup found(String source) {
            return new Lookup(source, null, false, null, false);
        }

        static Lookup none(String problem) {
            return new Lookup(null, problem, false, null, false);
        }

        static Lookup notNow(String problem, Exception cause) {
            return new Lookup(null, problem, true, cause, false);
        }

        /** An offset its partition has not reached: no frame there yet, so no event of it either. */
        static Lookup notYet(String problem) {
            return new Lookup(null, problem, false, null, true);
        }
    }

    private final String framesTopic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    /** One lookup reads at a time (one consumer); package-private for the test of its waiters. */
    final ReentrantLock reading = new ReentrantLock();
    private final Map<String, String> found = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > REMEMBERED;
        }
    });

    /**
     * @param clientConfig Kafka client settings (bootstrap servers, security)
     * @param framesTopic the only topic read: an id naming another (the model registry, say) is no frame of an event
     */
    public FrameSources(Map<String, Object> clientConfig, String framesTopic) {
        this.framesTopic = framesTopic;
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, nothing committed
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a lookup must not create the topic
        // only committed frames were scored, so only they can be events
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The source of the frame of {@code eventId} ({@code TOPIC/PARTITION/OFFSET} on the frames topic). */
    public Lookup sourceOf(String eventId) {
        FrameRef frame = FrameRef.parse(eventId);
        if (frame == null) {
            return Lookup.none("eventId must be TOPIC/PARTITION/OFFSET");
        }
        if (!frame.topic().equals(framesTopic)) {
            return Lookup.none(eventId + " is not on the frames topic " + framesTopic);
        }
        String known = found.get(eventId);
        if (known != null) {
            return Lookup.found(known);
        }
        if (reading.getQueueLength() >= MAX_WAITING) {
            return Lookup.notNow("the frame of " + eventId + " could not be read now (" + MAX_WAITING + " other lookups are "
                    + "waiting)", null);
        }
        try {
            if (!reading.tryLock(TURN.toMillis(), TimeUnit.MILLISECONDS)) {
                return Lookup.notNow("the frame of " + eventId + " could not be read now (other lookups are reading)", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Lookup.notNow("interrupted while reading the frame of " + eventId, e);
        }
        try {
            Lookup l = read(frame);
            if (l.source() != null) {
                found.put(eventId, l.source());
            }
            return l;
        } catch (IOException | KafkaException | IllegalStateException e) { // a timeout, an authorisation refused, closed at shutdown
            return Lookup.notNow("cannot read the frame of " + eventId + " from Kafka: " + e.getMessage(), e);
        } finally {
            reading.unlock();
        }
    }

    private Lookup read(FrameRef frame) throws IOException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<PartitionInfo> partitions = consumer.partitionsFor(frame.topic(), left(deadline));
        if (partitions == null || partitions.isEmpty()) {
            return Lookup.none("no topic " + frame.topic() + " on the cluster");
        }
        if (frame.partition() >= partitions.size()) {
            return Lookup.none("topic " + frame.topic() + " has no partition " + frame.partition() + " (it has " + partitions.size() + ")");
        }
        TopicPartition tp = new TopicPartition(frame.topic(), frame.partition());
        long start = consumer.beginningOffsets(List.of(tp), left(deadline)).get(tp);
        long end = consumer.endOffsets(List.of(tp), left(deadline)).get(tp);
        if (frame.offset() >= end) {
            return Lookup.notYet("no frame " + frame.id() + " yet (" + tp + " ends at offset " + end + ")");
        }
        if (frame.offset() < start) {
            return Lookup.none("the frame " + frame.id() + " is no longer on the cluster (" + tp + " starts at offset " + start + ")");
        }
        String[] key = new String[1];
        TopicRanges.read(consumer, Map.of(tp, frame.offset()), Map.of(tp, frame.offset() + 1), left(deadline), r -> {
            if (r.key() != null) {
                key[0] = new String(r.key(), StandardCharsets.UTF_8);
            }
        });
        return key[0] != null ? Lookup.found(key[0]) : Lookup.none("no frame with a source at " + frame.id());
    }

    private static Duration left(long deadline) throws IOException {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw new IOException("no answer within " + DEADLINE.toSeconds() + " s");
        }
        return Duration.ofNanos(nanos);
    }

    @Override
    public void close() {
        consumer.wakeup(); // a lookup under way ends at once
        reading.lock();
        try {
            consumer.close(Duration.ofSeconds(5));
        } finally {
            reading.unlock();
        }
    }
}
