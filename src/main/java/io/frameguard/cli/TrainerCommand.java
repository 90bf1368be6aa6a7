package io.frameguard.cli;

import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.model.ModelRegistry;
import io.frameguard.retraining.RetrainingJob;
import io.frameguard.retraining.RetrainingTriggers;
import io.frameguard.retraining.TrainerLease;
import io.frameguard.retraining.TrainerMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code frameguard trainer}: the retraining sidecar. Runs {@link RetrainingJob} when a trigger fires (a schedule,
 * a number of newly scored frames, a drift event for the model), or once with {@code --once} (for a CronJob),
 * and serves its metrics for Prometheus.
 */
@Command(name = "trainer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Retrain the active model on recent frames outside fault episodes and publish the candidate only if it is no worse "
                + "(champion/challenger).",
                "One trainer per model is active across pods: trainers of a model share a lease (a consumer group on a "
                        + "one-partition topic); the others stand by and take over when it stops.",
                "With --once, exit status: 0 accepted, 3 rejected (worse than the champion), 4 refused (too little data), "
                        + "5 busy (another trainer holds the lease), 1 failed."})
final class TrainerCommand implements Callable<Integer> {

    static final int EXIT_REJECTED = 3;
    static final int EXIT_REFUSED = 4;
    static final int EXIT_BUSY = 5;

    @Mixin
    KafkaOptions registry;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name to retrain (its active version is the champion).")
    String model;

    @Option(names = "--once", description = "Run once now and exit (CronJob mode).")
    boolean once;

    @Option(names = "--every", defaultValue = "24h", converter = DurationConverter.class,
            description = "Retrain on this schedule, e.g. 6h, 30m, PT1H; 0 turns it off (default: ${DEFAULT-VALUE}).")
    Duration every;

    @Option(names = "--after-frames", defaultValue = "0",
            description = "Also retrain once this many new frames have arrived on the frames topic since the last run; 0 turns it off.")
    long afterFrames;

    @Option(names = "--on-drift", description = "Also retrain when the service reports drift for a source of this model's active version (drift of a version a run replaced is moot).")
    boolean onDrift;

    @Option(names = "--on-false-alarm", description = "Also retrain once operators judge anomalies false alarms (the verdicts "
            + "topic), --false-alarm-quiet after the latest: what they judged normal is learnt, a lasting change included.")
    boolean onFalseAlarm;

    @Option(names = "--false-alarm-quiet", defaultValue = "10m", converter = DurationConverter.AtLeastASecond.class,
            description = "With --on-false-alarm, how long to wait after the latest false-alarm verdict before the run, so "
                    + "that judging a list of incidents starts one run; while verdicts keep coming, at the latest 6 times as "
                    + "long after the first (default: ${DEFAULT-VALUE}).")
    Duration falseAlarmQuiet;

    @Option(names = "--max-frames", defaultValue = "50000", description = "Newest frames outside fault episodes to train on and hold "
            + "out (reports nobody judged set the threshold, never learnt): the newest scored frames, read up to 4 times as far "
            + "back when fault episodes and confirmed anomalies leave fewer (default: ${DEFAULT-VALUE}).")
    int maxFrames;

    @Option(names = "--min-frames", defaultValue = "2000",
            description = "Refuse to train on fewer recent frames outside fault episodes than this (default: ${DEFAULT-VALUE}).")
    int minFrames;

    @Option(names = "--holdout-fraction", defaultValue = "0.2",
            description = "Share of the frames held out to compare candidate and champion: the newest of those operators judged "
                    + "normal and the newest of the others, each (default: ${DEFAULT-VALUE}).")
    double holdoutFraction;

    @Option(names = "--activate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Activate an accepted candidate; --no-activate publishes it for a person to activate (default: ${DEFAULT-VALUE}).")
    boolean activate;

    @Option(names = "--keep-versions", paramLabel = "N", defaultValue = "" + ModelRegistry.DEFAULT_KEEP_VERSIONS,
            description = "After publishing a candidate, delete the model's older versions from the registry but the N published "
                    + "last, the active one and the N a rollback would go back to (the registry is read whole at every "
                    + "scorer's start); 0 keeps all (default: ${DEFAULT-VALUE}).")
    int keepVersions;

    @Option(names = "--epochs", defaultValue = "0", description = "Training epochs; 0: the champion's.")
    int epochs;

