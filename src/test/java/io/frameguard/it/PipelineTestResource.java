package io.frameguard.it;

import java.nio.file.Path;

/** A real broker and a sensor model trained on simulated machines. */
public class PipelineTestResource extends BrokerTestResource {

    static volatile KafkaTestBroker broker;

    @Override
    void trainModel(Path modelDir) throws Exception {
        TestModels.trainSensorModel(modelDir, 8000, 12, 42);
    }

    @Override
    void started(KafkaTestBroker b) {
        broker = b;
    }
}
