package io.frameguard.serving;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.inference.InferenceDevice;
import io.frameguard.inference.ModelRunner;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Serves the version activated in the Kafka model registry ({@code frameguard.registry.enabled}).
 *
 * <p>Follows the registry topic's control record for the model name. When it names another version, the version
 * is fetched, unpacked and verified ({@link ModelRegistry#fetch}: checksums, graph allow-list, signature), loaded and checked (DJL loads it, its input is the one the stream
 * carries, a canary batch gives finite errors), and only then swapped in: scoring threads pick it up at their
 * next batch. A version that fails any check is refused with a log line and the {@code frameguard.model.refused}
 * metric (its {@code reason} label: {@link InvalidModelException.Reason}, or {@code unavailable}), and the old model
 * keeps serving. Which version is loaded when ({@link VersionToServe}): the one active once the topic is read up to where
 * it ended at start, not each one activated on the way; one that was {@code unavailable} is tried again later.
 */
@ApplicationScoped
public class RegistryWatcher implements Runnable {

    private static final Logger LOG = Logger.getLogger(RegistryWatcher.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration TOPIC_WAIT = Duration.ofSeconds(2);
    /** The refusal reason of a version that could not be fetched or loaded for another cause than its content. */
    private static final String UNAVAILABLE = "unavailable";

    @Inject
    FrameguardConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    ActiveModel model;

    @Inject
    FrameguardMetrics metrics;

    private volatile boolean running = true;
    /** Why the watcher stopped while the service runs, or null. */
    private volatile Exception stopped;
    private volatile ModelRegistry.Snapshot snapshot;
    private Thread thread;
    private Map<String, Object> clientConfig;
    private String name;

    // After the scorer has loaded the configured model (priority 10).
    void onStart(@Observes @Priority(20) StartupEvent event) {
        if (!config.registry().enabled()) {
            return;
        }
        clientConfig = new HashMap<>(kafkaConfig); // the service's kafka.* settings: brokers and security
        name = config.registry().modelName().orElse(model.loadConfigured().card().name());
        // every reason a version can be refused for, at 0: the first refusal must show as an increase
        List<String> reasons = new ArrayList<>();
        for (InvalidModelException.Reason r : InvalidModelException.Reason.values()) {
            reasons.add(r.label());
        }
        reasons.add(UNAVAILABLE);
        metrics.countModelRefusals(reasons);
        // No topic creation here: the scorer only reads the registry and may hold read-only credentials on it; the
        // watcher waits for the topic that the trainer or `frameguard models publish` creates.
        thread = new Thread(this, "frameguard-registry-watcher");
        thread.setDaemon(true);
        thread.start();
        LOG.infof("following model %s in registry topic %s", name, config.registry().topic());
    }

    /**
     * What the registry holds, as this watcher has followed it (every replica follows the same topic, so every
     * replica answers the same); empty until the watcher has read the topic up to where it ended at start.
     */
    public Optional<ModelRegistry.Snapshot> snapshot() {
        return Optional.ofNullable(snapshot);
    }

    /** Why the service no longer follows the registry, or null (also when it is not meant to follow it). */
    public String problem() {
        Exception e = stopped;
        return e == null ? null : "the model registry watcher stopped: " + e;
    }

    void onStop(@Observes @Priority(5) ShutdownEvent event) {
        running = false;
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "frameguard-registry-watcher-" + UUID.randomUUID());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, ModelRegistry.MAX_ARTIFACT_BYTES + (1 << 20));
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a follower never creates the registry topic
        VersionToServe toServe = new VersionToServe();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
                ModelRegistry registry = new ModelRegistry(clientConfig, config.registry().topic(), model.trust())) {
            TopicPartition tp = new TopicPartition(config.registry().topic(), 0);
            awaitTopic(consumer, tp.topic());
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            ModelRegistry.Follower follower = new ModelRegistry.Follower(tp.topic());
            long caughtUpAt = consumer.endOffsets(List.of(tp), POLL.multipliedBy(60)).get(tp);
            while (running) {
                ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                int skippedBefore = follower.skipped();
                for (ConsumerRecord<String, byte[]> r : records) {
                    Optional<ModelRegistry.Activation> activation = follower.accept(r.key(), r.value());
                    if (activation.isPresent() && name.equals(activation.get().name())) {
                        toServe.activated(activation.get().version());
                    }
                }
                for (int i = skippedBefore; i < follower.skipped(); i++) {
                    metrics.registryRecordSkipped(); // malformed: logged by the follower; the current model keeps serving
                }
                // published once the watcher has read what the topic held when it started, then after each change
                if (snapshot != null ? !records.isEmpty() : consumer.position(tp) >= caughtUpAt) {
                    snapshot = follower.snapshot();
                    toServe.caughtUp();
                }
                ModelRunner serving = model.current();
                String version = serving == null ? null : toServe.due(serving.card().version(), System.currentTimeMillis());
                if (version != null) {
                    swapTo(registry, version, serving, toServe);
                }
            }
        } catch (Exception e) {
            if (running) {
                stopped = e;
                LOG.errorf(e, "model registry watcher stopped: %s; the current model keeps serving", e.getMessage());
            }
        }
    }

    /** Waits (while running) until the registry topic exists, logging once when it does not yet. */
    private void awaitTopic(KafkaConsumer<String, byte[]> consumer, String topic) throws InterruptedException {
        boolean logged = false;
        while (running && consumer.partitionsFor(topic, POLL.multipliedBy(10)).isEmpty()) {
            if (!logged) {
                LOG.infof("model registry topic %s does not exist yet; waiting for the first `frameguard models publish`", topic);
                logged = true;
            }
            Thread.sleep(TOPIC_WAIT.toMillis());
        }
    }

    private void swapTo(ModelRegistry registry, String version, ModelRunner serving, VersionToServe toServe) {
        Path dir = Path.of(config.registry().cacheDir(), version + "-" + UUID.randomUUID());
        try {
            ModelArtifact artifact = registry.fetch(name, version, dir);
            ModelCard.Input now = serving.card().input();
            ModelCard.Input next = artifact.card().input();
            if (now.dim() != next.dim() || !Objects.equals(now.image(), next.image())) {
                throw new InvalidModelException("version " + version + " reads " + describe(next) + ", the stream carries "
                        + describe(now));
            }
            ModelRunner scorer = ModelRunner.load(artifact, InferenceDevice.parse(config.scorer().device())).ownsDirectory();
            model.swap(scorer);
            toServe.served(version);
            metrics.modelServed(version, scorer.card().createdAt());
        } catch (IOException | RuntimeException e) {
            // refused for good (its content, or TensorFlow could not load or run it); the broker, the disk or the device's
            // memory may pass later
            InvalidModelException invalid = e instanceof InvalidModelException i ? i : null;
            Duration retry = toServe.refused(version, invalid == null, System.currentTimeMillis());
            LOG.errorf("refused model %s %s from the registry: %s; still serving %s%s", name, version, e.getMessage(),
                    serving.card().version(), retry == null ? "" : "; trying it again in " + retry.toSeconds() + " s");
            metrics.modelRefused(invalid != null ? invalid.reason().label() : UNAVAILABLE);
            deleteQuietly(dir);
        }
    }

    private static String describe(ModelCard.Input input) {
        return input.image() != null ? "images of " + input.image() : input.dim() + " values per frame";
    }

    private static void deleteQuietly(Path dir) {
        org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile()); // nothing there when nothing was unpacked
    }
}