    @Option(names = "--hidden", defaultValue = "0", description = "Hidden width (filters for conv); 0: the champion's.")
    int hidden;

    @Option(names = "--latent", defaultValue = "0", description = "Bottleneck width; 0: the champion's.")
    int latent;

    @Option(names = "--learning-rate", defaultValue = "0", description = "Adam learning rate; 0: the champion's.")
    float learningRate;

    @Option(names = "--threads", defaultValue = "0", description = "TensorFlow threads; 0: one per processor.")
    int threads;

    @Option(names = "--frames-topic", defaultValue = Topics.DEFAULT_FRAMES) String framesTopic;
    @Option(names = "--scores-topic", defaultValue = Topics.DEFAULT_SCORES) String scoresTopic;
    @Option(names = "--anomalies-topic", defaultValue = Topics.DEFAULT_ANOMALIES) String anomaliesTopic;
    @Option(names = "--drift-topic", defaultValue = Topics.DEFAULT_DRIFT) String driftTopic;
    /** Operators' verdicts: frames whose reports were marked false alarms are trained on as normal. */
    @Option(names = "--verdicts-topic", defaultValue = Topics.DEFAULT_VERDICTS) String verdictsTopic;

    @Option(names = "--default-content-type", defaultValue = "${env:FRAMEGUARD_FRAMES_DEFAULT_CONTENT_TYPE:-application/json}",
            description = "Content type of frames without a content-type header, as the service assumes: the service's "
                    + "setting frameguard.frames.default-content-type, read from its variable beside the service (default: "
                    + "$FRAMEGUARD_FRAMES_DEFAULT_CONTENT_TYPE or ${DEFAULT-VALUE}).")
    String defaultContentType;

    @Option(names = "--metrics-port", defaultValue = "9001",
            description = "Port of the Prometheus endpoint /metrics; 0 turns it off (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--instance", defaultValue = "${env:FRAMEGUARD_INSTANCE:-frameguard}",
            description = "This install's name on the Kafka cluster, as the service's frameguard.instance: the lease group is "
                    + "INSTANCE-trainer-MODEL (default: $FRAMEGUARD_INSTANCE or ${DEFAULT-VALUE}).")
    String instance;

    @Option(names = "--lease-topic", defaultValue = TrainerLease.DEFAULT_TOPIC,
            description = "One-partition topic whose consumer groups are the trainers' leases; created when missing (default: ${DEFAULT-VALUE}).")
    String leaseTopic;

    @Option(names = "--lease-wait", defaultValue = "1m", converter = DurationConverter.class,
            description = "With --once: how long to wait for the lease before giving up with status 5 (default: ${DEFAULT-VALUE}).")
    Duration leaseWait;

