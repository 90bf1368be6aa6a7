package io.frameguard.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.frameguard.drift.DriftPolicy;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.ChannelError;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Incident;
import io.frameguard.events.MemoryEntry;
import io.frameguard.events.Picture;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.SourceMinute;
import io.frameguard.events.Signature;
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
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detector topology, the same one the service runs, driven by TopologyTestDriver. */
class DetectionTopologyTest {

    private static final double BASE = 1.0;
    private static final Topics TOPICS = DetectorDriver.TOPICS;

    private DetectorDriver detector;
    private TopologyTestDriver driver;
    @TempDir
    Path stateDir;
    private TestInputTopic<String, ScoreBatch> scores;
    private TestOutputTopic<String, AnomalyEvent> anomalies;
    private SimpleMeterRegistry registry;
    private long offset;

    private void start(ThresholdPolicy policy) throws Exception {
        registry = new SimpleMeterRegistry();
        detector = new DetectorDriver(stateDir, policy, DriftPolicy.defaults(), new FrameguardMetrics(registry, 2));
        driver = detector.driver();
        scores = detector.input(TOPICS.scores());
        anomalies = detector.output(TOPICS.anomalies());
    }

    @AfterEach
    void close() {
        if (detector != null) {
            detector.close();
        }
    }

    private void score(String source, double score) {
        score(source, score, "m1", BASE);
    }

