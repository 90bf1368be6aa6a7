package io.frameguard.drift;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.events.DriftEvent;
import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.streams.TopologyProducer;
import io.frameguard.testing.DetectorDriver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drift branch of the service's topology (the same one, built by TopologyProducer), driven by TopologyTestDriver. */
class DriftTopologyTest {

    private static final Topics TOPICS = DetectorDriver.TOPICS;
    private static final int WINDOW = 200;

    private final Random random = new Random(7);
    private DetectorDriver driver;
    @TempDir
    Path stateDir;
    private TestInputTopic<String, ScoreBatch> scores;
    private TestOutputTopic<String, DriftEvent> drift;
    private SimpleMeterRegistry registry;
    private long offset;

    @BeforeEach
    void start() throws Exception {
        registry = new SimpleMeterRegistry();
        driver = new DetectorDriver(stateDir, ThresholdPolicy.defaults(), new DriftPolicy(WINDOW, 0.2),
                new FrameguardMetrics(registry, 10));
        scores = driver.input(TOPICS.scores());
        drift = driver.output(TOPICS.drift());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    /** Frames whose validation ranks are uniform on [from, to), each scoring under the model's threshold (1.0). */
    private void frames(String source, String version, int n, double from, double to) {
        frames(source, version, n, from, to, 0.1);
    }

    /** Frames whose validation ranks are uniform on [from, to), each scoring {@code score} (the threshold is 1.0). */
    private void frames(String source, String version, int n, double from, double to, double score) {
        for (int i = 0; i < n; i++) {
            long o = offset++;
            double rank = from + (to - from) * random.nextDouble();
            scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o, 1005 + o, score, 1.0, version,
                    rank, List.of(), null, 1, 100)));
        }
    }

    private double psiGauge(String source) {
        return registry.get("frameguard.drift.psi").tag("source", source).gauge().value();
    }

    @Test
    void aRecordOfSeveralFramesGivesTheDriftEventsOfTheSameFramesOneRecordEach() {
        List<ScoreRecord> alone = new ArrayList<>();
        List<ScoreRecord> together = new ArrayList<>();
        for (int i = 0; i < 4 * WINDOW; i++) {
            boolean drifting = i >= WINDOW && i < 3 * WINDOW; // windows 2 and 3 rank high: one episode, then recovery
            double rank = drifting ? 0.9 + 0.1 * random.nextDouble() : random.nextDouble();
            for (var e : java.util.Map.of("alone", alone, "together", together).entrySet()) {
                e.getValue().add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, e.getKey(), new FrameRef("frames", 0, i), 1000 + i, 5000, 0.1,
                        1.0, "v1", rank, List.of(), null, 16, 100));
            }
        }
        alone.forEach(s -> scores.pipeInput("alone", ScoreBatch.of(s)));
        for (int from = 0; from < together.size(); ) {
            int n = 1 + (from * 7) % 16; // records of 1 to 16 frames: windows end inside records
            scores.pipeInput("together", new ScoreBatch(together.subList(from, Math.min(together.size(), from + n))));
            from += n;
        }
        List<DriftEvent> events = drift.readValuesToList();
        List<DriftEvent> ofAlone = events.stream().filter(e -> e.source().equals("alone")).toList();
        List<DriftEvent> ofTogether = events.stream().filter(e -> e.source().equals("together")).toList();
        assertThat(ofAlone).extracting(DriftEvent::status).containsExactly(DriftEvent.DRIFT, DriftEvent.RECOVERED);
        assertThat(ofTogether).usingRecursiveComparison().ignoringFields("source", "detectedTimestamp").isEqualTo(ofAlone);
    }

    @Test
    void scoresLikeTheValidationDataAreNoDrift() {
        frames("m1", "v1", 5 * WINDOW, 0, 1);
        assertThat(drift.isEmpty()).isTrue();
        // (bins - 1) / window is PSI's expectation without drift
        assertThat(psiGauge("m1")).isLessThan(0.15);
    }

    @Test
    void scoresAboveTheValidationRangeStartAnEpisodeWhichEndsWhenTheyReturn() {
        frames("m1", "v1", WINDOW, 0, 1);
        frames("m2", "v1", WINDOW, 0, 1);
        // m1 now scores like the worst tenth of the validation frames, or worse
        frames("m1", "v1", WINDOW, 0.8, 1);
        assertThat(drift.getQueueSize()).isEqualTo(1);
        DriftEvent started = drift.readValue();
        assertThat(started.status()).isEqualTo(DriftEvent.DRIFT);
        assertThat(started.source()).isEqualTo("m1");
        assertThat(started.modelVersion()).isEqualTo("v1");
        assertThat(started.windowFrames()).isEqualTo(WINDOW);
        assertThat(started.psi()).isGreaterThan(1.0);
        assertThat(started.observedShares()[8] + started.observedShares()[9]).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(started.windowEndTimestamp() - started.windowStartTimestamp()).isEqualTo(WINDOW - 1);
        assertThat(psiGauge("m1")).isEqualTo(started.psi());

        // still drifting: no second event; m2 never drifted
        frames("m1", "v1", WINDOW, 0.8, 1);
        frames("m2", "v1", WINDOW, 0, 1);
        assertThat(drift.isEmpty()).isTrue();

        frames("m1", "v1", WINDOW, 0, 1);
        DriftEvent ended = drift.readValue();
        assertThat(ended.status()).isEqualTo(DriftEvent.RECOVERED);
        assertThat(ended.psi()).isLessThan(0.2);
        assertThat(registry.get("frameguard.drift.events").tag("source", "m1").tag("status", "drift").counter().count())
                .isEqualTo(1.0);
    }

    /**
     * A fault that lasts is reported as anomalies, not as drift: the frames of a fault episode (a quarter or more of the
     * source's recent frames over its threshold, as the detector holds its threshold and the trainer leaves frames out)
     * are not counted in the source's window. Counted, they drifted it, and the trainer's {@code --on-drift} retrained
     * during every lasting fault on frames that leave the fault out.
     */
    @Test
    void aLastingFaultIsReportedAsAnomaliesNotAsDrift() {
        frames("m1", "v1", WINDOW / 2, 0, 1);
        // five windows' worth of a fault: every frame over the threshold and above every validation frame
        frames("m1", "v1", 5 * WINDOW, 0.999, 1, 5.0);
        assertThat(drift.isEmpty()).isTrue();
        // once it ends, the source's frames fill its window again
        frames("m1", "v1", 2 * WINDOW, 0, 1);
        assertThat(drift.isEmpty()).isTrue();
        assertThat(psiGauge("m1")).isLessThan(0.15);
    }

    /** A change of the scores that only some frames exceed the threshold by is drift still, exceeding frames included. */
    @Test
    void aShiftWithSomeFramesOverTheThresholdIsDrift() {
        frames("m1", "v1", WINDOW, 0, 1);
        for (int i = 0; i < 2 * WINDOW; i++) {
            // one frame in ten over the threshold: fewer than a fault episode's quarter
            frames("m1", "v1", 1, 0.8, 1, i % 10 == 0 ? 1.5 : 0.5);
        }
        DriftEvent started = drift.readValue();
        assertThat(started.status()).isEqualTo(DriftEvent.DRIFT);
        assertThat(started.windowFrames()).isEqualTo(WINDOW);
    }

    @Test
    void aNewModelVersionStartsAFreshWindow() {
        // half a window of drifted ranks under v1, then the model changes: the v1 frames are not counted for v2
        frames("m1", "v1", WINDOW / 2, 0.9, 1);
        frames("m1", "v2", WINDOW - 1, 0, 1);
        assertThat(drift.isEmpty()).isTrue();
        frames("m1", "v2", 1, 0, 1);
        assertThat(drift.isEmpty()).isTrue();
        assertThat(psiGauge("m1")).isLessThan(0.15);
    }

    /**
     * A drift episode that a new model ends (the trainer's {@code --on-drift} retrained on the drifted frames) ends with a
     * {@code recovered} event naming the new model: the first window of the new model that does not drift said nothing,
     * and the console showed the source drifting for ever.
     */
    @Test
    void aDriftThatANewModelEndsIsRecovered() {
        frames("m1", "v1", WINDOW, 0.8, 1);
        assertThat(drift.readValue().status()).isEqualTo(DriftEvent.DRIFT);
        frames("m1", "v2", WINDOW, 0, 1);
        DriftEvent ended = drift.readValue();
        assertThat(ended.status()).isEqualTo(DriftEvent.RECOVERED);
        assertThat(ended.modelVersion()).isEqualTo("v2");
        assertThat(drift.isEmpty()).isTrue();
    }

    /**
     * A drift episode that goes on under a new model is said again for it, naming it: the trainer acts on the drift of
     * the model served, and the memory showed the old model's episode for ever.
     */
    @Test
    void aDriftThatGoesOnUnderANewModelIsSaidAgainForIt() {
        frames("m1", "v1", WINDOW, 0.8, 1);
        assertThat(drift.readValue().modelVersion()).isEqualTo("v1");
        frames("m1", "v2", WINDOW, 0.8, 1);
        DriftEvent again = drift.readValue();
        assertThat(again.status()).isEqualTo(DriftEvent.DRIFT);
        assertThat(again.modelVersion()).isEqualTo("v2");
        frames("m1", "v2", WINDOW, 0.8, 1);
        assertThat(drift.isEmpty()).as("still drifting: said once").isTrue();
    }

    @Test
    void psiIsZeroForUniformCountsAndGrowsWithShift() {
        long[] uniform = new long[DriftPolicy.BINS];
        java.util.Arrays.fill(uniform, 100);
        assertThat(DriftPolicy.psi(uniform)).isEqualTo(0.0, org.assertj.core.data.Offset.offset(1e-12));
        long[] mild = uniform.clone();
        mild[9] += 50;
        long[] strong = uniform.clone();
        strong[9] += 500;
        assertThat(DriftPolicy.psi(mild)).isGreaterThan(0).isLessThan(DriftPolicy.psi(strong));
    }
}
