package io.frameguard.serving;

import ai.djl.translate.TranslateException;
import io.frameguard.config.FrameguardConfig;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.InferenceDevice;
import io.frameguard.inference.InferenceThreads;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ArtifactArchive;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelRegistry;
import io.frameguard.model.ModelTrust;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The model the scorer serves. Scoring threads read {@link #current()} once per batch, so a model swap
 * (an atomic reference update) takes effect between batches and never inside one.
 */
@ApplicationScoped
public class ActiveModel {

    private static final Logger LOG = Logger.getLogger(ActiveModel.class);

    @Inject
    FrameguardConfig config;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private final AtomicReference<ModelRunner> current = new AtomicReference<>();
    private ModelTrust trust;

    /** What a model must carry to be loaded: the trainer's signature when frameguard.registry.verify-key is set. */
    public synchronized ModelTrust trust() {
        if (trust == null) {
            Optional<String> key = config.registry().verifyKey();
            try {
                trust = ModelTrust.of(Optional.empty(), key.map(Path::of));
            } catch (IOException e) {
                throw new IllegalStateException("frameguard.registry.verify-key (FRAMEGUARD_REGISTRY_VERIFY_KEY)="
                        + key.orElse("") + ": " + e.getMessage(), e);
            }
        }
        return trust;
    }

    /**
     * Loads the configured model: {@code frameguard.model.dir}, or else the version active in the model registry
     * for {@code frameguard.registry.model-name}. Fails the start with a message naming the setting when it is
     * unusable.
     */
    public synchronized ModelRunner loadConfigured() {
        ModelRunner loaded = current.get();
        if (loaded != null) {
            return loaded;
        }
        trust(); // a wrong key setting fails the start first, whatever the model
        useConfiguredThreads();
        if (config.model().dir().isEmpty()) {
            ModelRunner scorer = loadActiveFromRegistry();
            current.set(scorer);
            return scorer;
        }
        Path dir = Path.of(config.model().dir().get());
        try {
            ModelArtifact checked = ModelArtifact.open(dir, trust());
            // Served from a private copy that is verified again once copied, as a version from the registry is: files
            // changed in the configured directory after the check above never reach TensorFlow.
            ModelArtifact copy = ArtifactArchive.unpack(ArtifactArchive.pack(checked, Optional.empty()),
                    Path.of(config.registry().cacheDir(), "local-" + UUID.randomUUID()), trust());
            ModelRunner scorer = ModelRunner.load(copy, InferenceDevice.parse(config.scorer().device())).ownsDirectory();
            current.set(scorer);
            LOG.infof("serving model %s (input dim %d, initial threshold %.5g) from %s on %s", scorer.card().version(),
                    scorer.card().input().dim(), scorer.card().threshold().value(), dir, scorer.device());
            return scorer;
        } catch (IOException e) { // InvalidModelException (refused) or a copy that could not be written
            throw new IllegalStateException("frameguard.model.dir (FRAMEGUARD_MODEL_DIR)=" + dir.toAbsolutePath() + ": "
                    + e.getMessage() + "; train one with `frameguard train` or point it at a model artifact", e);
        }
    }

    /**
     * Makes {@code frameguard.scorer.inference-threads} the process's before its first model loads (TensorFlow starts
     * then), where the model runs on the CPU; on a GPU, and with TensorFlow's CUDA build, TensorFlow's defaults stay.
     */
    private void useConfiguredThreads() {
        if (InferenceThreads.cpuBefore(InferenceDevice.parse(config.scorer().device()))) {
            new InferenceThreads(config.scorer().inferenceThreads()).useForProcess();
        }
    }

    private ModelRunner loadActiveFromRegistry() {
        String name = config.registry().modelName().orElseThrow();
        String topic = config.registry().topic();
        String where = "frameguard.registry.model-name=" + name + " in frameguard.registry.topic=" + topic;
        // The scorer only reads the registry (the trainer or `frameguard models publish` creates the topic), so it
        // runs with read-only credentials on it.
        try (ModelRegistry registry = new ModelRegistry(new HashMap<>(kafkaConfig), topic, trust())) {
            InferenceDevice device = InferenceDevice.parse(config.scorer().device());
            ModelRunner scorer = registry.loadActive(name, version -> Path.of(config.registry().cacheDir(),
                    version + "-" + UUID.randomUUID()), artifact -> ModelRunner.load(artifact, device).ownsDirectory());
            if (scorer == null) {
                throw new IllegalStateException(where + ": no active version; publish one with "
                        + "`frameguard models publish MODEL_DIR --activate`, or set frameguard.model.dir");
            }
            LOG.infof("serving model %s (from the registry, initial threshold %.5g) on %s", scorer.card().version(),
                    scorer.card().threshold().value(), scorer.device());
            return scorer;
        } catch (IOException e) {
            throw new IllegalStateException(where + ": cannot load the active version: " + e.getMessage(), e);
        }
    }

    /**
     * Serves {@code next} from the next batch on. The replaced model is retired: closed once no scoring thread
     * holds a session on it any more.
     */
    public void swap(ModelRunner next) {
        ModelRunner old = current.getAndSet(next);
        LOG.infof("serving model %s (was %s)", next.card().version(), old == null ? "none" : old.card().version());
        if (old != null && old != next) {
            old.retire();
        }
    }

    /** A frame scored outside the scoring loop, with the card of the model that scored it. */
    public record Scored(ModelCard card, ScoredFrame frame) {}

    /**
     * Scores one frame outside the scoring loop (the API's search by frame), on a session of its own on the model
     * serving now (the next one when it is replaced meanwhile).
     *
     * @param values the frame, decoded for the serving model's input (its {@link #current()} card's shape)
     * @param card the card the values were decoded for: when another model serves by now, the frame is not scored
     * @throws IllegalStateException when no model serves, or the serving model is no longer {@code card}'s
     */
    public Scored scoreOne(float[] values, ModelCard card) throws TranslateException {
        ModelRunner runner = current();
        if (runner == null || !runner.card().version().equals(card.version())) {
            throw new IllegalStateException("the serving model changed while the frame was read; try again");
        }
        try (ModelRunner.Session session = runner.newSession()) {
            return new Scored(card, session.scoreWithSignatures(new FrameBatch(values, 1, values.length)).get(0));
        }
    }

    /** The model to score the next batch with; null before the first load. */
    public ModelRunner current() {
        return current.get();
    }

    // After the scorer has stopped its workers (priority 10), so no thread still holds a session.
    void onStop(@Observes @jakarta.annotation.Priority(100) ShutdownEvent event) {
        ModelRunner s = current.getAndSet(null);
        if (s != null) {
            s.close();
        }
    }
}
