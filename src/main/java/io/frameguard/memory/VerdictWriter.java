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

    /** How long a verdict may wait for Kafka, unless the client settings' {@code max.block.ms} says otherwise. */
    private static final long SEND_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(30);

    private final Topic<String, Verdict> topic;
    private final KafkaProducer<String, Verdict> producer;
    private final long sendTimeoutMs;

    /** @param clientConfig Kafka client settings (bootstrap servers, security) */
    public VerdictWriter(Map<String, Object> clientConfig, Topic<String, Verdict> topic) {
        this.topic = topic;
        Map<String, Object> p = new HashMap<>(clientConfig);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, SEND_TIMEOUT_MS);
        sendTimeoutMs = Long.parseLong(String.valueOf(p.get(ProducerConfig.MAX_BLOCK_MS_CONFIG)));
        producer = new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /**
     * Stores a verdict on {@code eventId}.
     *
     * @throws IllegalArgumentException naming what is wrong with it (nothing is written)
     * @throws IOException when Kafka does not acknowledge it
     */
    public Verdict write(String eventId, String verdict, String label, String note, String givenBy) throws IOException {
        Verdict v = new Verdict(Verdict.SCHEMA_VERSION, eventId, verdict, blankToNull(label), blankToNull(note),
                Instant.now().toString(), givenBy);
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

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
