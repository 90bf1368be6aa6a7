package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.SensorSimulator.Fault;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The whole service against a real broker with a really trained model: normal and faulty sensor frames in
 * (from a Java producer and from kcat), one score per frame, anomaly events for the faults, garbage in the
 * dead-letter topic with its reason, and the counts on the metrics page.
 */
@QuarkusTest
@QuarkusTestResource(value = PipelineTestResource.class, restrictToAnnotatedClass = true)
class PipelineIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final List<String> SOURCES = List.of("pump-1", "pump-2", "press-3", "fan-4");
    private static final int NORMAL_STEPS = 150;

    @ConfigProperty(name = "quarkus.management.test-port")
    int managementPort;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @ConfigProperty(name = "frameguard.detector.floor-factor")
    double floorFactor;

    @ConfigProperty(name = "frameguard.scorer.candidate-rank")
    double candidateRank;

    /** A frame sent and where it landed. */
    record Sent(String source, int partition, long offset, Fault fault) {}

    @Inject
    org.apache.kafka.streams.KafkaStreams streams;

    @Inject
    io.frameguard.serving.ActiveModel activeModel;

    // Optional: every @QuarkusTest class is a bean of the one test application, and other resources start from the registry
    @ConfigProperty(name = "frameguard.model.dir")
    java.util.Optional<String> modelDir;

    @ConfigProperty(name = "frameguard.registry.cache-dir")
    String cacheDir;

    @Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> clientSettings;

    /**
     * Every {@code kafka.*} setting reaches the scorer's clients and the detector's Streams (here a SASL login callback
     * and a backoff, which a fixed list of security keys never passed), and the Kafka ids derive from the install's name.
     */
    @Test
    void kafkaSettingsReachEveryClientAndIdsFollowTheInstall() throws Exception {
        awaitReady();
        java.lang.reflect.Field field = org.apache.kafka.streams.KafkaStreams.class.getDeclaredField("applicationConfigs");
        field.setAccessible(true); // the one place Streams keeps its effective settings
        org.apache.kafka.streams.StreamsConfig streamsConfig = (org.apache.kafka.streams.StreamsConfig) field.get(streams);
        Map<String, Object> detector = streamsConfig.originals();
        // what the detector cannot read or judge goes to the dead-letter topic (streams.DetectorDeadLetters)
        assertThat(detector).containsEntry("processing.exception.handler", io.frameguard.streams.DetectorDeadLetters.class.getName())
                .containsEntry("deserialization.exception.handler", io.frameguard.streams.DetectorDeadLetters.class.getName())
                .containsEntry(io.frameguard.streams.DetectorDeadLetters.TOPIC_CONFIG, "frames.dlq");
        PipelineTestResource.CLIENT_SETTINGS.forEach((key, value) -> {
            assertThat(String.valueOf(detector.get(key))).as("Streams' " + key).isEqualTo(value);
            assertThat(String.valueOf(clientSettings.get(key))).as("the scorer's " + key).isEqualTo(value);
        });
        assertThat(streamsConfig.getString("application.id")).isEqualTo(PipelineTestResource.INSTANCE + "-detector");

        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", PipelineTestResource.broker.bootstrapServers()))) {
            await().atMost(WAIT).untilAsserted(() -> assertThat(admin.listGroups().all().get().stream()
                    .map(g -> g.groupId()).toList())
                    .contains(PipelineTestResource.INSTANCE + "-scorer", PipelineTestResource.INSTANCE + "-detector")
                    .noneMatch(g -> g.startsWith("frameguard-scorer") || g.startsWith("frameguard-detector")));
        }
    }

    @Test
    void framesInScoresAndAnomaliesOut() throws Exception {
        String bootstrap = PipelineTestResource.broker.bootstrapServers();
        SensorSimulator sim = TestModels.simulator();
        awaitReady();

        List<Sent> sent = new ArrayList<>();
        Map<String, String> dlqExpected = new HashMap<>(); // source key -> expected reason
        // a record on the scores topic that is no score record, from an outside client, ahead of every frame's scores: the
        // detector dead-letters it and judges the records behind it
        produceWithKcat(bootstrap, "scores", "forged-score\tnot a score record\n", List.of("-K", "\t"));
        dlqExpected.put("forged-score", io.frameguard.streams.DetectorDeadLetters.SCORE_UNREADABLE);
        // and one that reads but names no source, by key or inside: refused
        byte[] sourceless = new io.frameguard.events.ScoreSerde(io.frameguard.config.ScoresFormat.JSON).serialize("scores",
                io.frameguard.events.ScoreBatch.of(new io.frameguard.events.ScoreRecord(io.frameguard.events.ScoreRecord.SCHEMA_VERSION,
                        null, new io.frameguard.events.FrameRef("frames", 0, 0), 1000, 1005, 50.0, 1.0, "test-42", 0.99, List.of(),
                        null, 1, 100)));
        produceWithKcat(bootstrap, "scores", new String(sourceless, StandardCharsets.UTF_8) + "\n", List.of());
        dlqExpected.put(null, io.frameguard.streams.UnjudgeableScore.WITHOUT_SOURCE);
        try (KafkaProducer<String, byte[]> producer = KafkaTestBroker.frameProducer(bootstrap)) {
            for (int t = 0; t < NORMAL_STEPS; t++) {
                for (int s = 0; s < SOURCES.size(); s++) {
                    String source = SOURCES.get(s);
                    Fault fault = faultAt(s, t);
                    float[] frame = fault == null ? sim.frame(source, t) : sim.faulty(source, t, fault, 3, 100);
                    boolean binary = (t + s) % 3 == 0;
                    RecordMetadata md = send(producer, source, binary ? FrameEncoding.float32(frame) : FrameEncoding.json(frame),
                            binary ? "application/x-float32" : "application/json");
                    sent.add(new Sent(source, md.partition(), md.offset(), fault));
                }
            }
            dlqExpected.put("bad-json", "malformed-payload");
            send(producer, "bad-json", "{\"values\":[1,2,".getBytes(StandardCharsets.UTF_8), "application/json");
            dlqExpected.put("bad-dim", "wrong-dimension");
            send(producer, "bad-dim", FrameEncoding.json(new float[] {1, 2, 3}), "application/json");
            dlqExpected.put("bad-empty", "empty-payload");
            send(producer, "bad-empty", new byte[0], "application/json");
            dlqExpected.put("bad-type", "unsupported-content-type");
            send(producer, "bad-type", FrameEncoding.json(sim.frame("x", 1)), "text/csv");
            float[] nan = sim.frame("x", 2);
            nan[5] = Float.NaN;
            dlqExpected.put("bad-nan", "non-finite-value");
            send(producer, "bad-nan", FrameEncoding.float32(nan), "application/x-float32");
            producer.flush();
        }
        int kcatFrames = produceWithKcat(bootstrap, sim);

        int normalFrames = (int) sent.stream().filter(x -> x.fault() == null).count();
        int expectedScores = sent.size() + kcatFrames;
        try (TopicReader scores = new TopicReader(bootstrap, "scores");
                TopicReader anomalies = new TopicReader(bootstrap, "anomalies");
                TopicReader dlq = new TopicReader(bootstrap, "frames.dlq")) {

            // Every frame scored exactly once.
            scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(scorersOwn(r)).size() >= expectedScores, WAIT);
            List<ConsumerRecord<String, byte[]>> scoreRecords = scorersOwn(scores.drain(Duration.ofSeconds(2)));
            Set<String> scored = new HashSet<>();
            Map<String, Double> validationRanks = new HashMap<>();
            int kcatScored = 0;
            int frameScores = 0;
            int explained = 0;
            for (ConsumerRecord<String, byte[]> r : scoreRecords) {
                io.frameguard.testing.RecordSchemas.assertValid("score", r.value());
                for (JsonNode s : io.frameguard.testing.ScoreJson.frames(r.value())) {
                    frameScores++;
                    assertThat(scored.add(s.at("/frame/partition").asInt() + "/" + s.at("/frame/offset").asLong()))
                            .as("duplicate score for frame %s", s).isTrue();
                    assertThat(s.get("modelVersion").asText()).isEqualTo("test-42");
                    assertThat(s.get("score").asDouble()).isFinite().isGreaterThanOrEqualTo(0);
                    assertThat(s.get("validationRank").asDouble()).isBetween(0.0, 1.0);
                    validationRanks.put(s.at("/frame/partition").asInt() + "/" + s.at("/frame/offset").asLong(),
                            s.get("validationRank").asDouble());
                    // explained (top channels) exactly where the detector's lowest threshold could call it an anomaly
                    boolean explicable = s.get("score").asDouble() >= floorFactor * s.get("modelThreshold").asDouble();
                    assertThat(s.has("topChannels")).as("top channels of %s", s).isEqualTo(explicable);
                    if (explicable) {
                        explained++;
                        assertThat(s.get("topChannels")).hasSize(3);
                    }
                    if (r.key().equals("kcat-sensor")) {
                        kcatScored++;
                    }
                }
            }
            assertThat(frameScores).isEqualTo(expectedScores);
            assertThat(explained).as("frames explained").isBetween(1, expectedScores - 1);
            for (Sent x : sent) {
                assertThat(scored).contains(x.partition() + "/" + x.offset());
            }
            assertThat(kcatScored).isEqualTo(kcatFrames);

            // Garbage in the dead-letter topic, unchanged, with the reason.
            List<ConsumerRecord<String, byte[]>> dead = dlq.readUntil(r -> r.size() >= dlqExpected.size(), WAIT);
            assertThat(dead).hasSize(dlqExpected.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String reason = new String(r.headers().lastHeader("frameguard.error.reason").value(), StandardCharsets.UTF_8);
                assertThat(reason).as("reason for %s", r.key()).isEqualTo(dlqExpected.get(r.key()));
                assertThat(r.headers().lastHeader("frameguard.error.message")).isNotNull();
                assertThat(r.headers().lastHeader("frameguard.source.offset")).isNotNull();
                assertThat(new String(r.headers().lastHeader("frameguard.source.topic").value(), StandardCharsets.UTF_8))
                        .as("where %s was", r.key()).isEqualTo(r.key() == null || r.key().equals("forged-score") ? "scores" : "frames");
            }

            // Every injected spike and level shift is reported; few normal frames are.
            Set<String> faultFrames = new HashSet<>();
            Set<String> normal = new HashSet<>();
            for (Sent x : sent) {
                (x.fault() == null ? normal : faultFrames).add(x.partition() + "/" + x.offset());
            }
            List<ConsumerRecord<String, byte[]>> events = anomalies.readUntil(
                    r -> eventFrames(r).containsAll(strongFaults(sent)), WAIT);
            events = anomalies.drain(Duration.ofSeconds(2));
            events.forEach(r -> io.frameguard.testing.RecordSchemas.assertValid("anomaly", r.value()));
            Set<String> flagged = eventFrames(events);
            assertThat(flagged).containsAll(strongFaults(sent));
            long falseAlarms = flagged.stream().filter(normal::contains).count();
            assertThat(falseAlarms).as("normal frames reported as anomalies").isLessThanOrEqualTo(normalFrames / 20);

            JsonNode e = JSON.readTree(events.get(0).value());
            assertThat(e.get("schemaVersion").asInt()).isEqualTo(1);
            assertThat(e.get("frame").get("topic").asText()).isEqualTo("frames");
            assertThat(e.get("score").asDouble()).isGreaterThan(e.get("threshold").asDouble());
            assertThat(e.get("severity").asText()).isIn("minor", "major", "critical");
            assertThat(e.get("explanation").get("topChannels")).hasSize(3);
            JsonNode spike = events.stream().map(r -> readTree(r.value()))
                    .filter(n -> n.get("score").asDouble() > 5 * n.get("threshold").asDouble()).findFirst().orElseThrow();
            assertThat(spike.get("explanation").get("topChannels").get(0).get("name").asText())
                    .as("the faulty channel explains the anomaly").isEqualTo("ch3");
            // every event of a frame ranking at least candidate-rank among the model's validation scores carries the
            // model's signature of its frame, for the anomaly memory (so every injected fault's); an event of a frame
            // ranking lower (the threshold adapted below the card's) may not
            List<JsonNode> signedEvents = events.stream().map(r -> readTree(r.value()))
                    .filter(n -> validationRanks.get(n.at("/frame/partition").asInt() + "/" + n.at("/frame/offset").asLong())
                            >= candidateRank).toList();
            assertThat(signedEvents).hasSizeGreaterThanOrEqualTo(strongFaults(sent).size()).allSatisfy(n -> {
                JsonNode signature = n.get("signature");
                assertThat(signature).as("signature of %s", n).isNotNull();
                assertThat(signature.get("kind").asText()).isEqualTo("error-map+residual-16");
                assertThat(signature.get("values")).hasSize(32);
            });

            // The metrics page counts what happened.
            String metrics = given().port(managementPort).get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metricValue(metrics, "frameguard_frames_scored_total")).isEqualTo(expectedScores);
            assertThat(metricValue(metrics, "frameguard_frames_dlq_total{reason=\"malformed-payload\"}")).isEqualTo(1);
            assertThat(metricValue(metrics, "frameguard_frames_dlq_total{reason=\"wrong-dimension\"}")).isEqualTo(1);
            assertThat(metricValue(metrics, "frameguard_anomalies_total")).isGreaterThanOrEqualTo(strongFaults(sent).size());
            assertThat(metricValue(metrics, "frameguard_model_info{version=\"test-42\"}")).isEqualTo(1);
            assertThat(metrics).contains("frameguard_inference_seconds_bucket");
            assertThat(metrics).contains("frameguard_threshold{source=\"pump-1\"}");
            assertThat(metrics).contains("kafka_consumer_");
            assertThat(metrics).as("Kafka Streams metrics of the detector").contains("kafka_stream_");
        }
    }

    /**
     * A model directory is served from a private copy verified once copied (as a registry version is), so files changed
     * in the directory after its check never reach TensorFlow.
     */
    @Test
    void aModelDirectoryIsServedFromAPrivateCopyVerifiedOnceCopied() throws Exception {
        awaitReady();
        Path served = activeModel.current().artifact().dir().toAbsolutePath().normalize();
        assertThat(served).isNotEqualTo(Path.of(modelDir.orElseThrow()).toAbsolutePath().normalize())
                .startsWith(Path.of(cacheDir).toAbsolutePath().normalize());
        assertThat(io.frameguard.model.ModelArtifact.checksum(served.resolve(io.frameguard.model.ModelArtifact.SAVED_MODEL_DIR)))
                .isEqualTo(activeModel.current().card().checksum());
    }

    @Test
    void theApiIsClosedWithoutAToken() {
        given().port(httpPort).contentType("application/json").body(Map.of("version", "test-42"))
                .post("/api/models/test/activate").then().statusCode(403)
                .body("error", org.hamcrest.Matchers.containsString("frameguard.api.admin-token"));
        given().port(httpPort).contentType("application/json").body(Map.of())
                .post("/api/models/test/rollback").then().statusCode(403);
        // reading too: the listing, and the heatmaps, which show camera pixels
        given().port(httpPort).get("/api/models").then().statusCode(403)
                .body("error", org.hamcrest.Matchers.containsString("frameguard.api.read-token"));
        given().port(httpPort).get("/api/anomalies/frames/0/1/heatmap.png").then().statusCode(403);
    }

    /** The score records the scorer wrote: all but the forged ones (no key, or the unreadable one's). */
    private static List<ConsumerRecord<String, byte[]>> scorersOwn(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().filter(r -> r.key() != null && !"forged-score".equals(r.key())).toList();
    }

    /** Faults: spikes at two steps and a 5-frame level shift on ch3 of every source; frozen ch3 on pump-2. */
    private static Fault faultAt(int source, int t) {
        if (t == 60 || t == 97) {
            return Fault.SPIKE;
        }
        if (t >= 120 && t < 125) {
            return Fault.LEVEL_SHIFT;
        }
        if (source == 1 && t >= 100 && t < 115) {
            return Fault.FROZEN;
        }
        return null;
    }

    /** The faults large enough that missing one is a bug (a frozen channel may pass unnoticed for a while). */
    private static Set<String> strongFaults(List<Sent> sent) {
        Set<String> s = new HashSet<>();
        for (Sent x : sent) {
            if (x.fault() == Fault.SPIKE || x.fault() == Fault.LEVEL_SHIFT) {
                s.add(x.partition() + "/" + x.offset());
            }
        }
        return s;
    }

    private static Set<String> eventFrames(List<ConsumerRecord<String, byte[]>> events) {
        Set<String> s = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : events) {
            JsonNode f = readTree(r.value()).get("frame");
            s.add(f.get("partition").asInt() + "/" + f.get("offset").asLong());
        }
        return s;
    }

    /** Frames from an outside client: kcat reads key/value lines and sets the content-type header. */
    private static int produceWithKcat(String bootstrap, SensorSimulator sim) throws Exception {
        int n = 30;
        StringBuilder lines = new StringBuilder();
        for (int t = 0; t < n; t++) {
            lines.append("kcat-sensor\t").append(new String(FrameEncoding.json(sim.frame("kcat-sensor", t)), StandardCharsets.UTF_8)).append('\n');
        }
        produceWithKcat(bootstrap, "frames", lines.toString(), List.of("-K", "\t", "-H", "content-type=application/json"));
        return n;
    }

    /** Writes lines to a topic with kcat (with {@code -K}: key, delimiter, value; without: values, no key). */
    private static void produceWithKcat(String bootstrap, String topic, String lines, List<String> options) throws Exception {
        Path input = Files.createTempFile("kcat-" + topic, ".txt");
        Files.writeString(input, lines);
        List<String> command = new ArrayList<>(List.of("kcat", "-P", "-b", bootstrap, "-t", topic));
        command.addAll(options);
        command.addAll(List.of("-l", input.toString()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("kcat finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("kcat exit status, output: %s", out).isZero();
    }

    private void awaitReady() {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
    }


    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String key, byte[] value, String contentType)
            throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
        return producer.send(new ProducerRecord<>("frames", null, key, value, headers)).get(30, TimeUnit.SECONDS);
    }

    private static JsonNode readTree(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sum of the samples of a Prometheus series (by name, or by name and labels). */
    static double metricValue(String page, String series) {
        double sum = 0;
        boolean found = false;
        for (String line : page.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            boolean match = series.contains("{") ? line.startsWith(series.substring(0, series.length() - 1))
                    : line.startsWith(series + " ") || line.startsWith(series + "{");
            if (match) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        assertThat(found).as("series %s on the metrics page", series).isTrue();
        return sum;
    }
}
