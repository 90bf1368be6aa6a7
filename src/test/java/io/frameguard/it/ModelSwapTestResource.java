package io.frameguard.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real broker, a first sensor model, and the service following the Kafka model registry. */
public class ModelSwapTestResource extends BrokerTestResource {

    static volatile KafkaTestBroker broker;
    static final String ADMIN_TOKEN = "test-admin-token-" + java.util.UUID.randomUUID();

    @Override
    void trainModel(Path modelDir) throws Exception {
        TestModels.trainSensorModel(modelDir, 3000, 3, 42);
    }

    @Override
    void started(KafkaTestBroker b) {
        broker = b;
    }

    @Override
    Map<String, String> extraConfig() {
        try {
            return Map.of(
                    "frameguard.registry.enabled", "true",
                    "frameguard.registry.cache-dir", Files.createTempDirectory("frameguard-models").toString(),
                    "frameguard.scorer.max-batch", "32",
                    "frameguard.api.admin-token", ADMIN_TOKEN,
                    // a frozen threshold is the card's own: each anomaly event shows which calibration judged it
                    "frameguard.detector.adapt-rate", "0");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
