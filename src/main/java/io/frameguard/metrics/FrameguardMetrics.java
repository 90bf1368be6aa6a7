package io.frameguard.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * frameguard's own meters (Prometheus names in brackets). Per-source series are limited to {@code maxSources}
 * sources at a time (a source forgotten, or judged by another replica now, gives its slot up); the others share
 * {@code source="_other"}, so a fleet of thousands of cameras cannot blow up the metrics backend.
 *
 * <ul>
 *   <li>frames scored [frameguard_frames_scored_total], dead-lettered by reason [frameguard_frames_dlq_total]
 *   <li>batch size [frameguard_batch_size], inference latency per predictor call [frameguard_inference_seconds]
 *   <li>score distribution [frameguard_score], frame capture to event latency [frameguard_frame_to_event_seconds]
 *   <li>current threshold per source [frameguard_threshold], anomalies per source and severity
 *       [frameguard_anomalies_total], active model [frameguard_model_info] and when it was trained
 *       [frameguard_model_created_timestamp_seconds], versions refused by reason, each at 0 from the start
 *       [frameguard_model_refused_total], sources forgotten after the idle
 *       expiry [frameguard_sources_expired_total], anomaly events recognised as a confirmed label and suppressed as
 *       like past false alarms [frameguard_anomalies_recognised_total, frameguard_anomalies_suppressed_total]
 * </ul>
 *
 * <p>The registry may outlive this object: Quarkus's injected registry is Micrometer's global composite, which
 * stays in the JVM across application restarts (tests, dev mode). Micrometer hands back an existing meter with the
 * same id on registration, and a gauge reads only the object it was registered with. So every meter registered
 * here is remembered and removed by {@link #close()}, and a per-source gauge replaces any meter of its id left
 * behind: otherwise a restarted service would publish the previous instance's dead gauges (NaN) and never its own.
 */
public final class FrameguardMetrics {

    public static final String OTHER_SOURCE = "_other";

    private final MeterRegistry registry;
    private final int maxSources;
    private final Map<String, String> sourceTags = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Double>> thresholds = new ConcurrentHashMap<>();
    private final Map<String, AtomicReference<Double>> driftPsi = new ConcurrentHashMap<>();
    private final Map<String, Counter> anomalyCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> dlqCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> driftCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> refusedCounters = new ConcurrentHashMap<>();
    private final AtomicReference<Double> modelCreated = new AtomicReference<>(Double.NaN);
    private final AtomicReference<String> modelVersion = new AtomicReference<>();
    private final List<Meter> registered = new CopyOnWriteArrayList<>();

    private final Counter scored;
    private final Counter registrySkipped;
    private final Counter sourcesExpired;
    private final Counter recognised;
    private final Counter suppressed;
    private final DistributionSummary batchSize;
    private final Timer inference;
    private final DistributionSummary scores;
    private final Timer frameToEvent;

    public FrameguardMetrics(MeterRegistry registry, int maxSources) {
        this.registry = registry;
        this.maxSources = maxSources;
        scored = remember(Counter.builder("frameguard.frames.scored").description("Frames scored").register(registry));
        remember(Gauge.builder("frameguard.model.created.timestamp", modelCreated, AtomicReference::get).baseUnit("seconds")
                .description("When the model served was trained (its card's createdAt), epoch seconds").register(registry));
        registrySkipped = remember(Counter.builder("frameguard.registry.records.skipped")
                .description("Malformed model registry records skipped").register(registry));
        sourcesExpired = remember(Counter.builder("frameguard.sources.expired")
                .description("Sources forgotten after sending nothing for the idle expiry").register(registry));
        recognised = remember(Counter.builder("frameguard.anomalies.recognised")
                .description("Anomaly events recognised as a label that operators confirmed on similar past anomalies")
                .register(registry));
        suppressed = remember(Counter.builder("frameguard.anomalies.suppressed")
                .description("Anomaly events marked suppressed: like past false alarms of their source").register(registry));
        batchSize = remember(DistributionSummary.builder("frameguard.batch.size").description("Frames per predictor call")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096).register(registry));
        inference = remember(Timer.builder("frameguard.inference").description("Duration of one predictor call (a batch)")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(5)).register(registry));
        scores = remember(DistributionSummary.builder("frameguard.score").description("Reconstruction error of scored frames")
                .serviceLevelObjectives(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 100)
                .register(registry));
        frameToEvent = remember(Timer.builder("frameguard.frame.to.event").description("Frame capture time to anomaly event")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry));
    }

    private <M extends Meter> M remember(M meter) {
        registered.add(meter);
        return meter;
    }

    /** Removes every meter this instance registered from the registry (called when the service stops). */
    public void close() {
        for (Meter m : registered) {
            registry.remove(m);
        }
        registered.clear();
    }

    public void scored(int frames) {
        scored.increment(frames);
    }

    public void batch(int frames, long inferenceNanos) {
        batchSize.record(frames);
        inference.record(inferenceNanos, TimeUnit.NANOSECONDS);
    }

    public void score(double score) {
        scores.record(score);
    }

    public void deadLettered(String reason) {
        dlqCounters.computeIfAbsent(reason, r -> remember(Counter.builder("frameguard.frames.dlq")
                .description("Frames sent to the dead-letter topic").tag("reason", r).register(registry))).increment();
    }

    /** @return whether the source has a series of its own (not {@value #OTHER_SOURCE}'s) */
    public boolean threshold(String source, double value) {
        gaugeFor(thresholds, "frameguard.threshold", "Current detection threshold per source", source).set(value);
        return ownSeries(source);
    }

    private AtomicReference<Double> gaugeFor(Map<String, AtomicReference<Double>> gauges, String name, String description,
            String source) {
        return gauges.computeIfAbsent(sourceTag(source), t -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            registry.find(name).tag("source", t).meters().forEach(registry::remove);
            // strong: the holder lives as long as this object, and close() removes the gauge with it
            remember(Gauge.builder(name, holder, AtomicReference::get).description(description).tag("source", t)
                    .strongReference(true).register(registry));
            return holder;
        });
    }

    /**
     * PSI of the source's last complete drift window.
     *
     * @return whether the source has a series of its own (not {@value #OTHER_SOURCE}'s)
     */
    public boolean drift(String source, double psi) {
        gaugeFor(driftPsi, "frameguard.drift.psi", "Population stability index of the source's last window of scores "
                + "against the model's validation scores", source).set(psi);
        return ownSeries(source);
    }

    /**
     * Releases the sources a stream task of this replica judged, when the task closes (it moved to another replica in a
     * rebalance, or the service stops): their series go ({@link #release}), since their new owner exports them, and the
     * last values here would stand beside its live ones for ever (an alert on the largest value of a source would never
     * resolve).
     */
    public void thresholdsLeft(java.util.Collection<String> sources) {
        sources.forEach(this::release);
    }

    /** As {@link #thresholdsLeft}, for the sources a task's drift processor measured. */
    public void driftLeft(java.util.Collection<String> sources) {
        sources.forEach(this::release);
    }

    private boolean ownSeries(String source) {
        return sourceTags.containsKey(source);
    }

    /** A drift episode started ("drift") or ended ("recovered"). */
    public void driftEvent(String source, String status) {
        driftCounter(sourceTag(source), status).increment();
    }

    private Counter driftCounter(String tag, String status) {
        return driftCounters.computeIfAbsent(tag + '\u0000' + status, k -> remember(Counter.builder("frameguard.drift.events")
                .tag("source", tag).tag("status", status).register(registry)));
    }

    public void anomaly(String source, String severity, long captureToEventMillis) {
        anomalyCounter(sourceTag(source), severity).increment();
        frameToEvent.record(Math.max(0, captureToEventMillis), TimeUnit.MILLISECONDS);
    }

    private Counter anomalyCounter(String tag, String severity) {
        return anomalyCounters.computeIfAbsent(tag + '\u0000' + severity, k -> remember(Counter.builder("frameguard.anomalies")
                .description("Anomaly events emitted").tag("source", tag).tag("severity", severity).register(registry)));
    }

    /** The severities and drift statuses a source's counters are made for at 0, when it gets its series. */
    private static final List<String> SEVERITIES = List.of("minor", "major", "critical");
    private static final List<String> DRIFT_STATUSES = List.of("drift", "recovered");

    /**
     * A source's counters at 0 from when it gets its series: a counter first seen at 1 is an increase Prometheus never
     * counts ({@code increase()} starts from its first sample), and a source's series come and go with its slot.
     */
    private void countersAtZero(String tag) {
        SEVERITIES.forEach(severity -> anomalyCounter(tag, severity));
        DRIFT_STATUSES.forEach(status -> driftCounter(tag, status));
    }

    /**
     * Marks {@code version} as the model being served: frameguard_model_info{version=...} = 1, one series only.
     * The previous version's series is removed rather than set to 0, and any series of the same id registered
     * earlier (Micrometer hands back an existing meter, with its old state, on re-registration) is replaced.
     */
    public synchronized void modelServed(String version, String createdAt) {
        modelCreated.set(epochSeconds(createdAt));
        modelVersion.set(version);
        for (Meter m : registry.find("frameguard.model.info").meters()) {
            registry.remove(m);
        }
        remember(Gauge.builder("frameguard.model.info", () -> 1)
                .description("1 for the model version being served").tag("version", version).register(registry));
    }

    /** When the model served was trained (its card's {@code createdAt}), in epoch seconds; NaN where it says none. */
    private static double epochSeconds(String createdAt) {
        try {
            return createdAt == null ? Double.NaN : java.time.Instant.parse(createdAt).toEpochMilli() / 1000.0;
        } catch (java.time.DateTimeException e) {
            return Double.NaN;
        }
    }

    /** A model version the registry activated but the scorer refused (the old model keeps serving). */
    public void modelRefused(String reason) {
        refusedCounter(reason).increment();
    }

    /**
     * Shows the refusal counter of each of these reasons at 0 before any refusal: a counter whose series first appears
     * at 1 has no increase that {@code increase()} can see, and a refused version is not tried again, so the one
     * refusal an alert is there for would never show.
     */
    public void countModelRefusals(Iterable<String> reasons) {
        reasons.forEach(this::refusedCounter);
    }

    private Counter refusedCounter(String reason) {
        return refusedCounters.computeIfAbsent(reason, r -> remember(Counter.builder("frameguard.model.refused")
                .description("Activated model versions the scorer refused").tag("reason", r).register(registry)));
    }

    /**
     * A source forgotten after sending nothing for the idle expiry: counted, and released ({@link #release}: a stale
     * gauge would read as current); a shared {@value #OTHER_SOURCE} series stays.
     */
    public void sourceExpired(String source) {
        sourcesExpired.increment();
        release(source);
    }

    /** The meters of one source's own, those {@link #release} removes with its slot. */
    private static final List<String> PER_SOURCE = List.of("frameguard.threshold", "frameguard.drift.psi",
            "frameguard.anomalies", "frameguard.drift.events");

    /**
     * Gives up a source's own series (its gauges and counters) and its slot among the {@code maxSources}: a source
     * forgotten, or judged by another replica now, would otherwise keep its slot for the life of the process, and once
     * {@code maxSources} had been seen (cameras replaced, a rolling restart's sources taken over for a while) every new
     * one would share {@value #OTHER_SOURCE}. A counter of the source, back later, starts again at 0.
     */
    private void release(String source) {
        synchronized (sourceTags) {
            if (sourceTags.remove(source) == null) {
                return; // it had none (its series are the shared ones)
            }
            thresholds.remove(source);
            driftPsi.remove(source);
            anomalyCounters.keySet().removeIf(k -> k.startsWith(source + '\u0000'));
            driftCounters.keySet().removeIf(k -> k.startsWith(source + '\u0000'));
            for (String name : PER_SOURCE) {
                registry.find(name).tag("source", source).meters().forEach(m -> {
                    registry.remove(m);
                    registered.remove(m);
                });
            }
        }
    }

    public void anomalyRecognised() {
        recognised.increment();
    }

    public void anomalySuppressed() {
        suppressed.increment();
    }

    /** A record of the model registry that could not be read (malformed), skipped. */
    public void registryRecordSkipped() {
        registrySkipped.increment();
    }

    /** The source's own tag while fewer than maxSources have one, else {@value #OTHER_SOURCE} (not stored). */
    String sourceTag(String source) {
        if (sourceTags.containsKey(source)) {
            return source;
        }
        synchronized (sourceTags) {
            if (sourceTags.size() < maxSources) {
                if (sourceTags.putIfAbsent(source, source) == null) {
                    countersAtZero(source);
                }
                return source;
            }
        }
        return OTHER_SOURCE;
    }
}
