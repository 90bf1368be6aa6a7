package io.frameguard.retraining;

import com.sun.net.httpserver.HttpServer;
import io.frameguard.model.ModelCard;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * The retraining sidecar's meters ({@code frameguard trainer}, scraped from its own /metrics):
 * <ul>
 *   <li>{@code frameguard_trainer_runs_total{result}}: accepted, rejected (worse than the champion), refused
 *       (too little data) or failed;
 *   <li>{@code frameguard_trainer_last_run_timestamp_seconds}, {@code ..._last_run_duration_seconds},
 *       {@code ..._last_run_frames} (recent normal frames used), {@code ..._last_accepted_timestamp_seconds};
 *   <li>{@code frameguard_trainer_candidate_validation_loss}, {@code ..._candidate_false_alarm_rate},
 *       {@code ..._candidate_synthetic_auroc}, {@code ..._champion_synthetic_auroc} of the last comparison;
 *   <li>{@code frameguard_trainer_model_age_seconds}: how long ago the active model was trained.
 * </ul>
 */
public final class TrainerMetrics {

    private static final Logger LOG = Logger.getLogger(TrainerMetrics.class);

    private final PrometheusMeterRegistry registry;
    private final AtomicReference<Instant> activeModelCreated = new AtomicReference<>();

    private final AtomicReference<Double> lastRun;
    private final AtomicReference<Double> lastDuration;
    private final AtomicReference<Double> lastFrames;
    private final AtomicReference<Double> lastAccepted;
    private final AtomicReference<Double> loss;
    private final AtomicReference<Double> candidateFar;
    private final AtomicReference<Double> candidateAuroc;
    private final AtomicReference<Double> championAuroc;

    public TrainerMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        lastRun = gauge("frameguard.trainer.last.run.timestamp.seconds", "When the last run ended");
        lastDuration = gauge("frameguard.trainer.last.run.duration.seconds", "How long the last run took");
        lastFrames = gauge("frameguard.trainer.last.run.frames", "Recent normal frames the last run read");
        lastAccepted = gauge("frameguard.trainer.last.accepted.timestamp.seconds", "When a candidate was last accepted");
        loss = gauge("frameguard.trainer.candidate.validation.loss", "Validation loss of the last candidate");
        candidateFar = gauge("frameguard.trainer.candidate.false.alarm.rate", "Last candidate's false-alarm rate on held-out recent frames");
        candidateAuroc = gauge("frameguard.trainer.candidate.synthetic.auroc", "Last candidate's AUROC on corrupted held-out frames");
        championAuroc = gauge("frameguard.trainer.champion.synthetic.auroc", "The champion's AUROC on the same frames");
        Gauge.builder("frameguard.trainer.model.age.seconds", activeModelCreated,
                        r -> r.get() == null ? Double.NaN : Duration.between(r.get(), Instant.now()).toMillis() / 1000.0)
                .description("Age of the active model (since it was trained)").register(registry);
    }

    /** The Prometheus text exposition of these meters. */
    public String scrape() {
        return registry.scrape();
    }

    /** Serves {@link #scrape()} on {@code GET :port/metrics} until closed. */
    public AutoCloseable serve(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        server.createContext("/metrics", exchange -> {
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(null);
        server.start();
        LOG.infof("trainer metrics on :%d/metrics", port);
        return () -> server.stop(0);
    }

    private AtomicReference<Double> gauge(String name, String description) {
        AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
        Gauge.builder(name, holder, AtomicReference::get).description(description).register(registry);
        return holder;
    }

    public void activeModel(ModelCard card) {
        if (card != null && card.createdAt() != null) {
            activeModelCreated.set(Instant.parse(card.createdAt()));
        }
    }

    /** One run's result: {@code result} is accepted, rejected, refused or failed. */
    public void run(String result, Duration took, long frames) {
        io.micrometer.core.instrument.Counter.builder("frameguard.trainer.runs").description("Retraining runs by result")
                .tag("result", result).register(registry).increment();
        lastRun.set(Instant.now().toEpochMilli() / 1000.0);
        lastDuration.set(took.toMillis() / 1000.0);
        lastFrames.set((double) frames);
        if ("accepted".equals(result)) {
            lastAccepted.set(Instant.now().toEpochMilli() / 1000.0);
        }
    }

    public void candidate(ModelCard candidate) {
        if (candidate.training() != null) {
            loss.set(candidate.training().validationLoss());
        }
        ModelCard.Comparison c = candidate.comparison();
        if (c != null) {
            candidateFar.set(c.candidate().falseAlarmRate());
            candidateAuroc.set(c.candidate().syntheticAuroc());
            championAuroc.set(c.champion() == null ? Double.NaN : c.champion().syntheticAuroc());
        }
    }
}
