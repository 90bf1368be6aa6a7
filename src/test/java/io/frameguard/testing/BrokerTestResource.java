package io.frameguard.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts a real broker and prepares a model before the service under test starts; subclasses say which model
 * and which extra settings.
 */
public abstract class BrokerTestResource implements QuarkusTestResourceLifecycleManager {

    private KafkaTestBroker broker;
    private Path work;

    /** Writes the model artifact to {@code modelDir}. */
    protected abstract void trainModel(Path modelDir) throws Exception;

    /** Called with the started broker, for the test class to reach it. */
    protected abstract void started(KafkaTestBroker broker);

    /**
     * Whether the service starts from the model registry instead of a model directory: the model is published
     * and activated in the registry before the service starts, and frameguard.model.dir is not set.
     */
    protected boolean modelFromRegistry() {
        return false;
    }

    /** Follow the Kafka model registry, unpacking versions into a fresh directory. */
    protected static Map<String, String> followRegistry() {
        try {
            return Map.of("frameguard.registry.enabled", "true",
                    "frameguard.registry.cache-dir", Files.createTempDirectory("frameguard-models").toString());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Settings beyond broker, model and state directory. */
    protected Map<String, String> extraConfig() {
        return Map.of();
    }

    @Override
    public Map<String, String> start() {
        try {
            broker = KafkaTestBroker.start();
            started(broker);
            work = Files.createTempDirectory("frameguard-it");
            Path model = work.resolve("model");
            trainModel(model);
            Map<String, String> config = new HashMap<>(extraConfig());
            config.put("kafka.bootstrap.servers", broker.bootstrapServers());
            if (modelFromRegistry()) {
                io.frameguard.model.ModelArtifact artifact = io.frameguard.model.ModelArtifact.open(model);
                try (io.frameguard.model.ModelRegistry registry = new io.frameguard.model.ModelRegistry(
                        Map.of("bootstrap.servers", broker.bootstrapServers()), io.frameguard.model.ModelRegistry.DEFAULT_TOPIC)) {
                    registry.ensureTopic(java.util.Optional.of((short) 1));
                    registry.publish(artifact);
                    registry.activate(artifact.card().name(), artifact.card().version(), "first model");
                }
                config.put("frameguard.registry.model-name", artifact.card().name());
            } else {
                config.put("frameguard.model.dir", model.toString());
            }
            config.put("frameguard.topics.partitions", "2");
            config.put("kafka-streams.state.dir", work.resolve("streams").toString());
            return config;
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
            if (work != null) {
                org.apache.commons.io.FileUtils.deleteQuietly(work.toFile());
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
