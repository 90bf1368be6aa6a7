package io.frameguard.retraining;

import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelRegistry;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.NotEnoughDataException;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.apache.commons.io.FileUtils;
import org.jboss.logging.Logger;

/**
 * One retraining run of the sidecar: fetch the active model (the champion) from the registry, read the recent
 * frames outside fault episodes ({@link RecentNormalFrames}), refuse when there are too few, train a candidate of the same
 * kind as the champion on the older part, compare both on the newest part ({@link ChampionChallenger}), and
 * publish (and by default activate) the candidate only when it is no worse, with the comparison on its card.
 */
public final class RetrainingJob {

    private static final Logger LOG = Logger.getLogger(RetrainingJob.class);

    /** How a run ended; the metric label is the lower-case name. */
    public enum Outcome {
        /** Published (and activated, unless told not to). */
        ACCEPTED,
        /** Worse than the champion: not published. */
        REJECTED,
        /** Too little data to train on. */
        REFUSED,
        /** This trainer lost its lease during the run: another trainer of the model is the active one now. */
        ABANDONED,
        FAILED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param maxFrames newest frames outside fault episodes to use; {@code minFrames} of them needed to train
     * @param holdoutFraction newest share of them held out for the comparison
     * @param epochs epochs to train; 0: the champion's
     * @param activate activate an accepted candidate (else publish only, for a person to activate)
     */
    /** @param keepVersions versions of the model kept in the registry after a candidate is published ({@link ModelRegistry#prune}); 0: all */
    public record Settings(String modelName, Topics topics, int maxFrames, int minFrames, double holdoutFraction, int epochs,
            int threads, boolean activate, int keepVersions, FrameDecoders decoders, Path workDir, Duration readTimeout) {}

    /** What a run did; {@code candidate} is null when no candidate was trained. */
    public record Result(Outcome outcome, String message, ModelCard candidate, long frames) {}

    private final Map<String, Object> clientConfig;
    private final ModelRegistry registry;
    private final Settings settings;
    private final TrainerMetrics metrics;
    private final UnaryOperator<TrainingOptions.Builder> overrides;
    private volatile BooleanSupplier holdsLease = () -> true;
    /** The lease term's fencing writer of the registry ({@link #writingThrough}); null: the plain registry client writes. */
    private volatile ModelRegistry writer;
    /** Whether {@link #writer} was fenced: another trainer's term began, and this one writes no more. */
    private volatile boolean fenced;

    /** @param overrides applied over the champion-derived options (tests make deliberately weak candidates) */
    public RetrainingJob(Map<String, Object> clientConfig, ModelRegistry registry, Settings settings, TrainerMetrics metrics,
            UnaryOperator<TrainingOptions.Builder> overrides) {
        this.clientConfig = Map.copyOf(clientConfig);
        this.registry = registry;
        this.settings = settings;
        this.metrics = metrics;
        this.overrides = overrides;
    }

    /**
     * Publishes and activates only while {@code holdsLease} holds (this trainer holds the model's {@link TrainerLease}): it
     * is asked again right before each registry write.
     */
    public RetrainingJob onlyWhile(BooleanSupplier holdsLease) {
        this.holdsLease = holdsLease;
        return this;
    }

    /**
     * Writes publish, activation and prune through {@code writer}, the fencing client ({@link ModelRegistry#fencing}) the
     * trainer started when its lease term began ({@link TrainerLease#registryWriterId}): a trainer that still believes it
     * holds the lease after another took it over cannot write, and the other's checks of the registry cannot be
     * overtaken by its writes. Null: the plain client given at construction writes.
     */
    public RetrainingJob writingThrough(ModelRegistry writer) {
        this.writer = writer;
        this.fenced = false;
        return this;
    }

    /** Whether the writer of {@link #writingThrough} was fenced: another trainer holds the lease. */
    public boolean fenced() {
        return fenced;
    }

