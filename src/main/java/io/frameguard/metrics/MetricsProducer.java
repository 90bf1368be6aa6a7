package io.frameguard.metrics;

import io.frameguard.config.FrameguardConfig;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

/** Publishes {@link FrameguardMetrics} on the service's Micrometer registry (served at /q/metrics). */
@ApplicationScoped
public class MetricsProducer {

    @Produces
    @ApplicationScoped
    FrameguardMetrics metrics(MeterRegistry registry, FrameguardConfig config) {
        return new FrameguardMetrics(registry, config.metrics().maxSources());
    }

    /** The registry outlives the application in tests and dev mode: take this instance's meters out of it. */
    void close(@Disposes FrameguardMetrics metrics) {
        metrics.close();
    }
}
