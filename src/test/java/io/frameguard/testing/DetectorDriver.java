package io.frameguard.testing;

import io.frameguard.detection.IncidentPolicy;
import io.frameguard.detection.PastAnomalies;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.drift.DriftPolicy;
import io.frameguard.events.Topic;
import io.frameguard.events.Topics;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.streams.TopologyProducer;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/** The service's detector topology ({@link TopologyProducer}) under {@link TopologyTestDriver}, on the default topics. */
public final class DetectorDriver implements AutoCloseable {

    public static final Topics TOPICS = Topics.defaults();
    /** The detector's wall clock when the driver starts: the start of a minute, so that tests know which minute it is. */
    public static final java.time.Instant START = java.time.Instant.parse("2026-01-01T00:00:00Z");

    private final TopologyTestDriver driver;

    public DetectorDriver(Path stateDir, ThresholdPolicy threshold, DriftPolicy drift, FrameguardMetrics metrics) {
        this(stateDir, threshold, drift, java.time.Duration.ZERO, metrics);
    }

    /** @param idleExpiry the service's frameguard.detector.idle-source-expiry (zero: never) */
    public DetectorDriver(Path stateDir, ThresholdPolicy threshold, DriftPolicy drift, java.time.Duration idleExpiry,
            FrameguardMetrics metrics) {
        this(stateDir, TopologyProducer.build(TOPICS, threshold, drift, idleExpiry, metrics));
    }

    /** With what the detector asks about past anomalies. */
    public DetectorDriver(Path stateDir, ThresholdPolicy threshold, PastAnomalies memory, FrameguardMetrics metrics) {
        this(stateDir, TopologyProducer.build(TOPICS, threshold, IncidentPolicy.DEFAULT, DriftPolicy.defaults(),
                java.time.Duration.ZERO, memory, metrics));
    }

    private DetectorDriver(Path stateDir, org.apache.kafka.streams.Topology topology) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "detector-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, Refusals.class.getName());
        driver = new TopologyTestDriver(topology, p, START);
    }

    public <V> TestInputTopic<String, V> input(Topic<String, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    public <V> TestOutputTopic<String, V> output(Topic<String, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    public TopologyTestDriver driver() {
        return driver;
    }

    @Override
    public void close() {
        driver.close();
    }
}
