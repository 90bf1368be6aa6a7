package io.frameguard.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.detection.SourceState;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.drift.DriftPolicy;
import io.frameguard.drift.DriftState;
import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.testing.DetectorDriver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle sources are forgotten by the service's topology (TopologyTestDriver, its wall clock advanced by hand). */
class IdleSourceExpiryTest {

    private static final Duration EXPIRY = Duration.ofHours(1);

    @TempDir
    Path stateDir;

    private long offset;

    @Test
    void aSourceThatStopsSendingIsForgottenInEveryStoreAndStartsAfreshWhenItReturns() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (DetectorDriver detector = new DetectorDriver(stateDir, new ThresholdPolicy(0.5, 0.5, 2.0, 1, 1),
                DriftPolicy.defaults(), EXPIRY, new FrameguardMetrics(meters, 10))) {
            TopologyTestDriver driver = detector.driver();
            TestInputTopic<String, ScoreBatch> scores = detector.input(DetectorDriver.TOPICS.scores());
            KeyValueStore<String, SourceState> thresholds = driver.getKeyValueStore(TopologyProducer.THRESHOLD_STORE);
            KeyValueStore<String, DriftState> drift = driver.getKeyValueStore(TopologyProducer.DRIFT_STORE);

            for (int i = 0; i < 20; i++) {
                score(scores, "gone", 0.9); // well above the model's median: the rolling threshold rises
                score(scores, "stays", 0.5);
            }
            assertThat(thresholds.get("gone").threshold()).isGreaterThan(1.2);
            assertThat(drift.get("gone")).isNotNull();
            assertThat(meters.find("frameguard.threshold").tag("source", "gone").gauge()).isNotNull();

            // "stays" keeps sending for two expiries; "gone" sends nothing
            for (int minute = 0; minute < 120; minute += 10) {
                driver.advanceWallClockTime(Duration.ofMinutes(10));
                score(scores, "stays", 0.5);
            }
            assertThat(thresholds.get("gone")).isNull();
            assertThat(drift.get("gone")).isNull();
            KeyValueStore<String, Long> lastSeen = driver.getKeyValueStore(TopologyProducer.LAST_SEEN_STORE);
            assertThat(lastSeen.get("gone")).isNull();
            assertThat(thresholds.get("stays")).isNotNull();
            assertThat(drift.get("stays")).isNotNull();
            assertThat(meters.find("frameguard.sources.expired").counter().count()).isEqualTo(1.0);
            assertThat(meters.find("frameguard.threshold").tag("source", "gone").gauge()).as("stale gauge removed").isNull();

            score(scores, "gone", 0.5);
            assertThat(thresholds.get("gone").threshold()).as("back at the card's threshold")
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.01));
        }
    }

    /**
     * A task that closes (its partitions moved to another replica in a rebalance) takes its sources' gauges with it:
     * the new owner exports them, and the old one's last values (a drift of 0.9, say) would stand beside them for ever.
     */
    @Test
    void aClosedTaskLeavesNoGaugeOfItsSourcesBehind() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        FrameguardMetrics metrics = new FrameguardMetrics(meters, 1); // "a" a series of its own, "b" the others' one
        DetectorDriver detector = new DetectorDriver(stateDir, new ThresholdPolicy(0.5, 0.5, 2.0, 1, 1),
                new DriftPolicy(100, 0.2), EXPIRY, metrics);
        try {
            TestInputTopic<String, ScoreBatch> scores = detector.input(DetectorDriver.TOPICS.scores());
            for (int i = 0; i < 100; i++) {
                score(scores, "a", 0.9);
                score(scores, "b", 0.9);
            }
            assertThat(meters.find("frameguard.threshold").tag("source", "a").gauge()).isNotNull();
            assertThat(meters.find("frameguard.drift.psi").tag("source", "a").gauge().value()).isGreaterThan(0.2);
            assertThat(meters.find("frameguard.threshold").tag("source", FrameguardMetrics.OTHER_SOURCE).gauge()).isNotNull();
        } finally {
            detector.close(); // closes the task's processors, as a rebalance that moves the task away does
        }
        assertThat(meters.find("frameguard.threshold").tag("source", "a").gauge()).as("threshold gauge left behind").isNull();
        assertThat(meters.find("frameguard.drift.psi").tag("source", "a").gauge()).as("drift gauge left behind").isNull();
    }

    @Test
    void theSweepIntervalIsATenthOfTheExpiryWithinBounds() {
        assertThat(IdleSourceExpiry.sweepInterval(Duration.ofHours(1))).isEqualTo(Duration.ofMinutes(6));
        assertThat(IdleSourceExpiry.sweepInterval(Duration.ofDays(7))).isEqualTo(Duration.ofMinutes(10));
        assertThat(IdleSourceExpiry.sweepInterval(Duration.ofSeconds(2))).isEqualTo(Duration.ofSeconds(1));
    }

    private void score(TestInputTopic<String, ScoreBatch> scores, String source, double score) {
        long o = offset++;
        scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o,
                1005 + o, score, 1.0, "m1", 0.5, List.of(), null, 1, 100, null, null, 0.5)));
    }
}
