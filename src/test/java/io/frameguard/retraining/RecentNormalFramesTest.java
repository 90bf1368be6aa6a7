package io.frameguard.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.FrameShape;
import io.frameguard.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The retraining data on a real broker: frames of fault episodes and reports confirmed anomalies are left out; a report
 * whose latest verdict is a false alarm is normal training data again; a report outside fault episodes that nobody
 * judged is kept, not to be learnt, for the threshold.
 */
class RecentNormalFramesTest {

    private static final Topics TOPICS = Topics.defaults();
    private static final int FRAMES = 50;
    private static final int DIM = 4;
    private static final int SCORES_PER_RECORD = 8;

    @Test
    void falseAlarmsAreLearntConfirmedAnomaliesLeftOutAndReportsNobodyJudgedKeptForTheThreshold() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(TOPICS.names(), 1);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                List<ScoreRecord> scores = new ArrayList<>();
                for (int i = 0; i < FRAMES; i++) {
                    float[] frame = {i, i, i, i};
                    ProducerRecord<String, byte[]> r = new ProducerRecord<>(TOPICS.frames().name(), 0, 1000L + i, "pump-1",
                            FrameEncoding.json(frame));
                    RecordMetadata md = producer.send(r).get();
                    scores.add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-1", new FrameRef(TOPICS.frames().name(), 0, md.offset()),
                            1000L + i, 2000L, 0.1, 1.0, "m1", 0.5, List.of(), null, 1, 10));
                }
                // as the scorer writes them: several frames of the source in one record
                for (int from = 0; from < FRAMES; from += SCORES_PER_RECORD) {
                    List<ScoreRecord> batch = scores.subList(from, Math.min(FRAMES, from + SCORES_PER_RECORD));
                    producer.send(new ProducerRecord<>(TOPICS.scores().name(), 0, 2000L, "pump-1",
                            TOPICS.scores().serialize(new ScoreBatch(batch)))).get();
                }
                for (long offset : List.of(10L, 20L, 30L)) {
                    producer.send(new ProducerRecord<>(TOPICS.anomalies().name(), 0, 1000L + offset, "pump-1",
                            ("{\"frame\":{\"topic\":\"frames\",\"partition\":0,\"offset\":" + offset + "}}")
                                    .getBytes(StandardCharsets.UTF_8))).get();
                }
                verdict(producer, "frames/0/10", Verdict.FALSE_ALARM);
                verdict(producer, "frames/0/20", Verdict.FALSE_ALARM);
                verdict(producer, "frames/0/20", Verdict.CONFIRMED); // changed their mind: the latest holds
                verdict(producer, "frames/0/30", Verdict.FALSE_ALARM);
                // withdrawn (a deletion on the compacted topic): nobody judged it, as the anomaly memory reads it too
                producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/0/30", null)).get();
            }
            RecentNormalFrames.Sample sample = RecentNormalFrames.read(Map.of("bootstrap.servers", bootstrap), TOPICS,
                    new FrameShape(DIM, null), null, FrameDecoders.standard("application/json", 1 << 20, 1 << 20),
                    10_000, 0.2, 10, Duration.ofSeconds(30));
            assertThat(sample.scored()).isEqualTo(FRAMES);
            assertThat(sample.reported()).isEqualTo(3);
            assertThat(sample.falseAlarms()).isEqualTo(1);
            assertThat(sample.reportedAlone()).isEqualTo(1);
            assertThat(sample.confirmed()).isEqualTo(1);
            assertThat(sample.kept()).isEqualTo(FRAMES - 1);
            // frame 10 (a false alarm) is learnt, frame 30 (nobody judged it) kept but not learnt, frame 20 (confirmed) left out
            assertThat(firstValues(sample)).contains(10f, 30f).doesNotContain(20f);
            assertThat(learnt(sample)).contains(10f).doesNotContain(20f, 30f);
            assertThat(sample.summary()).contains("1 of those marked false alarms").contains("1 reports outside them nobody judged");

            // the newest maxFrames kept, though records hold several: the newest 35 scores hold 34 to keep (frame 20 is a
            // confirmed anomaly), so twice as many are read and the newest 35 kept
            RecentNormalFrames.Sample newest = RecentNormalFrames.read(Map.of("bootstrap.servers", bootstrap), TOPICS,
                    new FrameShape(DIM, null), null, FrameDecoders.standard("application/json", 1 << 20, 1 << 20),
                    35, 0.2, 10, Duration.ofSeconds(30));
            assertThat(newest.scored()).isEqualTo(FRAMES);
            assertThat(newest.kept()).isEqualTo(35);
            assertThat(firstValues(newest)).allMatch(v -> v >= FRAMES - 36).contains(30f).doesNotContain(20f);
        }
    }

    @Test
    void theUnreportedFramesOfALastingFaultAreNotTrainedOn() throws Exception {
        int frames = 300;
        int sources = 4;
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(TOPICS.names(), 3);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                // four sources interleaved; a frame's values say which (pump-1: 0.., pump-2: 1000.., ...). Each source's
                // frames take turns on the frames partitions, all captured at the same time: only the order of their scores
                // (records of several frames, as the scorer writes them) says which came first. pump-2's scores are on
                // scores partition 1, the others' on partition 0.
                Map<String, List<ScoreRecord>> unsent = new java.util.HashMap<>();
                // timestamps of today: the test broker's retention deletes records captured in 1970
                long now = System.currentTimeMillis();
                Map<Integer, String> incidents = new java.util.HashMap<>();
                for (int i = 0; i < frames; i++) {
                    for (int source = 1; source <= sources; source++) {
                        float v = (source - 1) * 1000 + i;
                        String name = "pump-" + source;
                        int partition = (i / SCORES_PER_RECORD) % 3; // a score record's frames share their partition
                        RecordMetadata md = producer.send(new ProducerRecord<>(TOPICS.frames().name(), partition, now, name,
                                FrameEncoding.json(new float[] {v, v, v, v}))).get();
                        String eventId = TOPICS.frames().name() + "/" + partition + "/" + md.offset();
                        ScoreRecord score = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, name, new FrameRef(TOPICS.frames().name(),
                                partition, md.offset()), now, now + 1, 0.1, 1.0, "m1", 0.5, List.of(), null, 1, 10);
                        List<ScoreRecord> batch = unsent.computeIfAbsent(name, x -> new ArrayList<>());
                        batch.add(score);
                        if (batch.size() == SCORES_PER_RECORD || i == frames - 1) {
                            producer.send(new ProducerRecord<>(TOPICS.scores().name(), source == 2 ? 1 : 0, now + 1, name,
                                    TOPICS.scores().serialize(new ScoreBatch(batch)))).get();
                            unsent.remove(name);
                        }
                        // pump-1's fault from frame 100 to 179: three of every four of its frames reported, the fourth
                        // under the threshold; pump-2: two false alarms far apart; pump-3 and pump-4: a change from frame
                        // 100 on, every frame reported, one incident each
                        boolean reported = source == 1 ? i >= 100 && i < 180 && i % 4 != 3 : source == 2 ? i == 50 || i == 150 : i >= 100;
                        if (source >= 3 && i == 100) {
                            incidents.put(source, eventId);
                        }
                        if (reported) {
                            String incident = source >= 3 ? ",\"incident\":{\"id\":\"" + incidents.get(source) + "\",\"count\":1,\"firstSeen\":0}" : "";
                            producer.send(new ProducerRecord<>(TOPICS.anomalies().name(), 0, now + 2, name, ("{\"frame\":{\"topic\":\"frames\","
                                    + "\"partition\":" + partition + ",\"offset\":" + md.offset() + "}" + incident + "}").getBytes(StandardCharsets.UTF_8))).get();
                        }
                        if (source >= 3 && i == 150) {
                            // the verdict given last on any of an incident's events holds for it: pump-3's change is judged
                            // the new normal (confirmed on its first event, then a false alarm on a later one), pump-4's
                            // is not (the other way round; the verdicts topic's order is not the order they were given)
                            boolean newNormal = source == 3;
                            verdict(producer, eventId, newNormal ? Verdict.FALSE_ALARM : Verdict.CONFIRMED, "2026-12-02T02:00:00Z");
                            verdict(producer, incidents.get(source), newNormal ? Verdict.CONFIRMED : Verdict.FALSE_ALARM,
                                    "2026-12-02T01:00:00Z");
                        }
                    }
                }
            }
            RecentNormalFrames.Sample sample = read(bootstrap, 10_000);
            List<Float> kept = firstValues(sample);
            assertThat(sample.reported()).isEqualTo(60 + 2 + 200 + 200);
            assertThat(sample.falseAlarms()).isEqualTo(200);
            // none of the fault's frames, reported or not, and not the frames just before and after it
            assertThat(kept).noneMatch(v -> v >= 90 && v < 200);
            assertThat(sample.reportedAlone()).isEqualTo(2);
            assertThat(sample.confirmed()).as("pump-4's change").isEqualTo(200);
            assertThat(sample.inFaultEpisodes()).isEqualTo(sample.scored() - (sample.reported() - sample.falseAlarms()
                    - sample.reportedAlone()) - sample.kept());
            // the rest of pump-1, and all of pump-2, its two reports kept but not learnt
            assertThat(kept).contains(0f, 49f, 240f, 299f);
            assertThat(kept.stream().filter(v -> v >= 1000 && v < 2000).toList()).hasSize(frames).contains(1050f, 1150f);
            assertThat(learnt(sample)).doesNotContain(1050f, 1150f);
            // all of pump-3, reported or not: its incident is a false alarm; pump-4 up to its change
            assertThat(kept.stream().filter(v -> v >= 2000 && v < 3000).toList()).hasSize(frames);
            assertThat(kept.stream().filter(v -> v >= 3000).toList()).hasSizeLessThan(100).contains(3000f, 3040f).doesNotContain(3100f);
            assertThat(sample.summary()).contains(sample.inFaultEpisodes() + " unreported frames of fault episodes left out");

            // scores partition 0 holds 900 frames, 1 holds 300, 2 none: the frames asked for come from both, not an even
            // share of each (300 asked: 150 of each), and while fewer of them are normal than asked, twice as many are
            // read (600 scored for 300 kept, all 1,200 for 600 kept); at most all there is
            RecentNormalFrames.Sample back = read(bootstrap, 300);
            assertThat(back.scored()).isEqualTo(600);
            assertThat(back.kept()).isEqualTo(300);
            RecentNormalFrames.Sample further = read(bootstrap, 600);
            assertThat(further.scored()).isEqualTo(sources * frames);
            assertThat(further.kept()).isEqualTo(600);
            RecentNormalFrames.Sample all = read(bootstrap, 2400);
            assertThat(all.scored()).isEqualTo(sources * frames);
            assertThat(all.kept()).isEqualTo(sample.kept());
        }
    }

    /**
     * A change that operators judge the new normal is, when they judge it, the newest data: held out whole with the newest
     * frames, the candidate would never learn it and the comparison would show only the champion's alarms on it. Its
     * judged frames are split as the others are: the newest share held out, the older learnt.
     */
    @Test
    void aChangeJudgedTheNewNormalIsLearntThoughItIsTheNewestData() throws Exception {
        int normal = 200;
        int changed = 50;
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(TOPICS.names(), 2);
            long now = System.currentTimeMillis();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                List<ScoreRecord> scores = new ArrayList<>();
                String incident = null;
                for (int i = 0; i < normal + changed; i++) {
                    float[] frame = {i, i, i, i};
                    // the frames take turns on two partitions, a score record's worth each: read back partition by
                    // partition, they come in another order than they were captured
                    int partition = (i / SCORES_PER_RECORD) % 2;
                    RecordMetadata md = producer.send(new ProducerRecord<>(TOPICS.frames().name(), partition, now + i, "pump-1",
                            FrameEncoding.json(frame))).get();
                    scores.add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-1", new FrameRef(TOPICS.frames().name(), partition,
                            md.offset()), now + i, now + normal + changed, 0.1, 1.0, "m1", 0.5, List.of(), null, 1, 10));
                    if (i >= normal) { // the change: every frame reported, one incident
                        String eventId = TOPICS.frames().name() + "/" + partition + "/" + md.offset();
                        incident = incident == null ? eventId : incident;
                        producer.send(new ProducerRecord<>(TOPICS.anomalies().name(), 0, now + i, "pump-1", ("{\"frame\":{\"topic\":"
                                + "\"frames\",\"partition\":" + partition + ",\"offset\":" + md.offset() + "},\"incident\":{\"id\":\"" + incident
                                + "\",\"count\":1,\"firstSeen\":0}}").getBytes(StandardCharsets.UTF_8))).get();
                    }
                }
                for (int from = 0; from < scores.size(); from += SCORES_PER_RECORD) {
                    producer.send(new ProducerRecord<>(TOPICS.scores().name(), 0, now, "pump-1", TOPICS.scores().serialize(
                            new ScoreBatch(scores.subList(from, Math.min(scores.size(), from + SCORES_PER_RECORD)))))).get();
                }
                verdict(producer, incident, Verdict.FALSE_ALARM);
            }
            RecentNormalFrames.Sample sample = read(bootstrap, 10_000);
            assertThat(sample.kept()).isEqualTo(normal + changed);
            assertThat(sample.falseAlarms()).isEqualTo(changed);
            assertThat(sample.holdoutRows()).isEqualTo(50);
            // the change as the detector's rule saw it starts 48 frames before its first report (a quarter of the 64
            // frames from there on were reported): 98 frames judged normal. A fifth of those and a fifth of the others
            // held out, each the newest: 230-249 and 122-151 (50 in all)
            int judged = changed + 48;
            assertThat(firstValues(sample.holdout())).containsExactlyElementsOf(java.util.stream.Stream.concat(
                    java.util.stream.IntStream.range(normal - 48 - 30, normal - 48).boxed(),
                    java.util.stream.IntStream.range(normal + changed - Math.round(judged * 0.2f), normal + changed).boxed()).map(Integer::floatValue).toList());
            assertThat(learnt(sample)).hasSize(normal + changed - 50).contains((float) normal, (float) normal + changed - 21)
                    .doesNotContain((float) normal - 49, (float) normal + changed - 1);
            // the 78 judged frames learnt weigh as much as the 122 others: twice each
            assertThat(java.util.stream.IntStream.range(0, sample.train().rows()).filter(i -> sample.timesLearnt()[i] == 2)
                    .mapToObj(i -> sample.train().values()[i * DIM]).toList())
                    .hasSize(judged - Math.round(judged * 0.2f)).contains((float) normal - 48, (float) normal + changed - 21);
            assertThat(sample.timesLearnt()).containsOnly(1, 2);
        }
    }

    private static RecentNormalFrames.Sample read(String bootstrap, int maxFrames) throws Exception {
        return RecentNormalFrames.read(Map.of("bootstrap.servers", bootstrap), TOPICS, new FrameShape(DIM, null), null,
                FrameDecoders.standard("application/json", 1 << 20, 1 << 20), maxFrames, 0.2, 10, Duration.ofSeconds(30));
    }

    /** The first value of every frame of the sample, trained on or held out. */
    private static List<Float> firstValues(RecentNormalFrames.Sample sample) {
        float[] all = new float[sample.kept() * DIM];
        System.arraycopy(sample.train().values(), 0, all, 0, sample.train().rows() * DIM);
        System.arraycopy(sample.holdout(), 0, all, sample.train().rows() * DIM, sample.holdoutRows() * DIM);
        return firstValues(all);
    }

    /** The first value of every frame the sample gives the trainer to learn. */
    private static List<Float> learnt(RecentNormalFrames.Sample sample) {
        return java.util.stream.IntStream.range(0, sample.train().rows()).filter(i -> !sample.notFitted()[i])
                .mapToObj(i -> sample.train().values()[i * DIM]).toList();
    }

    @Test
    void aChangeJudgedNormalIsItsReportsJudgedFalseAlarmsAndTheFramesOfTheEpisodeTheyMade() {
        boolean[] reported = new boolean[300];
        boolean[] judged = new boolean[300];
        for (int i = 100; i < 150; i++) {
            judged[i] = i % 4 != 3; // three of every four frames of the change reported, and judged false alarms
        }
        reported[250] = true; // a report nobody judged, alone
        boolean[] normal = RecentNormalFrames.judgedNormal(reported, judged);
        // the episode both ways: a quarter of the 64 frames from a frame on, or up to it, reported
        assertThat(java.util.stream.IntStream.range(0, 300).filter(i -> normal[i]).boxed().toList())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(100 - 43, 150 + 43).boxed().toList());
        assertThat(RecentNormalFrames.judgedNormal(reported, new boolean[300])).containsOnly(false);
    }

    @Test
    void framesJudgedNormalAreLearntAsOftenAsTheOthersTogetherUpToALimit() {
        boolean[] judged = {true, true, true, false, false, false, false, false, false, false};
        boolean[] notFitted = new boolean[10];
        notFitted[2] = true; // a judged frame not to be learnt counts for nothing
        notFitted[9] = true;
        assertThat(RecentNormalFrames.timesLearnt(judged, notFitted)).containsExactly(3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
        boolean[] one = new boolean[1000];
        one[500] = true;
        assertThat(RecentNormalFrames.timesLearnt(one, new boolean[1000])[500]).isEqualTo(RecentNormalFrames.MAX_TIMES_LEARNT);
        boolean[] most = new boolean[10];
        Arrays.fill(most, 0, 8, true);
        assertThat(RecentNormalFrames.timesLearnt(most, new boolean[10])).containsOnly(1);
        assertThat(RecentNormalFrames.timesLearnt(new boolean[10], new boolean[10])).containsOnly(1);
    }

    @Test
    void theHeldOutShareIsTakenFromTheNewestJudgedFramesAndTheNewestOthersEach() {
        boolean[] none = new boolean[10];
        assertThat(RecentNormalFrames.heldOut(none, 0.2)).containsExactly(false, false, false, false, false, false, false, false, true, true);
        boolean[] lastFive = {false, false, false, false, false, true, true, true, true, true};
        assertThat(RecentNormalFrames.heldOut(lastFive, 0.2)).containsExactly(false, false, false, false, true, false, false, false, false, true);
        boolean[] all = new boolean[10];
        Arrays.fill(all, true);
        assertThat(RecentNormalFrames.heldOut(all, 0.2)).containsExactly(false, false, false, false, false, false, false, false, true, true);
        assertThat(RecentNormalFrames.heldOut(new boolean[] {true, false}, 0.2)).as("at least one").containsExactly(false, true);
    }

    /**
     * A run reads no more frames than the heap can train on, nor than one array holds: 50,000 frames of a 128x128 colour
     * image's 49,152 values overflowed an int (a negative array size: every run failed), and 50,000 of 4,096 values
     * needed more than the chart's default heap (the trainer died out of memory, uncounted).
     */
    @Test
    void aRunReadsNoMoreFramesThanTheHeapAndAnArrayHold() {
        long gib = 1L << 30;
        assertThat(RecentNormalFrames.framesTheHeapHolds(50_000, 16, 2 * gib)).isEqualTo(50_000);
        assertThat(RecentNormalFrames.framesTheHeapHolds(50_000, 4096, (long) (1.4 * gib))).isEqualTo(22_937);
        assertThat(RecentNormalFrames.framesTheHeapHolds(50_000, 128 * 128 * 3, 1024 * gib)).isEqualTo(43_690);
    }

    @Test
    void aFaultEpisodeIsAQuarterOfSixteenFramesReportedNotAFewFalseAlarms() {
        boolean[] three = new boolean[100];
        three[40] = three[45] = three[50] = true; // three reports among 16 frames: false alarms close together
        assertThat(RecentNormalFrames.inFaultEpisodes(three)).containsOnly(false);
        boolean[] four = three.clone();
        four[55] = true; // a fourth: a quarter of the 16 frames from 40 to 55
        boolean[] episode = RecentNormalFrames.inFaultEpisodes(four);
        assertThat(episode[40]).isTrue();
        assertThat(episode[55]).isTrue();
        assertThat(episode[39]).isFalse();
        assertThat(episode[0]).isFalse();
        assertThat(episode[99]).isFalse();
    }

    private static List<Float> firstValues(float[] rows) {
        return java.util.stream.IntStream.range(0, rows.length / DIM).mapToObj(i -> rows[i * DIM]).toList();
    }

    private static void verdict(KafkaProducer<String, byte[]> producer, String eventId, String verdict) throws Exception {
        verdict(producer, eventId, verdict, "2026-12-02T00:00:00Z");
    }

    private static void verdict(KafkaProducer<String, byte[]> producer, String eventId, String verdict, String givenAt)
            throws Exception {
        producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), eventId, TOPICS.verdicts().serialize(
                new Verdict(Verdict.SCHEMA_VERSION, eventId, verdict, null, null, givenAt, "test", null)))).get();
    }
}
