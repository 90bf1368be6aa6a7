package io.frameguard.it;

import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.Map;

/** A real broker, a first sensor model, and the service following the Kafka model registry. */
public class ModelSwapTestResource extends BrokerTestResource {

    static volatile KafkaTestBroker broker;
    static final String ADMIN_TOKEN = "test-admin-token-" + java.util.UUID.randomUUID();
    static final String READ_TOKEN = "test-read-token-" + java.util.UUID.randomUUID();

    @Override
    protected void trainModel(Path modelDir) throws Exception {
        TestModels.trainSensorModel(modelDir, 3000, 3, 42);
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }

    @Override
    protected Map<String, String> extraConfig() {
        Map<String, String> config = new java.util.HashMap<>(followRegistry());
        config.put("frameguard.scorer.max-batch", "32");
        config.put("frameguard.api.admin-token", ADMIN_TOKEN);
        config.put("frameguard.api.read-token", READ_TOKEN);
        // a frozen threshold is the card's own: each anomaly event shows which calibration judged it
        config.put("frameguard.detector.adapt-rate", "0");
        return config;
    }
}
