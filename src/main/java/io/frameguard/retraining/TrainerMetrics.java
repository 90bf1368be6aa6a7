package io.frameguard.retraining;

import io.frameguard.model.ModelCard;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.jboss.logging.Logger;

/**
 * The retraining sidecar's meters ({@code frameguard trainer}, scraped from its own /metrics):
 * <ul>
 *   <li>{@code frameguard_trainer_runs_total{result}}: accepted, rejected (worse than the champion), refused
 *       (too little data) or failed;
 *   <li>{@code frameguard_trainer_last_run_timestamp_seconds}, {@code ..._last_run_duration_seconds},
 *       {@code ..._last_run_frames} (recent frames used, outside fault episodes), {@code ..._last_accepted_timestamp_seconds};
 *   <li>{@code frameguard_trainer_candidate_validation_loss}, {@code ..._candidate_false_alarm_rate},
 *       {@code ..._candidate_synthetic_auroc}, {@code ..._champion_synthetic_auroc} of the last comparison;
 *   <li>{@code frameguard_trainer_model_age_seconds}: how long ago the active model was trained;
 *   <li>{@code frameguard_trainer_lease_held}: 1 on the model's active trainer, 0 on those standing by.
 * </ul>
 * Micrometer's registry on the Prometheus Java client 1.x, served by that client's own HTTP server, as the service's
 * are (the trainer is no Quarkus application).
 */
public final class TrainerMetrics {

    private static final Logger LOG = Logger.getLogger(TrainerMetrics.class);

    private final PrometheusMeterRegistry registry;
    /** Scrapes served so far (a CronJob's trainer waits for one after its run, so that its result is recorded). */
    private final java.util.concurrent.atomic.AtomicLong scrapes = new java.util.concurrent.atomic.AtomicLong();
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
        registry.getPrometheusRegistry().register(() -> { // adds no metric: counts the scrapes
            scrapes.incrementAndGet();
            return new io.prometheus.metrics.model.snapshots.MetricSnapshots();
        });
        lastRun = gauge("frameguard.trainer.last.run.timestamp.seconds", "When the last run ended");
        lastDuration = gauge("frameguard.trainer.last.run.duration.seconds", "How long the last run took");
        lastFrames = gauge("frameguard.trainer.last.run.frames", "Recent frames outside fault episodes the last run used");
        lastAccepted = gauge("frameguard.trainer.last.accepted.timestamp.seconds", "When a candidate was last accepted");
        loss = gauge("frameguard.trainer.candidate.validation.loss", "Validation loss of the last candidate");
        candidateFar = gauge("frameguard.trainer.candidate.false.alarm.rate", "Last candidate's false-alarm rate on held-out recent frames");
        candidateAuroc = gauge("frameguard.trainer.candidate.synthetic.auroc", "Last candidate's AUROC on corrupted held-out frames");
        championAuroc = gauge("frameguard.trainer.champion.synthetic.auroc", "The champion's AUROC on the same frames");
        Gauge.builder("frameguard.trainer.model.age.seconds", activeModelCreated,
                        r -> r.get() == null ? Double.NaN : Duration.between(r.get(), Instant.now()).toMillis() / 1000.0)
                .description("Age of the active model (since it was trained)").register(registry);
        // every result at 0 from the start: a CronJob's run is a new pod, whose counter would otherwise first appear at 1,
        // an increase that increase() cannot see
        for (RetrainingJob.Outcome outcome : RetrainingJob.Outcome.values()) {
            runs(outcome.label());
        }
    }

    private io.micrometer.core.instrument.Counter runs(String result) {
        return io.micrometer.core.instrument.Counter.builder("frameguard.trainer.runs").description("Retraining runs by result")
                .tag("result", result).register(registry);
    }

    /** The Prometheus text exposition of these meters. */
    public String scrape() {
        return registry.scrape();
    }

    /** Serves the meters on {@code GET :port/metrics} (text or OpenMetrics, as the scraper asks) until closed. */
    public AutoCloseable serve(int port) throws IOException {
        HTTPServer server = HTTPServer.builder().port(port).registry(registry.getPrometheusRegistry()).buildAndStart();
        LOG.infof("trainer metrics on :%d/metrics", server.getPort());
        return server::close;
    }

    /** Longest wait for a scrape, whatever asked: a hundred years, well within a long of nanoseconds. */
    private static final Duration MAX_WAIT = Duration.ofDays(36_500);

    /**
     * Waits until the meters have been scraped after now (two scrapes more), at most {@code timeout}: a CronJob's trainer exits
     * right after its run, and without this Prometheus would rarely see that run's result.
     *
     * @return whether a scrape came
     */
    public boolean awaitNextScrape(Duration timeout) throws InterruptedException {
        // two more: a scrape already under way when this is called may have collected the values from before the run
        return awaitScrapesBeyond(scrapes.get() + 1, timeout);
    }

    /**
     * Waits until the meters have been scraped once, at most {@code timeout}: before a CronJob's run, so that its counters'
     * 0 is recorded (they exist from construction on).
     *
     * @return whether a scrape came
     */
    public boolean awaitFirstScrape(Duration timeout) throws InterruptedException {
        return awaitScrapesBeyond(0, timeout);
    }

    /** Waits until more than {@code count} scrapes have come, at most {@code timeout}; whether they came. */
    private boolean awaitScrapesBeyond(long count, Duration timeout) throws InterruptedException {
        // a wait of centuries (a --scrape-wait of 999999999h) saturates rather than overflow a long of nanoseconds;
        // elapsed time is compared, never a deadline, which nanoTime's origin could make overflow
        long start = System.nanoTime();
        long wait = (timeout.compareTo(MAX_WAIT) > 0 ? MAX_WAIT : timeout).toNanos();
        while (scrapes.get() <= count) {
            if (System.nanoTime() - start >= wait) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    /** Whether this trainer holds its model's lease, read at each scrape. */
    public void lease(BooleanSupplier held) {
        Gauge.builder("frameguard.trainer.lease.held", held, h -> h.getAsBoolean() ? 1 : 0)
                .strongReference(true) // a gauge holds its object weakly, and nothing else holds this lambda
                .description("1 on the model's active trainer (it holds the lease), 0 on a trainer standing by").register(registry);
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
        runs(result).increment();
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
