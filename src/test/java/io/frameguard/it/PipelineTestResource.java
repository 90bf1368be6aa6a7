package io.frameguard.it;

import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;

/** A real broker and a sensor model trained on simulated machines. */
public class PipelineTestResource extends BrokerTestResource {

    static volatile KafkaTestBroker broker;

    @Override
    protected void trainModel(Path modelDir) throws Exception {
        TestModels.trainSensorModel(modelDir, 8000, 12, 42);
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }
}
