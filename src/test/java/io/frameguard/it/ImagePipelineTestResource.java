package io.frameguard.it;

import io.frameguard.training.TrainingOptions;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A real broker and an image model trained on Fashion-MNIST sneakers, before the service under test starts. */
public class ImagePipelineTestResource implements QuarkusTestResourceLifecycleManager {

    static final int NORMAL_CLASS = 7;
    static volatile KafkaTestBroker broker;

    @Override
    public Map<String, String> start() {
        try {
            broker = KafkaTestBroker.start();
            Path work = Files.createTempDirectory("frameguard-image-it");
            Path model = work.resolve("model");
            TestModels.trainImageModel(model, NORMAL_CLASS, 5, TrainingOptions.DENSE, 5);
            return Map.of(
                    "kafka.bootstrap.servers", broker.bootstrapServers(),
                    "frameguard.model.dir", model.toString(),
                    "frameguard.topics.partitions", "2",
                    "frameguard.frames.max-image-pixels", "1000000",
                    "kafka-streams.state.dir", work.resolve("streams").toString());
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test broker or train the image model", e);
        }
    }

    @Override
    public void stop() {
        try {
            if (broker != null) {
                broker.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
