package io.frameguard.cli;

import com.sun.net.httpserver.HttpServer;
import io.frameguard.drift.DriftEvent;
import io.frameguard.drift.DriftTopology;
import io.frameguard.kafka.Topics;
import io.frameguard.metrics.TrainerMetrics;
import io.frameguard.model.ModelRegistry;
import io.frameguard.training.RetrainingJob;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code frameguard trainer}: the retraining sidecar. Runs {@link RetrainingJob} when a trigger fires (a schedule,
 * a number of newly scored frames, a drift event for the model), or once with {@code --once} (for a CronJob),
 * and serves its metrics for Prometheus.
 */
@Command(name = "trainer", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Retrain the active model on recent normal frames and publish the candidate only if it is no worse "
                + "(champion/challenger).",
                "With --once, exit status: 0 accepted, 3 rejected (worse than the champion), 4 refused (too little data), 1 failed."})
final class TrainerCommand implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger(TrainerCommand.class);
    static final int EXIT_REJECTED = 3;
    static final int EXIT_REFUSED = 4;
    /** How often the triggers are checked. */
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);

    @Mixin
    ModelsCommand.RegistryOptions registry;

    @Option(names = "--model", required = true, paramLabel = "NAME", description = "Model name to retrain (its active version is the champion).")
    String model;

    @Option(names = "--once", description = "Run once now and exit (CronJob mode).")
    boolean once;

    @Option(names = "--every", defaultValue = "24h", converter = DurationConverter.class,
            description = "Retrain on this schedule, e.g. 6h, 30m, PT1H; 0 turns it off (default: ${DEFAULT-VALUE}).")
    Duration every;

    @Option(names = "--after-frames", defaultValue = "0",
            description = "Also retrain once this many frames have been scored since the last run; 0 turns it off.")
    long afterFrames;

    @Option(names = "--on-drift", description = "Also retrain when the service reports drift for a source of this model.")
    boolean onDrift;

    @Option(names = "--max-frames", defaultValue = "50000", description = "Newest scored frames to read (default: ${DEFAULT-VALUE}).")
    int maxFrames;

    @Option(names = "--min-frames", defaultValue = "2000",
            description = "Refuse to train on fewer recent normal frames than this (default: ${DEFAULT-VALUE}).")
    int minFrames;

    @Option(names = "--holdout-fraction", defaultValue = "0.2",
            description = "Newest share of the frames held out to compare candidate and champion (default: ${DEFAULT-VALUE}).")
    double holdoutFraction;

    @Option(names = "--activate", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Activate an accepted candidate; --no-activate publishes it for a person to activate (default: ${DEFAULT-VALUE}).")
    boolean activate;

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

    @Option(names = "--frames-topic", defaultValue = "frames") String framesTopic;
    @Option(names = "--scores-topic", defaultValue = "scores") String scoresTopic;
    @Option(names = "--anomalies-topic", defaultValue = "anomalies") String anomaliesTopic;
    @Option(names = "--drift-topic", defaultValue = "drift") String driftTopic;

    @Option(names = "--default-content-type", defaultValue = "application/json",
            description = "Content type of frames without a content-type header, as the service assumes (default: ${DEFAULT-VALUE}).")
    String defaultContentType;

    @Option(names = "--metrics-port", defaultValue = "9001",
            description = "Port of the Prometheus endpoint /metrics; 0 turns it off (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Scratch space for models being compared (default: a temporary directory).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (minFrames < 100 || maxFrames < minFrames) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--min-frames must be at least 100 and --max-frames at least --min-frames");
        }
        if (!(holdoutFraction > 0 && holdoutFraction < 0.5)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--holdout-fraction must be in (0, 0.5)");
        }
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainerMetrics metrics = new TrainerMetrics(prometheus);
        HttpServer server = metricsPort > 0 ? serveMetrics(prometheus) : null;
        Map<String, Object> clientConfig = registry.clientConfig();
        Topics topics = new Topics(framesTopic, scoresTopic, anomaliesTopic, "unused", driftTopic);
        Path work = workDir != null ? workDir : Files.createTempDirectory("frameguard-trainer");
        RetrainingJob.Settings settings = new RetrainingJob.Settings(model, topics, maxFrames, minFrames, holdoutFraction,
                epochs, threads, activate, defaultContentType, work, Duration.ofMinutes(2));
        try (ModelRegistry r = registry.open()) {
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
            });
            if (once) {
                RetrainingJob.Result result = job.run("--once");
                System.out.println(result.outcome().label() + ": " + result.message());
                return switch (result.outcome()) {
                    case ACCEPTED -> 0;
                    case REJECTED -> EXIT_REJECTED;
                    case REFUSED -> EXIT_REFUSED;
                    case FAILED -> 1;
                };
            }
            loop(job, clientConfig, topics);
            return 0;
        } finally {
            if (server != null) {
                server.stop(0);
            }
            if (workDir == null) { // our own temporary directory: candidates already published or discarded
                org.apache.commons.io.FileUtils.deleteQuietly(work.toFile());
            }
        }
    }

    /** Checks the triggers every few seconds until the process is stopped. */
    private void loop(RetrainingJob job, Map<String, Object> clientConfig, Topics topics) throws Exception {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "frameguard-trainer-" + UUID.randomUUID());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> scores = partitions(consumer, topics.scores());
            List<TopicPartition> drift = onDrift ? partitions(consumer, topics.drift()) : List.of();
            consumer.assign(drift);
            consumer.seekToEnd(drift); // drift reported before the trainer started was the previous trainer's to act on
            long framesAtLastRun = scoredSoFar(consumer, scores);
            long lastRun = System.nanoTime();
            LOG.infof("trainer for model %s: every %s%s%s", model, every.isZero() ? "(off)" : every,
                    afterFrames > 0 ? ", after " + afterFrames + " scored frames" : "", onDrift ? ", on drift" : "");
            while (!Thread.currentThread().isInterrupted()) {
                String trigger = null;
                for (ConsumerRecord<String, byte[]> r : consumer.poll(CHECK_INTERVAL)) {
                    DriftEvent e = DriftTopology.EVENT_SERDE.deserializer().deserialize(r.topic(), r.value());
                    if (e != null && DriftEvent.DRIFT.equals(e.status()) && e.modelVersion() != null) {
                        trigger = "drift on " + e.source() + " (PSI " + String.format(Locale.ROOT, "%.3f", e.psi()) + ")";
                    }
                }
                long scoredNow = scoredSoFar(consumer, scores);
                if (trigger == null && afterFrames > 0 && scoredNow - framesAtLastRun >= afterFrames) {
                    trigger = (scoredNow - framesAtLastRun) + " frames scored since the last run";
                }
                if (trigger == null && !every.isZero() && System.nanoTime() - lastRun >= every.toNanos()) {
                    trigger = "schedule (every " + every + ")";
                }
                if (trigger != null) {
                    job.run(trigger);
                    framesAtLastRun = scoredNow;
                    lastRun = System.nanoTime();
                }
            }
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        var infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " does not exist (is the service running?)");
        }
        return infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    /** Records in the scores topic so far (end offsets summed): a frame count that only grows. */
    private static long scoredSoFar(KafkaConsumer<?, ?> consumer, List<TopicPartition> scores) {
        return consumer.endOffsets(scores).values().stream().mapToLong(Long::longValue).sum();
    }

    private HttpServer serveMetrics(PrometheusMeterRegistry prometheus) throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(metricsPort), 0);
        server.createContext("/metrics", exchange -> {
            byte[] body = prometheus.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(null);
        server.start();
        LOG.infof("trainer metrics on :%d/metrics", metricsPort);
        return server;
    }

    /** Durations as 90s, 15m, 6h, 1d, or ISO-8601 (PT6H); 0 for none. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("0")) {
                return Duration.ZERO;
            }
            if (v.startsWith("p")) {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new CommandLine.TypeConversionException("'" + value + "' is not a duration like 90s, 15m, 6h, 1d or PT6H");
            };
        }
    }
}
