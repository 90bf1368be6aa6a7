package io.frameguard.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The meters of a service instance on a registry that outlives it (Quarkus restarts in one JVM). */
class FrameguardMetricsTest {

    private static double threshold(MeterRegistry registry, String source) {
        return registry.get("frameguard.threshold").tag("source", source).gauge().value();
    }

    @Test
    void aRestartedInstancePublishesItsOwnGauges() {
        MeterRegistry registry = new SimpleMeterRegistry();
        FrameguardMetrics first = new FrameguardMetrics(registry, 10);
        first.threshold("line-1", 1.0);
        first.close();
        assertThat(registry.find("frameguard.threshold").meters()).isEmpty();

        FrameguardMetrics second = new FrameguardMetrics(registry, 10);
        second.threshold("line-1", 2.0);
        assertThat(threshold(registry, "line-1")).isEqualTo(2.0);
    }

    @Test
    void aGaugeLeftBehindIsReplacedNotReused() {
        MeterRegistry registry = new SimpleMeterRegistry();
        new FrameguardMetrics(registry, 10).threshold("line-1", 1.0); // never closed
        FrameguardMetrics second = new FrameguardMetrics(registry, 10);
        second.threshold("line-1", 2.0);
        assertThat(threshold(registry, "line-1")).isEqualTo(2.0);
        second.threshold("line-1", 3.0);
        assertThat(threshold(registry, "line-1")).isEqualTo(3.0);
        assertThat(registry.find("frameguard.threshold").meters()).hasSize(1);
    }

    @Test
    void countersOfAClosedInstanceStartOverInTheNext() {
        MeterRegistry registry = new SimpleMeterRegistry();
        FrameguardMetrics first = new FrameguardMetrics(registry, 10);
        first.anomaly("line-1", "high", 5);
        first.deadLettered("undecodable");
        first.modelServed("v1", "2026-12-01T10:00:00Z");
        first.close();
        assertThat(registry.getMeters()).isEmpty();

        FrameguardMetrics second = new FrameguardMetrics(registry, 10);
        second.anomaly("line-1", "high", 5);
        assertThat(registry.get("frameguard.anomalies").tag("source", "line-1").tag("severity", "high").counter().count()).isEqualTo(1.0);
    }

    /**
     * Alerts count refusals with {@code increase()}, which sees nothing in a series that first appears at 1: each reason's
     * counter shows 0 before the first refusal. The model's training time is a gauge, so that its age can be alerted
     * on from the scorers, which always run (a CronJob trainer's gauges exist only during its runs).
     */
    @Test
    void refusalCountersShowZeroBeforeTheFirstRefusalAndTheServedModelsAgeIsKnown() {
        MeterRegistry registry = new SimpleMeterRegistry();
        FrameguardMetrics metrics = new FrameguardMetrics(registry, 10);
        metrics.countModelRefusals(java.util.List.of("checksum-mismatch", "unavailable"));
        assertThat(registry.get("frameguard.model.refused").tag("reason", "checksum-mismatch").counter().count()).isZero();
        metrics.modelRefused("checksum-mismatch");
        assertThat(registry.get("frameguard.model.refused").tag("reason", "checksum-mismatch").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("frameguard.model.refused").tag("reason", "unavailable").counter().count()).isZero();

        assertThat(registry.get("frameguard.model.created.timestamp").gauge().value()).isNaN();
        metrics.modelServed("v2", "2026-12-01T10:00:00Z");
        assertThat(registry.get("frameguard.model.created.timestamp").gauge().value())
                .isEqualTo(java.time.Instant.parse("2026-12-01T10:00:00Z").getEpochSecond());
        metrics.modelServed("v3", null);
        assertThat(registry.get("frameguard.model.created.timestamp").gauge().value()).isNaN();
    }

    /**
     * A source forgotten (idle) or judged by another replica now gives up its slot among the sources with series of
     * their own, and its series: once max-sources had been seen, every new source shared "_other" until a restart.
     */
    @Test
    void aSourceThatLeftGivesItsSlotToANewOne() {
        MeterRegistry registry = new SimpleMeterRegistry();
        FrameguardMetrics metrics = new FrameguardMetrics(registry, 2);
        metrics.threshold("cam-1", 1.0);
        metrics.anomaly("cam-1", "minor", 5);
        metrics.threshold("cam-2", 1.0);
        assertThat(metrics.threshold("cam-3", 1.0)).as("cam-3 has a series of its own").isFalse();
        metrics.sourceExpired("cam-1");
        assertThat(registry.find("frameguard.threshold").tag("source", "cam-1").gauge()).isNull();
        assertThat(registry.find("frameguard.anomalies").tag("source", "cam-1").counter()).isNull();
        assertThat(metrics.threshold("cam-4", 2.0)).as("cam-4 has a series of its own").isTrue();
        assertThat(threshold(registry, "cam-4")).isEqualTo(2.0);
        metrics.thresholdsLeft(java.util.List.of("cam-2"));
        assertThat(metrics.threshold("cam-5", 3.0)).as("cam-5 has a series of its own").isTrue();
        assertThat(registry.find("frameguard.threshold").tag("source", "cam-2").gauge()).isNull();
        // a source's counters are there at 0 from when it gets its series: Prometheus counts no increase of a counter
        // first seen at 1
        assertThat(registry.get("frameguard.anomalies").tag("source", "cam-5").tag("severity", "critical").counter().count())
                .isZero();
        assertThat(registry.get("frameguard.drift.events").tag("source", "cam-5").tag("status", "drift").counter().count())
                .isZero();
    }
}
