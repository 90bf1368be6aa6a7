package io.frameguard.it;

import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.Map;

/** A real broker, a sensor model, and the API's tokens: for the anomaly memory through the API. */
public class AnomalyMemoryTestResource extends BrokerTestResource {

    static volatile KafkaTestBroker broker;
    static final String ADMIN_TOKEN = "memory-admin-token-" + java.util.UUID.randomUUID();
    static final String READ_TOKEN = "memory-read-token-" + java.util.UUID.randomUUID();

    @Override
    protected void trainModel(Path modelDir) throws Exception {
        TestModels.trainSensorModel(modelDir, 4000, 6, 7);
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }

    @Override
    protected Map<String, String> extraConfig() {
        // a frozen threshold: every spike is an anomaly event, and an incident of its own (the test counts neighbours
        // spike by spike; MemoryReplicasIT merges); suppression on
        return Map.of("frameguard.api.admin-token", ADMIN_TOKEN, "frameguard.api.read-token", READ_TOKEN,
                "frameguard.detector.adapt-rate", "0", "frameguard.memory.suppress-similarity", "0.9",
                "frameguard.memory.merge-window", "0s", "frameguard.api.feed-heartbeat", "1s");
    }
}