    private void score(String source, double score, String version, double modelThreshold) {
        long o = offset++;
        scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o, 1005 + o, score, modelThreshold, version, null,
                List.of(new ChannelError(2, "temp", score * 10, 0.6)), null, 1, 100)));
    }

    /** A normal frame of a source whose scores are the model's validation scores times {@code gain}. */
    private void normal(String source, double gain) {
        withMedian(source, gain * ThresholdPolicyTest.validationScore(random));
    }

    /** A score with the model's validation median, as the scorer sends it. */
    private void withMedian(String source, double score) {
        long o = offset++;
        scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o,
                1005 + o, score, BASE, "m1", null, List.of(), null, 1, 100, null, null, ThresholdPolicyTest.MEDIAN)));
    }

    private final Random random = new Random(3);

    private double threshold(String source) {
        KeyValueStore<String, SourceState> store = driver.getKeyValueStore(TopologyProducer.THRESHOLD_STORE);
        return store.get(source).threshold();
    }

    @Test
    void aScoreWithoutItsFrameIsSkippedAndTheSourceGoesOn() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        // not the scorer's: written by hand without frame coordinates, far above the threshold
        scores.pipeInput("pump-9", ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-9", null, 1000, 1005, 50.0, BASE, "m1",
                null, List.of(), null, 1, 100)));
        score("pump-9", 5.0);
        assertThat(anomalies.readValuesToList()).singleElement().satisfies(e -> assertThat(e.score()).isEqualTo(5.0));
    }

    @Test
    void aScoreRecordWithNeitherKeyNorSourceIsRefusedAndTheDetectorGoesOn() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        io.frameguard.testing.Refusals.drain();
        // written by hand (JSON, which the scores topic also takes): no key, and no source inside to key its state with
        var raw = driver.createInputTopic(TOPICS.scores().name(), new org.apache.kafka.common.serialization.StringSerializer(),
                new io.frameguard.events.ScoreSerde(io.frameguard.config.ScoresFormat.JSON));
        raw.pipeInput(null, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, null, new FrameRef("frames", 0, 7), 1000, 1005, 50.0,
                BASE, "m1", 0.99, List.of(), null, 1, 100)));
        score("pump-9", 5.0);
        assertThat(anomalies.readValuesToList()).singleElement().satisfies(e -> assertThat(e.source()).isEqualTo("pump-9"));
        // refused with its reason, which streams.DetectorDeadLetters puts on its dead letter
        assertThat(io.frameguard.testing.Refusals.drain()).containsExactly(
                new io.frameguard.testing.Refusals.Refusal(TOPICS.scores().name(), 0, io.frameguard.streams.UnjudgeableScore.WITHOUT_SOURCE));
    }

    @Test
    void aRecordOfSeveralFramesIsJudgedAsTheSameFramesOneRecordEach() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 2, 3));
        final int SWAP = 250;
        // the same stream for two sources: one frame per record, and records of up to 16 frames as the scorer writes them
        List<ScoreRecord> alone = new ArrayList<>();
        List<ScoreRecord> together = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            double score = i % 37 == 5 || i % 37 == 6 || i % 91 == 40 ? 4.0 + i % 3 : ThresholdPolicyTest.validationScore(random);
            String version = i < SWAP ? "m1" : "m2"; // a model swap on the way
            for (var e : java.util.Map.of("alone", alone, "together", together).entrySet()) {
                e.getValue().add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, e.getKey(), new FrameRef("frames", 0, i), 10_000 + 3L * i, 20_000,
                        score, BASE, version, (i % 10) / 10.0, List.of(new ChannelError(2, "temp", score, 0.6)), null, 16, 100, null, null,
                        ThresholdPolicyTest.MEDIAN));
            }
        }
        alone.forEach(s -> scores.pipeInput("alone", ScoreBatch.of(s), s.captureTimestamp()));
        for (int from = 0; from < together.size(); ) {
            int n = 1 + from % 16; // records of 1 to 16 frames, breaking where a model swap is too
            List<ScoreRecord> part = new ArrayList<>(together.subList(from, Math.min(from < SWAP ? SWAP : together.size(), from + n)));
            scores.pipeInput("together", new ScoreBatch(part), part.get(part.size() - 1).captureTimestamp());
            from += part.size();
        }
        List<org.apache.kafka.streams.test.TestRecord<String, AnomalyEvent>> events = anomalies.readRecordsToList();
        List<org.apache.kafka.streams.test.TestRecord<String, AnomalyEvent>> ofAlone = events.stream().filter(e -> e.key().equals("alone")).toList();
        List<org.apache.kafka.streams.test.TestRecord<String, AnomalyEvent>> ofTogether =
                events.stream().filter(e -> e.key().equals("together")).toList();
        assertThat(ofAlone).hasSizeGreaterThan(10);
        assertThat(ofTogether).hasSameSizeAs(ofAlone);
        for (int i = 0; i < ofAlone.size(); i++) {
            assertThat(ofTogether.get(i).value()).usingRecursiveComparison().ignoringFields("source", "detectedTimestamp", "incident.firstSeen")
                    .isEqualTo(ofAlone.get(i).value());
            // each event is timestamped with its frame, not with the record that carried it
            assertThat(ofTogether.get(i).timestamp()).isEqualTo(ofTogether.get(i).value().captureTimestamp());
        }
        assertThat(threshold("together")).isEqualTo(threshold("alone"));
        KeyValueStore<String, io.frameguard.drift.DriftState> drift = driver.getKeyValueStore(TopologyProducer.DRIFT_STORE);
        assertThat(drift.get("together")).usingRecursiveComparison().withEqualsForType(Double::equals, Double.class) // NaN: no window yet
                .isEqualTo(drift.get("alone"));
    }

    @Test
    void eachSourcesMinutesGoToTheHistoryWithTheirScoresThresholdAndAnomalies() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        TestOutputTopic<String, SourceMinute> history = detector.output(TOPICS.history());
        java.time.Instant t0 = DetectorDriver.START; // the detector's clock: the start of a minute
        score("pump-1", 0.4);
        score("pump-1", 0.6);
        score("pump-1", 3.5); // an anomaly (threshold 1.0)
        score("fan-2", 0.2);
        // within the minute: its running totals, every 10 s
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(DetectorProcessor.HISTORY_EVERY_SECONDS));
        java.util.Map<String, SourceMinute> latest = new java.util.HashMap<>();
        history.readKeyValuesToList().forEach(kv -> latest.put(kv.key, kv.value));
        SourceMinute pump = latest.get("pump-1");
        assertThat(pump.minute()).isEqualTo(t0.toEpochMilli());
        assertThat(pump.frames()).isEqualTo(3);
        assertThat(pump.maxScore()).isEqualTo(3.5);
        assertThat(pump.meanScore()).isCloseTo((0.4 + 0.6 + 3.5) / 3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(pump.threshold()).isEqualTo(BASE);
        assertThat(pump.anomalies()).isEqualTo(1);
        assertThat(pump.modelVersion()).isEqualTo("m1");
        assertThat(latest.get("fan-2").frames()).isEqualTo(1);

        // the next minute: the one before is written once more, whole, and a new one begins
        score("pump-1", 0.5);
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(60));
        score("pump-1", 0.7);
        List<SourceMinute> after = history.readValuesToList().stream().filter(m -> m.source().equals("pump-1")).toList();
        assertThat(after.get(after.size() - 1).minute()).isEqualTo(t0.toEpochMilli());
        assertThat(after.get(after.size() - 1).frames()).isEqualTo(4);
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(DetectorProcessor.HISTORY_EVERY_SECONDS));
        List<SourceMinute> next = history.readValuesToList().stream().filter(m -> m.source().equals("pump-1")).toList();
        assertThat(next).extracting(SourceMinute::minute).containsOnly(t0.toEpochMilli() + SourceMinute.MINUTE_MS);
        assertThat(next.get(next.size() - 1).frames()).isEqualTo(1);
        // fan-2's minute ended with nothing more: written a last time, then no more
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(60));
        history.readValuesToList();
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(DetectorProcessor.HISTORY_EVERY_SECONDS));
        assertThat(history.readValuesToList()).isEmpty();
    }

    @Test
    void anomalyEventCarriesFrameScoreThresholdAndExplanation() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        score("pump-1", 0.4);
        score("pump-1", 3.5);
        List<AnomalyEvent> events = anomalies.readValuesToList();
        assertThat(events).hasSize(1);
        AnomalyEvent e = events.get(0);
        assertThat(e.schemaVersion()).isEqualTo(AnomalyEvent.SCHEMA_VERSION);
        assertThat(e.source()).isEqualTo("pump-1");
        assertThat(e.frame()).isEqualTo(new FrameRef("frames", 0, 1));
        assertThat(e.eventId()).isEqualTo("frames/0/1");
        assertThat(e.score()).isEqualTo(3.5);
        assertThat(e.threshold()).isEqualTo(BASE);
        assertThat(e.modelVersion()).isEqualTo("m1");
        assertThat(e.severity()).isEqualTo("major");
        assertThat(e.captureTimestamp()).isEqualTo(1001);
        assertThat(e.explanation().topChannels()).extracting(ChannelError::name).containsExactly("temp");
        assertThat(registry.get("frameguard.anomalies").tag("source", "pump-1").counters().stream()
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum()).isEqualTo(1);
    }

    @Test
    void anomaliesOfOneIncidentAreOneMemoryEntryWithTheirCountAndTheLatestPicture() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        TestOutputTopic<String, MemoryEntry> memory = detector.output(TOPICS.memory());
        float[] bearing = {1, 0.1f, 0, 0};
        float[] belt = {0, 0, 1, 0.2f};
        anomaly("pump-1", bearing, (byte) 10);
        anomaly("pump-1", new float[] {1, 0.12f, 0, 0}, (byte) 20); // alike: the same incident
        anomaly("pump-2", bearing, (byte) 30); // another source: an incident of its own
        anomaly("pump-1", belt, (byte) 40); // unlike: a new incident
        anomaly("pump-1", belt, (byte) 50);

        List<AnomalyEvent> events = anomalies.readValuesToList();
        assertThat(events).extracting(e -> e.incident().id())
                .containsExactly("frames/0/0", "frames/0/0", "frames/0/2", "frames/0/3", "frames/0/3");
        assertThat(events).extracting(e -> e.incident().count()).containsExactly(1, 2, 1, 1, 2);
        var records = memory.readKeyValuesToList();
        assertThat(records).extracting(kv -> kv.key)
                .containsExactly("frames/0/0", "frames/0/0", "frames/0/2", "frames/0/3", "frames/0/3");
        MemoryEntry bearingIncident = records.get(1).value;
        assertThat(bearingIncident.incident()).isEqualTo(new Incident("frames/0/0", 2, events.get(0).detectedTimestamp()));
        assertThat(bearingIncident.members()).containsExactly("frames/0/0", "frames/0/1");
        assertThat(bearingIncident.event().eventId()).isEqualTo("frames/0/1");
        assertThat(bearingIncident.lastSeen()).isEqualTo(events.get(1).detectedTimestamp());
        assertThat(bearingIncident.picture().errors()[0]).as("the latest event's picture").isEqualTo((byte) 20);
        assertThat(bearingIncident.event().signature().values()).containsExactly(1, 0.12f, 0, 0);
    }

    @Test
    void withoutSignaturesAFaultOnOneChannelIsOneIncidentInTheMemory() throws Exception {
        // a model without signatures (one-step frames of more than 64 values): what the events are like is their top channels
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        TestOutputTopic<String, MemoryEntry> memory = detector.output(TOPICS.memory());
        for (int i = 0; i < 50; i++) {
            unsigned("pump-1", new ChannelError(700, "ch700", 9, 0.8 + i % 5 * 0.02), new ChannelError(i % 7, "ch" + i % 7, 0.2, 0.02));
        }
        for (int i = 0; i < 64; i++) { // the fault episode ends
            withMedian("pump-1", 0.5 * BASE);
        }
        unsigned("pump-1", new ChannelError(3, "ch3", 9, 0.9)); // another channel: another fault
        List<AnomalyEvent> events = anomalies.readValuesToList();
        assertThat(events).hasSize(51);
        assertThat(events.subList(0, 50)).extracting(e -> e.incident().id()).containsOnly("frames/0/0");
        assertThat(events.get(49).incident().count()).isEqualTo(50);
        assertThat(events.get(50).incident()).isEqualTo(new Incident("frames/0/114", 1, events.get(50).detectedTimestamp()));
        assertThat(events).allSatisfy(e -> assertThat(e.signature()).as("no signature made up").isNull());
        assertThat(memory.readKeyValuesToMap()).as("the memory's incidents").containsOnlyKeys("frames/0/0", "frames/0/114");
    }

    @Test
    void aFaultEpisodeIsOneIncidentHoweverItsTopChannelsVary() throws Exception {
        // every frame anomalous, its top channel another each time: alike to nothing before it, one fault all the same
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        for (int i = 0; i < 40; i++) {
            unsigned("pump-1", new ChannelError(i % 5, "ch" + i % 5, 9, 0.9));
        }
        List<AnomalyEvent> events = anomalies.readValuesToList();
        assertThat(events).hasSize(40);
        // the first anomalies come before the episode shows (a quarter of the last 16 frames): incidents of their own
        assertThat(events.subList(3, 40)).extracting(e -> e.incident().id()).containsOnly("frames/0/2");
        // sixteen normal frames end the episode: an unalike anomaly soon after is another fault
        for (int i = 0; i < 16; i++) {
            withMedian("pump-1", 0.5 * BASE);
        }
        unsigned("pump-1", new ChannelError(9, "ch9", 9, 0.9));
        assertThat(anomalies.readValuesToList()).singleElement().satisfies(e -> assertThat(e.incident().id()).isEqualTo("frames/0/56"));
    }

    @Test
    void aFaultWhoseAnomaliesAreSignedOnlySomeOfTheTimeIsOneIncidentInTheMemory() throws Exception {
        // the scorer signs candidates only: a source whose threshold sits below the candidate rank has anomalies of one
        // fault with and without a signature
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        TestOutputTopic<String, MemoryEntry> memory = detector.output(TOPICS.memory());
        ChannelError ch700 = new ChannelError(700, "ch700", 9, 0.8);
        for (int i = 0; i < 30; i++) {
            if (i % 3 == 2) {
                unsigned("pump-1", ch700, new ChannelError(i % 7, "ch" + i % 7, 0.2, 0.02));
            } else {
                signed("pump-1", new float[] {1, 0.02f * (i % 4), 0}, ch700);
            }
        }
        List<AnomalyEvent> events = anomalies.readValuesToList();
        assertThat(events).hasSize(30);
        assertThat(events).extracting(e -> e.incident().id()).containsOnly("frames/0/0");
        assertThat(events.get(29).incident().count()).isEqualTo(30);
        assertThat(memory.readKeyValuesToMap()).containsOnlyKeys("frames/0/0");
    }

    @Test
    void anIncidentsEntriesOfOneScoreRecordAreWrittenOnceItsLatest() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        TestOutputTopic<String, MemoryEntry> memory = detector.output(TOPICS.memory());
        // one score record (a source's frames of one scorer batch): four anomalies of a fault on ch7, normal frames that
        // end its episode (0: a normal frame), then two anomalies on ch3
        int[] channels = new int[4 + 64 + 2];
        java.util.Arrays.fill(channels, 0, 4, 7);
        java.util.Arrays.fill(channels, 68, 70, 3);
        List<ScoreRecord> batch = new ArrayList<>();
        for (int channel : channels) {
            long o = offset++;
            Picture picture = new Picture(1, 1, 1, 1f, new byte[] {(byte) o}, 0f, 1f, new byte[] {0}); // the frame's own
            batch.add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-1", new FrameRef("frames", 0, o), 1000 + o, 1005,
                    channel == 0 ? 0.5 * BASE : 5 * BASE, BASE, "m1", null,
                    channel == 0 ? List.of() : List.of(new ChannelError(channel, "ch" + channel, 9, 0.9)), null, 6, 100, null,
                    channel == 0 ? null : picture));
        }
        scores.pipeInput("pump-1", new ScoreBatch(batch));
        assertThat(anomalies.readValuesToList()).as("every event").extracting(e -> e.incident().id())
                .containsExactly("frames/0/0", "frames/0/0", "frames/0/0", "frames/0/0", "frames/0/68", "frames/0/68");
        var entries = memory.readRecordsToList();
        assertThat(entries).as("each incident once, as the record left it, in order").extracting(r -> r.key())
                .containsExactly("frames/0/0", "frames/0/68");
        assertThat(entries.get(0).value().incident().count()).isEqualTo(4);
        assertThat(entries.get(0).value().event().eventId()).isEqualTo("frames/0/3");
        assertThat(entries.get(0).value().members()).containsExactly("frames/0/0", "frames/0/1", "frames/0/2", "frames/0/3");
        assertThat(entries.get(1).value().incident().count()).isEqualTo(2);
        assertThat(entries.get(1).value().event().eventId()).isEqualTo("frames/0/69");
        assertThat(entries).as("each with its latest event's picture, timestamped when that event was detected")
                .allSatisfy(r -> {
                    assertThat(r.value().picture().errors()[0]).isEqualTo((byte) r.value().event().frame().offset());
                    assertThat(r.timestamp()).isEqualTo(r.value().event().detectedTimestamp()).isEqualTo(r.value().lastSeen());
                });

        unsigned("pump-1", new ChannelError(3, "ch3", 9, 0.9)); // the next record: the open incident grown by one
        assertThat(memory.readValuesToList()).singleElement().satisfies(e -> assertThat(e.incident().count()).isEqualTo(3));
    }

    @Test
    void aMemoryThatFailsLeavesTheEventWithoutRecollectionsButDetectionGoesOn() throws Exception {
        registry = new SimpleMeterRegistry();
        detector = new DetectorDriver(stateDir, new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1), e -> {
            throw new IllegalStateException("broken memory");
        }, new FrameguardMetrics(registry, 2));
        driver = detector.driver();
        scores = detector.input(TOPICS.scores());
        anomalies = detector.output(TOPICS.anomalies());
        anomaly("pump-1", new float[] {1, 0, 0, 0}, (byte) 1);
        anomaly("pump-1", new float[] {0, 1, 0, 0}, (byte) 1);
        assertThat(anomalies.readValuesToList()).hasSize(2).allSatisfy(e -> assertThat(e.similar()).isEmpty());
    }

    /** A score far above the threshold with its top channels, without a signature or a picture. */
    private void unsigned(String source, ChannelError... top) {
        long o = offset++;
        scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o,
                1005 + o, 5 * BASE, BASE, "m1", null, List.of(top), null, 1, 100)));
    }

    /** A score far above the threshold, with a signature and its top channels. */
    private void signed(String source, float[] signature, ChannelError... top) {
        long o = offset++;
        scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o,
                1005 + o, 5 * BASE, BASE, "m1", null, List.of(top), null, 1, 100, new Signature("test-3", signature), null)));
    }

    /** A score far above the threshold, with a signature and a picture. */
    private void anomaly(String source, float[] signature, byte errorByte) {
        long o = offset++;
        Picture picture = new Picture(1, 1, 1, 1f, new byte[] {errorByte}, 0f, 1f, new byte[] {0});
        scores.pipeInput(source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, new FrameRef("frames", 0, o), 1000 + o,
                1005 + o, 5 * BASE, BASE, "m1", null, List.of(), null, 1, 100, new Signature("test-4", signature), picture)));
    }

    @Test
    void aScoreThatIsNotANumberNeitherAlarmsNorMovesTheThreshold() throws Exception {
        start(new ThresholdPolicy(0.05, 0.5, 2.0, 1, 1));
        for (int i = 0; i < 200; i++) {
            normal("a", 1.5);
        }
        double before = threshold("a");
        assertThat(before).isGreaterThan(1.2 * BASE);
        anomalies.readValuesToList();
        score("a", Double.NaN);
        score("a", Double.POSITIVE_INFINITY);
        assertThat(threshold("a")).isEqualTo(before);
        assertThat(anomalies.isEmpty()).isTrue();
    }

    @Test
    void theThresholdFollowsTheSourcesNormalLevelButNotItsFaults() throws Exception {
        // the rule itself, over long streams: ThresholdPolicyTest; here, that scores bring what it needs through the topology
        start(ThresholdPolicy.defaults());
        for (int i = 0; i < 1000; i++) {
            normal("loud", 1.5);
            normal("quiet", 0.1);
        }
        assertThat(threshold("loud")).isCloseTo(1.5 * BASE, within(0.15 * BASE));
        assertThat(threshold("quiet")).isEqualTo(0.5 * BASE);
        anomalies.readValuesToList();
        int faults = 0;
        for (int i = 0; i < 600; i++) {
            if (i % 3 == 0) {
                withMedian("loud", 2.5 * BASE);
                faults++;
            } else {
                normal("loud", 1.5);
            }
        }
        assertThat(threshold("loud")).as("with a third of the frames faulty").isCloseTo(1.5 * BASE, within(0.15 * BASE));
        assertThat(anomalies.readValuesToList().stream().filter(e -> e.score() == 2.5 * BASE).count()).isEqualTo(faults);
    }

    @Test
    void scoresWithoutTheModelsMedianKeepTheCardsThreshold() throws Exception {
        start(new ThresholdPolicy(0.05, 0.5, 2.0, 1, 1));
        for (int i = 0; i < 500; i++) {
            score("c", 0.1);
        }
        assertThat(threshold("c")).isEqualTo(BASE);
    }

    @Test
    void kOfNHysteresisSuppressesIsolatedExceedances() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 3, 5));
        score("c", 3.0); // 1 of 5
        score("c", 0.1);
        score("c", 3.0); // 2 of 5
        assertThat(anomalies.isEmpty()).isTrue();
        score("c", 3.0); // 3 of 5: anomaly
        score("c", 0.1); // below: never an anomaly
        score("c", 3.0); // 4 of 5
        List<AnomalyEvent> events = anomalies.readValuesToList();
        assertThat(events).extracting(e -> e.frame().offset()).containsExactly(3L, 5L);
        assertThat(events.get(0).window()).isEqualTo(new AnomalyEvent.Window(3, 5, 3));
    }

    @Test
    void newModelVersionRebasesThreshold() throws Exception {
        start(new ThresholdPolicy(0.05, 0.5, 2.0, 1, 1));
        for (int i = 0; i < 300; i++) {
            normal("d", 0.1);
        }
        assertThat(threshold("d")).isEqualTo(0.5);
        score("d", 0.1, "m2", 4.0);
        assertThat(threshold("d")).isBetween(3.9, 4.0);
        assertThat(driver.<String, SourceState>getKeyValueStore(TopologyProducer.THRESHOLD_STORE).get("d").modelVersion()).isEqualTo("m2");
    }

    @Test
    void sourcesAreIndependentAndMetricLabelsBounded() throws Exception {
        start(new ThresholdPolicy(0.0, 0.5, 2.0, 1, 1));
        for (String s : List.of("s1", "s2", "s3", "s4")) {
            score(s, 5.0);
        }
        assertThat(anomalies.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("s1", "s2", "s3", "s4");
        // max-sources = 2: the third and fourth sources share one series.
        assertThat(registry.get("frameguard.anomalies").tag("source", "_other").counter().count()).isEqualTo(2);
        assertThat(registry.find("frameguard.threshold").gauges()).hasSize(3);
    }
}
