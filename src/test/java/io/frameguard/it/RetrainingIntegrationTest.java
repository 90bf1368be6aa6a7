package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.cli.FrameguardCli;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelRegistry;
import io.frameguard.testing.Dashboards;
import io.frameguard.testing.PrometheusServer;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The retraining sidecar ({@code frameguard trainer --once}, as a CronJob runs it) against a real broker and the
 * running service started from the registry: it refuses to train on too little data, refuses a deliberately
 * worse candidate (nothing is published), and publishes and activates a candidate that is no worse, with the
 * comparison on its card, which the service then serves. It never learns frames the detector reported (those outside
 * fault episodes set the threshold with the others). Then,
 * as a sidecar, it retrains when the service reports real drift and when operators judge a lasting change a false
 * alarm (learning it), and a real Prometheus scraping both shows data for every panel of the shipped Grafana dashboards.
 */
@QuarkusTest
@QuarkusTestResource(value = RetrainingTestResource.class, restrictToAnnotatedClass = true)
class RetrainingIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int STEPS = 1000;
    /** How much the drifting machine's swing grows: its frames still mostly under the threshold, which follows them. */
    private static final double DRIFT_GAIN = 1.3;
    private static final List<String> SOURCES = List.of("line-1", "line-2", "line-3");

    @ConfigProperty(name = "quarkus.management.test-port")
    int managementPort;

    @Test
    void refusesLittleDataAndWorseCandidatesAndPublishesABetterOne() throws Exception {
        String bootstrap = RetrainingTestResource.broker.bootstrapServers();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
        try (ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC)) {
            assertThat(registry.read().active().get("test").version()).as("the service started from the registry").isEqualTo("test-42");
            int sent = produceFrames(bootstrap, 0);
            try (TopicReader scores = new TopicReader(bootstrap, "scores")) {
                assertThat(io.frameguard.testing.ScoreJson.frames(scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(r).size() >= sent, WAIT)))
                        .hasSize(sent);
            }
            int reported;
            try (TopicReader anomalies = new TopicReader(bootstrap, "anomalies")) {
                reported = anomalies.drain(Duration.ofSeconds(2)).size();
            }
            assertThat(reported).as("the spikes are reported").isGreaterThanOrEqualTo(SOURCES.size());

            String[] common = {"trainer", "--once", "--bootstrap-servers", bootstrap, "--model", "test",
                    "--metrics-port", "0", "--threads", "1"};

            assertThat(FrameguardCli.run(concat(common, "--min-frames", "100000", "--max-frames", "200000")))
                    .as("too little data").isEqualTo(4);

            // A candidate that cannot learn the machines' structure: one latent unit, barely trained.
            assertThat(FrameguardCli.run(concat(common, "--min-frames", "1000", "--latent", "1", "--hidden", "2",
                    "--epochs", "1", "--learning-rate", "0.00001"))).as("worse candidate").isEqualTo(3);
            assertThat(registry.read().cards().get("test")).as("nothing published").containsOnlyKeys("test-42");

            assertThat(FrameguardCli.run(concat(common, "--min-frames", "1000", "--epochs", "12"))).as("good candidate").isEqualTo(0);
            ModelRegistry.Snapshot now = registry.read();
            String version = now.active().get("test").version();
            assertThat(version).isNotEqualTo("test-42");
            assertThat(now.active().get("test").previous()).containsExactly("test-42");
            ModelCard card = now.cards().get("test").get(version);
            ModelCard.Comparison c = card.comparison();
            assertThat(c.accepted()).isTrue();
            assertThat(c.champion().version()).isEqualTo("test-42");
            // unreported frames among reports close together are left out too, few of these normal frames
            java.util.regex.Matcher episodes = java.util.regex.Pattern.compile("(\\d+) unreported frames of fault episodes left out")
                    .matcher(card.training().dataSummary());
            assertThat(episodes.find()).as(card.training().dataSummary()).isTrue();
            int inEpisodes = Integer.parseInt(episodes.group(1));
            assertThat(inEpisodes).as("normal frames left out as a fault episode's").isLessThan(sent / 50);
            java.util.regex.Matcher reports = java.util.regex.Pattern.compile("(\\d+) reports outside them nobody judged")
                    .matcher(card.training().dataSummary());
            assertThat(reports.find()).as(card.training().dataSummary()).isTrue();
            int alone = Integer.parseInt(reports.group(1));
            assertThat(alone).as("the spikes, reported alone").isPositive().isLessThanOrEqualTo(reported);
            int kept = sent - (reported - alone) - inEpisodes;
            assertThat(c.holdoutFrames()).isEqualTo(Math.round(kept * 0.2));
            assertThat(c.candidate().falseAlarmRate()).isLessThanOrEqualTo(Math.max(0.02, c.champion().falseAlarmRate() + 0.01));
            assertThat(c.candidate().syntheticAuroc()).isGreaterThan(0.6);
            // the reports not held out by the trainer's split are not learnt
            assertThat(card.training().trainFrames() + card.training().validationFrames())
                    .as("learnt only frames not reported").isLessThanOrEqualTo(kept - c.holdoutFrames())
                    .isGreaterThanOrEqualTo(kept - c.holdoutFrames() - alone);
            assertThat(card.training().dataSummary()).contains(reported + " reported as anomalies");

            // the service follows: once it serves the retrained model, new frames are scored by it (frames sent while it
            // was loading the new version may still be scored by the old one)
            await().atMost(WAIT).untilAsserted(() -> assertThat(given().port(managementPort).get("/q/metrics").then()
                    .extract().asString()).contains("frameguard_model_info{version=\"" + version + "\"}"));
            int more = produceFrames(bootstrap, STEPS);
            try (TopicReader scores = new TopicReader(bootstrap, "scores")) {
                List<ConsumerRecord<String, byte[]>> all = scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(r).size() >= sent + more
                        && version.equals(versionOf(r.get(r.size() - 1))), WAIT);
                assertThat(versionOf(all.get(all.size() - 1))).isEqualTo(version);
            }

            sidecarRetrainsOnDriftAndDashboardsShowIt(bootstrap, registry);
        }
    }

    /**
     * As a sidecar next to the service, both scraped by a real Prometheus: one source has a lasting fault (a level shift
     * on a channel), which the service reports as anomalies and not as drift, then drifts (its machine's swing grows by
     * {@value #DRIFT_GAIN}), which the service reports on the drift topic, and the sidecar retrains on it. A garbage frame and
     * a broken model version then exercise the dead-letter and refusal meters, and every panel of the shipped
     * Grafana dashboards must return data from Prometheus.
     */
    private void sidecarRetrainsOnDriftAndDashboardsShowIt(String bootstrap, ModelRegistry registry) throws Exception {
        int port = LocalKafka.freePort();
        String[] sidecarArgs = {"trainer", "--bootstrap-servers", bootstrap, "--model", "test", "--threads", "1",
                "--on-drift", "--on-false-alarm", "--false-alarm-quiet", "2s", "--every", "0", "--min-frames", "1000",
                "--metrics-port", Integer.toString(port)};
        Thread sidecar = new Thread(() -> FrameguardCli.run(sidecarArgs), "trainer-sidecar");
        sidecar.start();
        try (PrometheusServer prometheus = PrometheusServer.start(List.of(
                new PrometheusServer.Job("frameguard", "localhost:" + managementPort, "/q/metrics"),
                new PrometheusServer.Job("frameguard-trainer", "localhost:" + port, "/metrics")));
                TopicReader drift = new TopicReader(bootstrap, "drift")) {
            String url = "http://localhost:" + port + "/metrics";
            await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
                    assertThat(given().get(url).then().statusCode(200).extract().asString()).contains("frameguard_trainer_model_age_seconds"));
            Thread.sleep(1000); // the sidecar reads drift from the end: let it get there

            assertThat(drift.drain(Duration.ofSeconds(1)).stream().filter(RetrainingIntegrationTest::isDrift)
                    .map(r -> new String(r.value(), StandardCharsets.UTF_8)))
                    .as("no drift on new normal frames").isEmpty();
            // a fault lasting two windows' worth of frames, then the machine's swing growing: two windows (the window
            // open before holds other frames)
            SensorSimulator sim = TestModels.simulator();
            int window = RetrainingTestResource.DRIFT_WINDOW;
            produceFrames(bootstrap, List.of("line-1"), 2 * STEPS, 2 * window,
                    (source, t) -> sim.faulty(source, t, SensorSimulator.Fault.LEVEL_SHIFT, 3, 0));
            long faultEnd = System.currentTimeMillis();
            int from = 2 * STEPS + 2 * window;
            produceFrames(bootstrap, List.of("line-1"), from, 2 * window,
                    (source, t) -> sim.withGain(sim.frame(source, t), 1 + (DRIFT_GAIN - 1) * Math.min(1.0, (t - from) / (double) window)));
            List<ConsumerRecord<String, byte[]>> driftRecords = drift.readUntil(r -> r.stream().anyMatch(RetrainingIntegrationTest::isDrift), WAIT);
            driftRecords.forEach(r -> io.frameguard.testing.RecordSchemas.assertValid("drift", r.value()));
            JsonNode event = JSON.readTree(driftRecords.stream().filter(RetrainingIntegrationTest::isDrift).findFirst().orElseThrow().value());
            assertThat(event.get("source").asText()).isEqualTo("line-1");
            assertThat(event.get("windowEndTimestamp").asLong()).as("the first drift is the growing swing's, not the fault's: %s",
                    event).isGreaterThanOrEqualTo(faultEnd);
            assertThat(event.get("psi").asDouble()).isGreaterThan(0.2);
            double[] shares = JSON.treeToValue(event.get("observedShares"), double[].class);
            assertThat(shares[9]).as("scores moved to the top tenth of the validation range: %s", event)
                    .isEqualTo(java.util.Arrays.stream(shares).max().orElseThrow()).isGreaterThan(0.15);

            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                String page = given().get(url).then().statusCode(200).extract().asString();
                assertThat(page).as("a run on the drift event").containsPattern("frameguard_trainer_runs_total\\{result=\"\\w+\",?\\} 1(\\.0)?\\b");
                assertThat(page).containsPattern("frameguard_trainer_model_age_seconds \\d");
            });

            sidecarLearnsAChangeJudgedTheNewNormal(bootstrap, registry, sim, window);

            // a frame that cannot be decoded, and a damaged version activated: both counted, nothing stops
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                raw.send(new ProducerRecord<>("frames", "line-2", "{not json".getBytes(StandardCharsets.UTF_8))).get();
                for (int t = 0; t < 10; t++) { // spikes, so anomalies happen while Prometheus watches
                    if (t == 5) {
                        // a second burst after a few scrapes: rate() needs the counters to grow between two scrapes,
                        // which one burst may not show when it lands before the first scrape of its series
                        Thread.sleep(3000);
                    }
                    RecordHeaders h = new RecordHeaders();
                    h.add("content-type", "application/x-float32".getBytes(StandardCharsets.UTF_8));
                    raw.send(new ProducerRecord<>("frames", null, System.currentTimeMillis(), "line-2", FrameEncoding.float32(
                            sim.faulty("line-2", 3 * STEPS + t, SensorSimulator.Fault.SPIKE, 5, 0)), h)).get();
                }
                // a card record as publishing writes it (test-42's card, as broken-1) for an artifact that is damaged
                com.fasterxml.jackson.databind.node.ObjectNode card = JSON.valueToTree(registry.read().cards().get("test").get("test-42"));
                card.put("version", "broken-1");
                raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "card/test/broken-1", JSON.writeValueAsBytes(card))).get();
                raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "artifact/test/broken-1",
                        "PK\u0003\u0004 truncated".getBytes(StandardCharsets.ISO_8859_1))).get();
            }
            // activated by a writer of the topic that bypasses the registry's checks (it refuses the damaged version)
            io.frameguard.testing.RegistryWrites.activate(bootstrap, "test", "broken-1",
                    List.of(registry.read().active().get("test").version()));

            List<Dashboards.PanelQuery> queries = Dashboards.queries();
            assertThat(queries).hasSizeGreaterThan(15);
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                assertThat(prometheus.targetHealth()).containsEntry("frameguard", "up").containsEntry("frameguard-trainer", "up");
                for (Dashboards.PanelQuery q : queries) {
                    JsonNode result = prometheus.query(q.expr());
                    boolean finite = false;
                    for (JsonNode sample : result) {
                        String v = sample.at("/value/1").asText();
                        finite |= !v.equals("NaN") && !v.contains("Inf");
                    }
                    assertThat(finite).as("%s / %s: %s returns data (got %s)", q.dashboard(), q.panel(), q.expr(), result).isTrue();
                }
            });
        } finally {
            sidecar.interrupt();
            sidecar.join(30_000);
        }
    }

    /**
     * A change that operators judge the new normal: line-3's level shifts for good and is reported; once its incident is
     * judged a false alarm (as an operator does, {@code frameguard verdict}), the sidecar retrains by itself and the
     * candidate learns the change's frames.
     */
    private void sidecarLearnsAChangeJudgedTheNewNormal(String bootstrap, ModelRegistry registry, SensorSimulator sim,
            int window) throws Exception {
        long changeStart = System.currentTimeMillis();
        int from = 2 * STEPS;
        produceFrames(bootstrap, List.of("line-3"), from, window,
                (source, t) -> sim.faulty(source, t, SensorSimulator.Fault.LEVEL_SHIFT, 5, from));
        JsonNode first;
        double reportedBefore;
        try (TopicReader anomalies = new TopicReader(bootstrap, "anomalies")) {
            java.util.function.Predicate<ConsumerRecord<String, byte[]>> ofTheChange = r -> "line-3".equals(readTree(r.value()).path("source").asText())
                    && readTree(r.value()).path("captureTimestamp").asLong() >= changeStart;
            anomalies.readUntil(r -> r.stream().filter(ofTheChange).count() >= window / 2, WAIT);
            List<ConsumerRecord<String, byte[]>> events = anomalies.drain(Duration.ofSeconds(3));
            reportedBefore = events.stream().filter(ofTheChange).count() / (double) window;
            assertThat(reportedBefore).as("the change is reported").isGreaterThanOrEqualTo(0.5);
            first = readTree(events.stream().filter(ofTheChange).findFirst().orElseThrow().value());
        }
        String incident = first.at("/incident/id").asText(first.get("eventId").asText());
        assertThat(FrameguardCli.run("verdict", incident, "--verdict", "false-alarm", "--bootstrap-servers", bootstrap)).isZero();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(registry.read().active().get("test").reason()).as("activated by a run on the verdict")
                        .contains("1 false-alarm verdict on " + incident));
        ModelRegistry.Snapshot now = registry.read();
        ModelCard card = now.cards().get("test").get(now.active().get("test").version());
        java.util.regex.Matcher judged = java.util.regex.Pattern.compile("(\\d+) of those marked false alarms")
                .matcher(card.training().dataSummary());
        assertThat(judged.find()).as(card.training().dataSummary()).isTrue();
        assertThat(Integer.parseInt(judged.group(1))).as("the change's reports, judged normal").isGreaterThanOrEqualTo(window / 2);

        // once the service serves it, the change goes on and is reported far less
        String version = now.active().get("test").version();
        await().atMost(WAIT).untilAsserted(() -> assertThat(given().port(managementPort).get("/q/metrics").then()
                .extract().asString()).contains("frameguard_model_info{version=\"" + version + "\"}"));
        long learntAt = System.currentTimeMillis();
        int more = 400;
        produceFrames(bootstrap, List.of("line-3"), from + window, more,
                (source, t) -> sim.faulty(source, t, SensorSimulator.Fault.LEVEL_SHIFT, 5, from));
        java.util.function.Predicate<JsonNode> later = f -> "line-3".equals(f.path("source").asText())
                && f.path("captureTimestamp").asLong() >= learntAt;
        try (TopicReader scores = new TopicReader(bootstrap, "scores")) {
            List<JsonNode> scored = io.frameguard.testing.ScoreJson.frames(scores.readUntil(r -> io.frameguard.testing.ScoreJson
                    .frames(r).stream().filter(later).count() >= more, WAIT)).stream().filter(later).toList();
            assertThat(scored).hasSize(more).allMatch(f -> version.equals(f.path("modelVersion").asText()));
        }
        try (TopicReader anomalies = new TopicReader(bootstrap, "anomalies")) {
            long reportedAfter = anomalies.drain(Duration.ofSeconds(3)).stream().map(r -> readTree(r.value()))
                    .filter(later).count();
            assertThat(reportedAfter / (double) more).as("share of the change reported, learnt (before: %.3f)", reportedBefore)
                    .isLessThan(reportedBefore / 2);
        }
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isDrift(ConsumerRecord<String, byte[]> r) {
        return new String(r.value(), StandardCharsets.UTF_8).contains("\"status\":\"drift\"");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String versionOf(ConsumerRecord<String, byte[]> r) {
        return io.frameguard.testing.ScoreJson.last(r.value()).get("modelVersion").asText();
    }

    /** {@value #STEPS} steps of each source, with a spike on every source at one step; returns frames sent. */
    private static int produceFrames(String bootstrap, int from) throws Exception {
        SensorSimulator sim = TestModels.simulator();
        return produceFrames(bootstrap, SOURCES, from, STEPS, (source, t) -> t == from + STEPS / 2
                ? sim.faulty(source, t, SensorSimulator.Fault.SPIKE, 3, t) : sim.frame(source, t));
    }

    /**
     * Steps {@code from} to {@code from + steps} of each source (new frames each time: a model is never shown the
     * frames it trained on), each step's frame {@code frameAt(source, step)}.
     */
    private static int produceFrames(String bootstrap, List<String> sources, int from, int steps,
            java.util.function.BiFunction<String, Integer, float[]> frameAt) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        int n = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int t = from; t < from + steps; t++) {
                for (String source : sources) {
                    float[] frame = frameAt.apply(source, t);
                    RecordHeaders h = new RecordHeaders();
                    h.add("content-type", "application/x-float32".getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>("frames", null, System.currentTimeMillis(), source,
                            FrameEncoding.float32(frame), h));
                    n++;
                }
            }
            producer.flush();
        }
        return n;
    }
}
