package io.frameguard.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Starts a real broker and trains a real model before the service under test starts. */
public class PipelineTestResource implements QuarkusTestResourceLifecycleManager {

    static volatile KafkaTestBroker broker;
    static volatile Path modelDir;

    @Override
    public Map<String, String> start() {
        try {
            broker = KafkaTestBroker.start();
            Path work = Files.createTempDirectory("frameguard-it");
            modelDir = work.resolve("model");
            TestModels.trainSensorModel(modelDir, 8000, 12, 42);
            return Map.of(
                    "kafka.bootstrap.servers", broker.bootstrapServers(),
                    "frameguard.model.dir", modelDir.toString(),
                    "frameguard.topics.partitions", "2",
                    "kafka-streams.state.dir", work.resolve("streams").toString());
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the test broker or train the test model", e);
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
