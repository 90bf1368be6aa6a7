package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.ChannelError;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelArtifact;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Sensor windows end to end on a real broker with the default window model: a machine that stays broken (a third of
 * its windows faulty, every fault kind, for as long as the stream lasts) keeps alarming as often as the model flags
 * its faults offline, each kind reported with a faulty channel among the top channels; a clean machine whose amplitude
 * drifts up by 20 % alarms at about the card's rate.
 */
@QuarkusTest
@QuarkusTestResource(value = WindowPipelineTestResource.class, restrictToAnnotatedClass = true)
class WindowPipelineIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int STEPS = WindowPipelineTestResource.STEPS;
    private static final int DIM = WindowPipelineTestResource.CHANNELS * STEPS;
    private static final SensorSimulator MACHINE = WindowPipelineTestResource.MACHINE;
    private static final String BROKEN = "press-broken";
    private static final String DRIFTING = "press-drifting";
    private static final int BROKEN_WINDOWS = 1500;
    private static final int DRIFTING_WINDOWS = 3000;
    private static final double FAULTY_SHARE = 0.3;

    @ConfigProperty(name = "quarkus.management.test-port")
    int managementPort;

    /** A window sent: where it landed and, when faulty, what is wrong with it. */
    record Sent(String source, int partition, long offset, float[] values, SensorSimulator.FaultyWindow fault) {}

    @Test
    void brokenMachinesKeepAlarmingAndADriftingCleanOneAlarmsAtTheCardsRate() throws Exception {
        String bootstrap = WindowPipelineTestResource.broker.bootstrapServers();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));

        Random random = new Random(17);
        SensorSimulator.Fault[] kinds = SensorSimulator.Fault.values();
        List<Sent> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = KafkaTestBroker.frameProducer(bootstrap)) {
            List<Future<RecordMetadata>> landed = new ArrayList<>();
            List<Object[]> pending = new ArrayList<>();
            int faults = 0;
            for (int i = 0; i < Math.max(BROKEN_WINDOWS, DRIFTING_WINDOWS); i++) {
                if (i < BROKEN_WINDOWS) {
                    SensorSimulator.FaultyWindow fault = null;
                    float[] w;
                    if (random.nextDouble() < FAULTY_SHARE) {
                        fault = MACHINE.randomFaultyWindow(BROKEN, STEPS, kinds[faults++ % kinds.length], random);
                        w = fault.values();
                    } else {
                        w = MACHINE.window(BROKEN, (long) i * STEPS, STEPS);
                    }
                    landed.add(send(producer, BROKEN, w));
                    pending.add(new Object[] {BROKEN, w, fault});
                }
                if (i < DRIFTING_WINDOWS) {
                    float[] w = MACHINE.withGain(MACHINE.window(DRIFTING, (long) i * STEPS, STEPS), 1 + 0.2 * i / DRIFTING_WINDOWS);
                    landed.add(send(producer, DRIFTING, w));
                    pending.add(new Object[] {DRIFTING, w, null});
                }
            }
            producer.flush();
            for (int i = 0; i < landed.size(); i++) {
                RecordMetadata md = landed.get(i).get(30, TimeUnit.SECONDS);
                Object[] p = pending.get(i);
                sent.add(new Sent((String) p[0], md.partition(), md.offset(), (float[]) p[1], (SensorSimulator.FaultyWindow) p[2]));
            }
        }

        List<AnomalyEvent> events = new ArrayList<>();
        try (TopicReader scores = new TopicReader(bootstrap, "scores"); TopicReader anomalies = new TopicReader(bootstrap, "anomalies")) {
            scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(r).size() >= sent.size(), WAIT);
            // the detector follows the scores: give it time to judge the last ones
            for (ConsumerRecord<String, byte[]> r : anomalies.drain(Duration.ofSeconds(10))) {
                events.add(Topics.defaults().anomalies().deserialize(r.value()));
            }
        }
        Map<String, AnomalyEvent> byFrame = new HashMap<>();
        for (AnomalyEvent e : events) {
            byFrame.put(e.frame().partition() + "/" + e.frame().offset(), e);
        }

        // offline: the same windows through the same model at the card's threshold
        ModelArtifact model = ModelArtifact.open(WindowPipelineTestResource.model);
        double cardThreshold = model.card().threshold().value();
        List<Sent> broken = sent.stream().filter(s -> s.source().equals(BROKEN)).toList();
        double[] offline = scores(model, broken);
        int faulty = 0;
        int flaggedOffline = 0;
        int reported = 0;
        Map<SensorSimulator.Fault, int[]> byKind = new HashMap<>(); // kind -> {windows, reported, named}
        for (int i = 0; i < broken.size(); i++) {
            Sent s = broken.get(i);
            if (s.fault() == null) {
                continue;
            }
            faulty++;
            flaggedOffline += offline[i] > cardThreshold ? 1 : 0;
            AnomalyEvent e = byFrame.get(s.partition() + "/" + s.offset());
            int[] k = byKind.computeIfAbsent(s.fault().fault(), x -> new int[3]);
            k[0]++;
            if (e != null) {
                reported++;
                k[1]++;
                int[] channels = s.fault().channels();
                List<ChannelError> top = e.explanation().topChannels();
                k[2] += top.stream().anyMatch(c -> Arrays.stream(channels).anyMatch(f -> f == c.index())) ? 1 : 0;
            }
        }
        double offlineRecall = (double) flaggedOffline / faulty;
        double streamingRecall = (double) reported / faulty;
        assertThat(offlineRecall).as("offline recall at the card's threshold").isGreaterThan(0.85);
        assertThat(streamingRecall).as("recall through the service with %.0f %% of the windows faulty (offline %.3f)",
                100 * FAULTY_SHARE, offlineRecall).isGreaterThanOrEqualTo(offlineRecall - 0.03);
        for (SensorSimulator.Fault kind : kinds) {
            int[] k = byKind.get(kind);
            assertThat(k[1]).as("%s windows reported of %d", kind, k[0]).isGreaterThanOrEqualTo(k[0] * 7 / 10);
            assertThat(k[2]).as("%s events naming a faulty channel among their top channels, of %d", kind, k[1])
                    .isGreaterThanOrEqualTo(k[1] * 85 / 100);
        }

        long falseAlarms = events.stream().filter(e -> e.source().equals(DRIFTING)).count();
        assertThat(falseAlarms / (double) DRIFTING_WINDOWS).as("false-alarm rate of a clean machine drifting 20 %%")
                .isBetween(0.005, 0.02);
    }

    private static double[] scores(ModelArtifact model, List<Sent> windows) throws Exception {
        float[] values = new float[windows.size() * DIM];
        for (int i = 0; i < windows.size(); i++) {
            System.arraycopy(windows.get(i).values(), 0, values, i * DIM, DIM);
        }
        try (ModelRunner runner = ModelRunner.load(model)) {
            return runner.scores(values, windows.size());
        }
    }

    private static Future<RecordMetadata> send(KafkaProducer<String, byte[]> producer, String key, float[] window) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/x-float32".getBytes(StandardCharsets.UTF_8));
        return producer.send(new ProducerRecord<>("frames", null, key, FrameEncoding.float32(window), headers));
    }
}
