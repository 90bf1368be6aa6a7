package io.frameguard.it;

import io.frameguard.testing.BrokerTestResource;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import io.frameguard.training.TrainingOptions;
import java.nio.file.Path;
import java.util.Map;

/** A real broker and an image model trained on Fashion-MNIST sneakers. */
public class ImagePipelineTestResource extends BrokerTestResource {

    static final int NORMAL_CLASS = 7;
    static volatile KafkaTestBroker broker;
    static final String READ_TOKEN = "image-test-read-token-" + java.util.UUID.randomUUID();

    @Override
    protected void trainModel(Path modelDir) throws Exception {
        TestModels.trainImageModel(modelDir, NORMAL_CLASS, 5, TrainingOptions.DENSE, 5);
    }

    @Override
    protected void started(KafkaTestBroker b) {
        broker = b;
    }

    @Override
    protected Map<String, String> extraConfig() {
        return Map.of("frameguard.frames.max-image-pixels", "1000000", "frameguard.api.read-token", READ_TOKEN);
    }
}