    @Option(names = "--scrape-wait", defaultValue = "0s", converter = DurationConverter.class,
            description = "With --once: before the run, wait for Prometheus's first scrape, and after it keep /metrics up until "
                    + "Prometheus has scraped it once more, each at most this long, so a CronJob's run is recorded with no "
                    + "Pushgateway; 0 waits for none (default: ${DEFAULT-VALUE}).")
    Duration scrapeWait;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Scratch space for models being compared (default: a temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (minFrames < 100 || maxFrames < minFrames) {
            throw new IllegalArgumentException(
                    "--min-frames must be at least 100 and --max-frames at least --min-frames");
        }
        if (!(holdoutFraction > 0 && holdoutFraction < 0.5)) {
            throw new IllegalArgumentException("--holdout-fraction must be in (0, 0.5)");
        }
        if (!instance.matches(io.frameguard.config.FrameguardConfig.KAFKA_ID)) {
            throw new IllegalArgumentException(
                    "--instance (FRAMEGUARD_INSTANCE) " + io.frameguard.config.FrameguardConfig.KAFKA_ID_MESSAGE);
        }
        if (afterFrames < 0) {
            throw new IllegalArgumentException("--after-frames must be 0 (off) or more, was " + afterFrames);
        }
        if (keepVersions < 0) {
            throw new IllegalArgumentException("--keep-versions must be 0 (keep all) or more, was " + keepVersions);
        }
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new IllegalArgumentException("--metrics-port must be 0 (off) to 65535, was " + metricsPort);
        }
        FrameDecoders decoders; // built now: a type no decoder reads would otherwise fail only the first run, hours later
        try {
            decoders = FrameDecoders.standard(defaultContentType, Integer.MAX_VALUE, FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--default-content-type (as the service's " + e.getMessage() + ")");
        }
        TrainerMetrics metrics = new TrainerMetrics();
        AutoCloseable server = metricsPort > 0 ? metrics.serve(metricsPort) : null;
        if (once && collected()) {
            // a CronJob's pod: Prometheus must see its counters at 0 before the run, or a run that ends before the first
            // scrape shows as a series that starts at 1, which increase() reads as no run at all
            if (!metrics.awaitFirstScrape(scrapeWait)) {
                System.out.println("no scrape within --scrape-wait " + scrapeWait + " before the run: a run that fails fast may "
                        + "not be seen");
            }
        }
        Instant started = Instant.now();
        Map<String, Object> clientConfig = registry.clientConfig();
        // The trainer never reads dead letters, the memory nor the history: those names are the defaults, unused.
        Topics topics = Topics.named(framesTopic, scoresTopic, anomaliesTopic, Topics.DEFAULT_DLQ, driftTopic, verdictsTopic,
                Topics.DEFAULT_MEMORY, Topics.DEFAULT_HISTORY);
        Path work = workDir != null ? workDir : Files.createTempDirectory("frameguard-trainer");
        RetrainingJob.Settings settings = new RetrainingJob.Settings(model, topics, maxFrames, minFrames, holdoutFraction,
                epochs, threads, activate, keepVersions, decoders, work, Duration.ofMinutes(2));
        try (ModelRegistry r = registry.open();
                TrainerLease lease = TrainerLease.join(clientConfig, leaseTopic, TrainerLease.group(instance, model))) {
            // SIGTERM: leave the lease's group at once, so a standby takes over now rather than after a session
            Thread leaveOnExit = new Thread(() -> closeQuietly(lease), "frameguard-trainer-lease-exit");
            Runtime.getRuntime().addShutdownHook(leaveOnExit);
            try {
                metrics.lease(lease::held);
                return runHolding(lease, r, clientConfig, topics, metrics, settings);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(leaveOnExit);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or about to
                }
            }
        } catch (Exception e) {
            // before a run could start (the registry or the lease unreachable, no ACL on the lease topic), or outside it:
            // a failed run all the same, for the FrameguardTrainerFailing alert (a run that ended has counted itself)
            if (!runEnded) {
                metrics.run(RetrainingJob.Outcome.FAILED.label(), Duration.between(started, Instant.now()), 0);
                if (once) {
                    awaitScrapeAfterRun(metrics);
                }
            }
            throw e;
        } finally {
            if (server != null) {
                server.close();
            }
            if (workDir == null) { // our own temporary directory: candidates already published or discarded
                org.apache.commons.io.FileUtils.deleteQuietly(work.toFile());
            }
        }
    }

    /** Whether a --once run ended (and counted its own result in the metrics). */
    private boolean runEnded;

    /** Whether a run's metrics are served and waited for (--metrics-port, --scrape-wait). */
    private boolean collected() {
        return metricsPort > 0 && !scrapeWait.isZero();
    }

    /** With --scrape-wait, keeps the metrics up until Prometheus has scraped the run's result. */
    private void awaitScrapeAfterRun(TrainerMetrics metrics) throws InterruptedException {
        if (collected() && !metrics.awaitNextScrape(scrapeWait)) {
            System.out.println("no scrape within --scrape-wait " + scrapeWait + ": this run's metrics were not collected");
        }
    }

    /** How long a trainer whose registry writer cannot start, or was fenced, waits before it looks again. */
    private static final Duration FENCED_WAIT = Duration.ofSeconds(10);

