package io.frameguard.memory;

import io.frameguard.events.Topic;
import io.frameguard.events.Verdict;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes operators' verdicts to the verdicts topic (the API's and the CLI's one way to do it): checked first, keyed
 * by the event id, acknowledged by every in-sync replica before the caller hears it is stored.
 */
public final class VerdictWriter implements AutoCloseable {

    /**
     * How long a verdict waits for the topic's metadata, then for the acknowledgement, unless the client settings say
     * otherwise ({@code max.block.ms}, {@code delivery.timeout.ms}, which must be at least {@code request.timeout.ms}):
     * after both the producer has given up, so the caller never hears "failed" for a verdict written later.
     */
    private static final long METADATA_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(15);
    private static final int REQUEST_TIMEOUT_MS = 15_000;
    private static final int DELIVERY_TIMEOUT_MS = 30_000;

    private final Topic<String, Verdict> topic;
    private final KafkaProducer<String, Verdict> producer;
    private final long sendTimeoutMs;

    /** @param clientConfig Kafka client settings (bootstrap servers, security) */
    public VerdictWriter(Map<String, Object> clientConfig, Topic<String, Verdict> topic) {
        this.topic = topic;
        Map<String, Object> p = new HashMap<>(clientConfig);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, METADATA_TIMEOUT_MS);
        if (!p.containsKey(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG)) {
            p.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
            // an int setting (Kafka refuses a Long), at least the request timeout and linger, as Kafka requires
            p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.toIntExact(Math.max(DELIVERY_TIMEOUT_MS,
                    millis(p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)) + millis(p.getOrDefault(ProducerConfig.LINGER_MS_CONFIG, 0)))));
        }
        sendTimeoutMs = millis(p.get(ProducerConfig.MAX_BLOCK_MS_CONFIG)) + millis(p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
        producer = new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /**
     * Stores a verdict on {@code eventId}.
     *
     * @param source the source of the event's frame where the caller knows it ({@link FrameSources}), else null
     * @throws IllegalArgumentException naming what is wrong with it (nothing is written)
     * @throws IOException when Kafka does not acknowledge it
     */
    public Verdict write(String eventId, String verdict, String label, String note, String givenBy, String source)
            throws IOException {
        Verdict v = given(eventId, verdict, label, note, Instant.now().toString(), givenBy, Verdict.carriedSource(source));
        String problem = v.problem();
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        try {
            producer.send(new ProducerRecord<>(topic.name(), eventId, v)).get(sendTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the verdict", e);
        } catch (Exception e) {
            throw new IOException("cannot write the verdict to topic " + topic.name() + ": " + e.getMessage(), e);
        }
        return v;
    }

    /**
     * Why a verdict of these fields may not be written, or null when it may: what {@link #write} checks first, for a
     * caller that must refuse a wrong verdict before doing anything else (reading its frame).
     */
    public static String problem(String eventId, String verdict, String label, String note) {
        return given(eventId, verdict, label, note, null, null, null).problem();
    }

    /** A verdict as it is written: a blank label or note is none, and both are stripped. */
    private static Verdict given(String eventId, String verdict, String label, String note, String givenAt, String givenBy,
            String source) {
        return new Verdict(Verdict.SCHEMA_VERSION, eventId, verdict, blankToNull(label), blankToNull(note), givenAt, givenBy,
                source);
    }

    private static long millis(Object setting) {
        return Long.parseLong(String.valueOf(setting).trim());
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
