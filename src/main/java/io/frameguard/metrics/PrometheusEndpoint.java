package io.frameguard.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The service's meters for Prometheus on the Prometheus Java client 1.x: Micrometer's {@code prometheusmetrics}
 * registry, which Quarkus adds to its global registry like any {@code MeterRegistry} bean (so the JVM, HTTP and
 * Kafka client binders and {@link FrameguardMetrics} all land in it), served at {@value #PATH} on the management
 * port in the format the scraper asks for (Prometheus text, OpenMetrics or protobuf).
 */
@ApplicationScoped
public class PrometheusEndpoint {

    /** Where Prometheus scrapes the service (the management port; the chart's ServiceMonitor points here). */
    public static final String PATH = "/q/metrics";
    /** A scrape of the service is tens of kilobytes: start the buffer there. */
    private static final int SCRAPE_BUFFER_BYTES = 64 * 1024;

    private final ExpositionFormats formats = ExpositionFormats.init();

    @Produces
    @Singleton
    PrometheusMeterRegistry registry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    void close(@Disposes PrometheusMeterRegistry registry) {
        registry.close();
    }

    void serve(@Observes ManagementInterface management, PrometheusMeterRegistry registry) {
        management.router().get(PATH).handler(ctx -> {
            ExpositionFormatWriter writer = formats.findWriter(ctx.request().getHeader("Accept"));
            ByteArrayOutputStream out = new ByteArrayOutputStream(SCRAPE_BUFFER_BYTES);
            try {
                writer.write(out, registry.getPrometheusRegistry().scrape());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            ctx.response().putHeader("Content-Type", writer.getContentType()).end(Buffer.buffer(out.toByteArray()));
        });
    }
}