    /** Runs once or until interrupted, publishing only while this trainer holds the model's lease. */
    private int runHolding(TrainerLease lease, ModelRegistry r, Map<String, Object> clientConfig, Topics topics,
            TrainerMetrics metrics, RetrainingJob.Settings settings) throws Exception {
        RetrainingJob job = new RetrainingJob(clientConfig, r, settings, metrics, b -> {
            if (hidden > 0) {
                b.hidden(hidden);
            }
            if (latent > 0) {
                b.latent(latent);
            }
            if (learningRate > 0) {
                b.learningRate(learningRate);
            }
            return b;
        }).onlyWhile(lease::held);
        if (once) {
            if (!lease.awaitHeld(leaseWait)) {
                System.out.println("busy: another trainer of " + model + " holds the lease " + lease.group());
                return EXIT_BUSY;
            }
            RetrainingJob.Result result;
            try (ModelRegistry writer = r.fencing(lease.registryWriterId())) { // fences the writer of every term before
                result = job.writingThrough(writer).run("--once");
            } catch (ModelRegistry.FencedException e) { // another trainer's writer started meanwhile: it holds the lease
                System.out.println("busy: another trainer of " + model + " writes the registry now (" + e.getMessage() + ")");
                return EXIT_BUSY;
            }
            runEnded = true;
            System.out.println(result.outcome().label() + ": " + result.message());
            awaitScrapeAfterRun(metrics);
            return switch (result.outcome()) {
                case ACCEPTED -> 0;
                case REJECTED -> EXIT_REJECTED;
                case REFUSED -> EXIT_REFUSED;
                case ABANDONED -> EXIT_BUSY;
                case FAILED -> 1;
            };
        }
        RetrainingTriggers triggers = new RetrainingTriggers(model, every, afterFrames, onDrift,
                onFalseAlarm ? falseAlarmQuiet : null, () -> activation(r));
        // One writer per term, started when the term begins and kept through it: a trainer whose lease flickers (cut off
        // from the group coordinator, then heard again) goes on with the writer it has, and never starts one that would
        // fence the trainer that took over meanwhile. A writer fenced ends what this trainer writes until a new term.
        TermWriter writer = new TermWriter(r, lease.registryWriterId(), metrics);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                if (!lease.held()) {
                    System.out.println("standing by: another trainer of " + model + " holds the lease " + lease.group());
                }
                while (!lease.awaitHeld(Duration.ofMinutes(1))) {
                    if (lease.closed()) { // shutting down
                        return 0;
                    }
                }
                long term = lease.term();
                ModelRegistry current = writer.forTerm(term);
                if (current == null) { // fenced in this term, or its writer cannot start yet
                    Thread.sleep(FENCED_WAIT.toMillis());
                    continue;
                }
                job.writingThrough(current);
                try {
                    triggers.runWhile(() -> lease.held() && lease.term() == term && !job.fenced(), job::run, clientConfig,
                            topics, lease);
                } finally {
                    job.writingThrough(null);
                }
                if (job.fenced()) {
                    writer.fenced(term);
                    System.out.println("another trainer of " + model + " writes the registry now: this one stands by until it "
                            + "takes the lease " + lease.group() + " again");
                }
            }
            return 0;
        } finally {
            writer.close();
        }
    }

    /**
     * The registry writer of the current lease term ({@link ModelRegistry#fencing}): started at most once per term (again
     * only where starting it failed), closed when the term changes or it was fenced.
     */
    private static final class TermWriter implements AutoCloseable {
        private final ModelRegistry registry;
        private final String id;
        private final TrainerMetrics metrics;
        private ModelRegistry writer;
        private long term;
        private long fencedIn;

        TermWriter(ModelRegistry registry, String id, TrainerMetrics metrics) {
            this.registry = registry;
            this.id = id;
            this.metrics = metrics;
        }

        /** The term's writer; null when it was fenced in this term, or cannot start now (said, and counted as a failed run). */
        ModelRegistry forTerm(long now) {
            if (now == fencedIn) {
                return null;
            }
            if (writer != null && term == now) {
                return writer;
            }
            close();
            try {
                writer = registry.fencing(id);
                term = now;
                return writer;
            } catch (ModelRegistry.FencedException e) { // another trainer's started meanwhile: it holds the lease
                fencedIn = now;
                return null;
            } catch (java.io.IOException e) { // the brokers' transaction coordinator away, or no ACL on the id
                System.out.println("cannot start writing to the registry as " + id + ": " + e.getMessage() + "; trying again in "
                        + FENCED_WAIT);
                metrics.run(RetrainingJob.Outcome.FAILED.label(), Duration.ZERO, 0);
                return null;
            }
        }

        void fenced(long inTerm) {
            fencedIn = inTerm;
            close();
        }

        @Override
        public void close() {
            if (writer != null) {
                writer.close();
                writer = null;
            }
        }
    }

    /** The model's active version and when it was activated, per the registry; null when unknown. */
    private ModelRegistry.Activation activation(ModelRegistry r) {
        try {
            return r.read().active().get(model);
        } catch (Exception e) {
            return null; // the schedule then counts from now, and drift of any version triggers
        }
    }

    private static void closeQuietly(TrainerLease lease) {
        try {
            lease.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
