package io.frameguard.scoring;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
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

    private final AtomicReference<ModelScorer> current = new AtomicReference<>();

    /** Loads the configured model; fails the start with a message naming the setting when it is unusable. */
    public synchronized ModelScorer loadConfigured() {
        ModelScorer loaded = current.get();
        if (loaded != null) {
            return loaded;
        }
        Path dir = Path.of(config.model().dir());
        try {
            ModelScorer scorer = ModelScorer.load(ModelArtifact.open(dir));
            current.set(scorer);
            LOG.infof("serving model %s (input dim %d, initial threshold %.5g) from %s", scorer.card().version(),
                    scorer.card().input().dim(), scorer.card().threshold().value(), dir);
            return scorer;
        } catch (InvalidModelException e) {
            throw new IllegalStateException("frameguard.model.dir (FRAMEGUARD_MODEL_DIR)=" + dir.toAbsolutePath() + ": "
                    + e.getMessage() + "; train one with `frameguard train` or point it at a model artifact", e);
        }
    }

    /**
     * Serves {@code next} from the next batch on. The replaced model is retired: closed once no scoring thread
     * holds a session on it any more.
     */
    public void swap(ModelScorer next) {
        ModelScorer old = current.getAndSet(next);
        LOG.infof("serving model %s (was %s)", next.card().version(), old == null ? "none" : old.card().version());
        if (old != null && old != next) {
            old.retire();
        }
    }

    /** The model to score the next batch with; null before the first load. */
    public ModelScorer current() {
        return current.get();
    }

    // After the scorer has stopped its workers (priority 10), so no thread still holds a session.
    void onStop(@Observes @jakarta.annotation.Priority(100) ShutdownEvent event) {
        ModelScorer s = current.getAndSet(null);
        if (s != null) {
            s.close();
        }
    }
}
