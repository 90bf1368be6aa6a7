package io.frameguard.it;

import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real broker, a first sensor model published and activated in the Kafka model registry, and the service
 * started from the registry alone (no model directory), for the trainer.
 */
public class RetrainingTestResource extends BrokerTestResource {

    static volatile KafkaTestBroker broker;
    /** Frames per drift window: the default, about three cycles of the simulated machines' slowest factor. */
    static final int DRIFT_WINDOW = 1000;

    @Override
    protected void trainModel(Path dir) throws Exception {
        TestModels.trainSensorModel(dir, 3000, 10, 42);
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }

    @Override
    protected boolean modelFromRegistry() {
        return true;
    }

    @Override
    protected Map<String, String> extraConfig() {
        Map<String, String> config = new java.util.HashMap<>(followRegistry());
        config.put("frameguard.drift.window-frames", Integer.toString(DRIFT_WINDOW));
        return config;
    }
}
