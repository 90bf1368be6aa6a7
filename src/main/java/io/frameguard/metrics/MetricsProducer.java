package io.frameguard.metrics;

import io.frameguard.config.FrameguardConfig;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Publishes {@link FrameguardMetrics} on the service's Micrometer registry (served at /q/metrics). */
@ApplicationScoped
public class MetricsProducer {

    static final String HTTP_SERVER_METERS = "http.server.";
    static final String SERVER_PORT_TAG = "server.port";

    @Produces
    @ApplicationScoped
    FrameguardMetrics metrics(MeterRegistry registry, FrameguardConfig config) {
        return new FrameguardMetrics(registry, config.metrics().maxSources());
    }

    /**
     * One set of tag keys per HTTP server meter, whatever the ports: Quarkus tags a server's connection meters
     * ({@code http.server.bytes.read}, ...) with {@code server.port} only when the port is fixed, so with a random
     * HTTP port ({@code quarkus.http.port=0}) the HTTP server's meters and the management server's would differ in
     * their keys, which the Prometheus registry refuses, failing the HTTP server's start (and then the shutdown).
     * Without the port tag the two servers' connection meters are one series; requests keep their {@code uri}.
     */
    @Produces
    @Singleton
    MeterFilter sameTagKeysForEveryHttpServer() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (!id.getName().startsWith(HTTP_SERVER_METERS) || id.getTag(SERVER_PORT_TAG) == null) {
                    return id;
                }
                return id.replaceTags(id.getTags().stream().filter(t -> !t.getKey().equals(SERVER_PORT_TAG)).toList());
            }
        };
    }

    /** The registry outlives the application in tests and dev mode: take this instance's meters out of it. */
    void close(@Disposes FrameguardMetrics metrics) {
        metrics.close();
    }
}
