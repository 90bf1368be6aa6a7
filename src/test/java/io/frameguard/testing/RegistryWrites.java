package io.frameguard.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.model.ModelRegistry;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Records written to the model registry's topic as any client with write access could write them, outside the
 * registry's own checks (which refuse to activate a version that does not verify): how a damaged version becomes
 * active, for tests of the scorers' refusal.
 */
public final class RegistryWrites {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RegistryWrites() {
    }

    /** Writes the control record that makes {@code version} the active one of {@code name}, {@code previous} before it. */
    public static void activate(String bootstrap, String name, String version, List<String> previous) throws Exception {
        byte[] control = JSON.writeValueAsBytes(new ModelRegistry.Activation(name, version, previous,
                java.time.Instant.now().toString(), "written outside the registry's checks"));
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "active/" + name, control)).get();
        }
    }
}