    public Result run(String trigger) {
        long t0 = System.nanoTime();
        Path work = settings.workDir().resolve("run-" + UUID.randomUUID());
        Result result;
        try {
            result = attempt(trigger, work);
        } catch (NotEnoughDataException e) {
            result = new Result(Outcome.REFUSED, e.getMessage(), null, 0);
        } catch (Exception e) {
            LOG.errorf(e, "retraining of %s failed: %s", settings.modelName(), e.getMessage());
            result = new Result(Outcome.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage(), null, 0);
        } finally {
            deleteQuietly(work);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        metrics.run(result.outcome().label(), took, result.frames());
        if (result.candidate() != null) {
            metrics.candidate(result.candidate());
        }
        LOG.infof("retraining of %s (%s) %s in %.1f s: %s", settings.modelName(), trigger, result.outcome().label(),
                took.toMillis() / 1000.0, result.message());
        return result;
    }

    private Result attempt(String trigger, Path work) throws Exception {
        ModelRegistry.Activation active = registry.read().active().get(settings.modelName());
        if (active == null) {
            throw new IllegalStateException("model " + settings.modelName() + " has no active version in the registry: "
                    + "publish and activate a first model (frameguard models publish --activate)");
        }
        ModelArtifact championArtifact = registry.fetch(settings.modelName(), active.version(), work.resolve("champion"));
        ModelCard championCard = championArtifact.card();
        metrics.activeModel(championCard);
        LOG.infof("retraining %s (%s): champion %s; reading recent frames", settings.modelName(), trigger, active.version());
        RecentNormalFrames.Sample sample = RecentNormalFrames.read(clientConfig, settings.topics(), championCard.input().shape(),
                championCard.input().featureNames(),
                settings.decoders(),
                settings.maxFrames(), settings.holdoutFraction(), settings.minFrames(), settings.readTimeout());
        LOG.infof("training a candidate on %s", sample.summary());

        TrainingOptions.Builder options = TrainingOptions.like(championCard).threads(settings.threads());
        if (settings.epochs() > 0) {
            options.epochs(settings.epochs());
        }
        options = overrides.apply(options);
        // the channels the champion hides, hidden at once: its bottleneck (taken over) was measured without them
        ModelArtifact candidate = new AutoencoderTrainer(options.build(), TrainingProgress.NONE)
                .hiding(championCard.scoring() == null ? null : championCard.scoring().hiddenChannels())
                .train(sample.train(), sample.notFitted(), sample.timesLearnt(), work.resolve("candidate"), sample.summary());

        ModelCard.Comparison comparison;
        try (ModelRunner champ = ModelRunner.load(championArtifact); ModelRunner cand = ModelRunner.load(candidate)) {
            comparison = ChampionChallenger.compare(champ, cand, sample.holdout(), sample.holdoutRows(),
                    championCard.training() != null ? championCard.training().seed() : 42L);
        }
        candidate = ModelArtifact.seal(candidate.dir(), candidate.card().withComparison(comparison));
        if (!comparison.accepted()) {
            return new Result(Outcome.REJECTED, "candidate " + candidate.card().version() + " not published: "
                    + comparison.reason(), candidate.card(), sample.kept());
        }
        if (!holdsLease.getAsBoolean() || fenced) {
            return new Result(Outcome.ABANDONED, "candidate " + candidate.card().version() + " not published: this trainer "
                    + "lost the lease, another trainer of " + settings.modelName() + " is the active one", candidate.card(), sample.kept());
        }
        ModelRegistry termWriter = writer;
        java.util.concurrent.atomic.AtomicBoolean published = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            return publish(termWriter != null ? termWriter : registry, trigger, active, candidate, comparison, sample.kept(), published);
        } catch (ModelRegistry.FencedException e) {
            fenced = true;
            return new Result(Outcome.ABANDONED, "candidate " + candidate.card().version()
                    + (published.get() ? " published, not activated" : " not published") + ": another trainer of "
                    + settings.modelName() + " took over the registry writes (" + e.getMessage() + ")", candidate.card(), sample.kept());
        } catch (IOException e) {
            if (!published.get()) {
                throw e;
            }
            // the run failed, but the candidate is in the registry: an operator may activate it, or prune it
            LOG.errorf(e, "candidate %s of %s published, its activation failed: %s", candidate.card().version(),
                    settings.modelName(), e.getMessage());
            return new Result(Outcome.FAILED, "candidate " + candidate.card().version() + " published, not activated: "
                    + e.getClass().getSimpleName() + ": " + e.getMessage(), candidate.card(), sample.kept());
        }
    }

    /** Publishes an accepted candidate, activates it (unless told not to) and prunes the older versions. */
    private Result publish(ModelRegistry registry, String trigger, ModelRegistry.Activation active, ModelArtifact candidate,
            ModelCard.Comparison comparison, long kept, java.util.concurrent.atomic.AtomicBoolean published) throws IOException {
        registry.publish(candidate);
        published.set(true);
        String message = "candidate " + candidate.card().version() + " published: " + comparison.reason();
        if (settings.activate()) {
            // not when another trainer took over, nor over a champion that changed while this run compared against it
            ModelRegistry.Activation now = registry.read().active().get(settings.modelName());
            String changed = now == null || !now.version().equals(active.version()) ? "the active version changed during the run ("
                    + active.version() + " to " + (now == null ? "none" : now.version()) + ")" : null;
            String lost = holdsLease.getAsBoolean() ? null : "this trainer lost the lease";
            if (changed != null || lost != null) {
                return new Result(Outcome.ACCEPTED, "candidate " + candidate.card().version() + " published, not activated: "
                        + (lost != null ? lost : changed) + "; " + comparison.reason(), candidate.card(), kept);
            }
            try {
                registry.activate(settings.modelName(), candidate.card().version(), "retrained (" + trigger + "), replacing "
                        + active.version() + ": " + comparison.reason(), java.util.Optional.of(active.version()));
            } catch (ModelRegistry.ActiveVersionChangedException e) { // an operator's activation or rollback meanwhile
                return new Result(Outcome.ACCEPTED, "candidate " + candidate.card().version() + " published, not activated: "
                        + e.getMessage() + "; " + comparison.reason(), candidate.card(), kept);
            }
            metrics.activeModel(candidate.card());
            message = "candidate " + candidate.card().version() + " published and activated: " + comparison.reason();
        }
        if (settings.keepVersions() > 0 && holdsLease.getAsBoolean()) {
            try {
                java.util.List<String> deleted = registry.prune(settings.modelName(), settings.keepVersions());
                if (!deleted.isEmpty()) {
                    message += "; deleted from the registry: " + String.join(", ", deleted);
                }
            } catch (java.io.IOException e) { // the candidate is published (and active): the next run prunes again
                fenced |= e instanceof ModelRegistry.FencedException;
                LOG.warnf("could not prune the older versions of %s from the registry: %s", settings.modelName(), e.getMessage());
                message += "; older versions not pruned: " + e.getMessage();
            }
        }
        return new Result(Outcome.ACCEPTED, message, candidate.card(), kept);
    }

    private static void deleteQuietly(Path dir) {
        if (!FileUtils.deleteQuietly(dir.toFile()) && Files.exists(dir)) {
            LOG.warnf("cannot delete %s", dir);
        }
    }
}
