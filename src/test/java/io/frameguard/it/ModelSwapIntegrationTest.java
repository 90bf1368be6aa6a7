package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelRegistry;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Hot swap under continuous load on a real broker: five versions activated in a row through the Kafka registry
 * (the last through the management API), one rollback (through the API), a corrupted and a wrong-shaped version
 * refused while traffic continues. Every frame gets exactly one score, offsets have no gap, along each partition
 * the serving version changes only in activation order, and the detector judges each frame against the
 * calibration of the model that scored it. The API refuses calls without the right token.
 */
@QuarkusTest
@QuarkusTestResource(value = ModelSwapTestResource.class, restrictToAnnotatedClass = true)
class ModelSwapIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @ConfigProperty(name = "quarkus.management.test-port")
    int managementPort;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @Test
    void versionsSwapBetweenBatchesWithoutLosingOrDuplicatingFrames() throws Exception {
        String bootstrap = ModelSwapTestResource.broker.bootstrapServers();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
        Path work = Files.createTempDirectory("swap-models");
        List<String> versions = new ArrayList<>();
        try (ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC)) {
            // the scorer only reads the registry and has been waiting for its topic: the publisher creates it
            registry.ensureTopic(java.util.Optional.of((short) 1));
            for (int seed = 1; seed <= 5; seed++) {
                ModelArtifact a = TestModels.trainSensorModel(work.resolve("v" + seed), 2000, 2, seed);
                registry.publish(a);
                versions.add(a.card().version());
            }
            // a version whose artifact is damaged, and one that reads frames of another size
            try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                byte[] card = Files.readAllBytes(work.resolve("v1").resolve(ModelArtifact.CARD_FILE));
                raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "card/test/broken-1",
                        new String(card, StandardCharsets.UTF_8).replace("\"test-1\"", "\"broken-1\"").getBytes(StandardCharsets.UTF_8))).get();
                raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "artifact/test/broken-1",
                        "PK\u0003\u0004 truncated".getBytes(StandardCharsets.ISO_8859_1))).get();
            }
            ModelArtifact narrow = trainNarrowModel(work.resolve("narrow"));
            registry.publish(narrow);

            SensorSimulator sim = TestModels.simulator();
            ConcurrentLinkedQueue<RecordMetadata> sent = new ConcurrentLinkedQueue<>();
            AtomicBoolean producing = new AtomicBoolean(true);
            Thread load = new Thread(() -> produce(bootstrap, sim, sent, producing), "swap-test-load");
            load.start();

            managementApiRefusesStrangers();
            List<String> order = new ArrayList<>(List.of("test-42"));
            try (TopicReader scores = new TopicReader(bootstrap, "scores")) {
                for (String v : versions.subList(0, 4)) {
                    registry.activate("test", v, "test");
                    order.add(v);
                    awaitServing(scores, v);
                }
                api().body(Map.of("version", versions.get(4), "reason", "fifth")).post("/api/models/test/activate")
                        .then().statusCode(200);
                order.add(versions.get(4));
                awaitServing(scores, versions.get(4));
                JsonNode listing = JSON.readTree(api().get("/api/models").then().statusCode(200).extract().asString());
                assertThat(listing.at("/serving").asText()).isEqualTo(versions.get(4));
                assertThat(listing.at("/models/0/active/version").asText()).isEqualTo(versions.get(4));
                assertThat(listing.at("/models/0/versions")).hasSize(7); // five, the broken one, the narrow one

                String back = JSON.readTree(api().body(Map.of("reason", "the fifth version is worse"))
                        .post("/api/models/test/rollback").then().statusCode(200).extract().asString()).get("version").asText();
                assertThat(back).isEqualTo(versions.get(3));
                order.add(versions.get(3));
                awaitServing(scores, versions.get(3));
                // the registry refuses to activate the damaged version (the API answers why); a writer of the topic
                // that bypasses it still reaches the scorers, which refuse it and keep serving
                api().body(Map.of("version", "broken-1")).post("/api/models/test/activate").then().statusCode(409)
                        .body("error", org.hamcrest.Matchers.containsString("broken-1 does not verify"));
                io.frameguard.testing.RegistryWrites.activate(bootstrap, "test", "broken-1", List.of(versions.get(3)));
                registry.activate("test", narrow.card().version(), "a model for other frames");
                await().atMost(WAIT).untilAsserted(() -> assertThat(metric("frameguard_model_refused_total")).isEqualTo(2));
                // of the versions unpacked into the cache, only the one serving is left: retired and refused ones are deleted
                Path cache = Path.of(org.eclipse.microprofile.config.ConfigProvider.getConfig()
                        .getValue("frameguard.registry.cache-dir", String.class));
                await().atMost(WAIT).untilAsserted(() -> {
                    try (var dirs = Files.list(cache)) {
                        assertThat(dirs.map(d -> d.getFileName().toString()).toList())
                                .singleElement().asString().startsWith(versions.get(3) + "-");
                    }
                });
                Thread.sleep(1000); // traffic goes on, still scored by the rolled-back version
                producing.set(false);
                load.join(10_000);

                int expected = sent.size();
                scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(r).size() >= expected, WAIT);
                List<JsonNode> all = io.frameguard.testing.ScoreJson.frames(scores.drain(Duration.ofSeconds(2)));
                Map<Integer, TreeMap<Long, String>> byPartition = new HashMap<>();
                for (JsonNode s : all) {
                    String previous = byPartition.computeIfAbsent(s.at("/frame/partition").asInt(), p -> new TreeMap<>())
                            .put(s.at("/frame/offset").asLong(), s.get("modelVersion").asText());
                    assertThat(previous).as("second score for %s", s).isNull();
                }
                assertThat(all).hasSize(expected);
                for (RecordMetadata md : sent) {
                    assertThat(byPartition.get(md.partition())).containsKey(md.offset());
                }
                detectorJudgedEachFrameByItsModelsCalibration(bootstrap, order);
                for (TreeMap<Long, String> scored : byPartition.values()) {
                    assertThat(scored.lastKey() - scored.firstKey() + 1).as("no gap in offsets").isEqualTo(scored.size());
                    int at = 0;
                    for (String v : scored.values()) {
                        while (!order.get(at).equals(v)) {
                            at++;
                            assertThat(at).as("version %s out of activation order %s", v, order).isLessThan(order.size());
                        }
                    }
                }
            }
        }
    }

    /** Verdicts through the API: the admin token writes them to the compacted verdicts topic, keyed by event id. */
    @Test
    void verdictsAreStoredOnTheVerdictsTopic() throws Exception {
        String bootstrap = ModelSwapTestResource.broker.bootstrapServers();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
        JsonNode stored = JSON.readTree(api().body(Map.of("verdict", "false-alarm", "label", "door open", "note", "maintenance"))
                .post("/api/anomalies/frames/3/1234/verdict").then().statusCode(202) // no such event in the memory: kept
                .header("Frameguard-Note", org.hamcrest.Matchers.containsString("frames/3/1234")).extract().asString());
        assertThat(stored.at("/eventId").asText()).isEqualTo("frames/3/1234");
        assertThat(stored.at("/givenBy").asText()).isEqualTo("api");
        api().body(Map.of("verdict", "harmless")).post("/api/anomalies/frames/3/1235/verdict").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.containsString("false-alarm"));
        given().port(httpPort).contentType("application/json").header("Authorization", "Bearer " + ModelSwapTestResource.READ_TOKEN)
                .body(Map.of("verdict", "confirmed")).post("/api/anomalies/frames/3/1236/verdict").then().statusCode(403)
                .body("error", org.hamcrest.Matchers.containsString("admin-token"));
        try (TopicReader verdicts = new TopicReader(bootstrap, "verdicts");
                org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                        Map.of("bootstrap.servers", bootstrap))) {
            List<ConsumerRecord<String, byte[]>> all = verdicts.readUntil(rs -> !rs.isEmpty(), WAIT);
            assertThat(all).extracting(ConsumerRecord::key).containsExactly("frames/3/1234");
            assertThat(JSON.readTree(all.get(0).value()).at("/label").asText()).isEqualTo("door open");
            var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC,
                    "verdicts");
            assertThat(admin.describeConfigs(List.of(resource)).all().get().get(resource).get("cleanup.policy").value())
                    .isEqualTo("compact");
        }
    }

    private io.restassured.specification.RequestSpecification api() {
        return given().port(httpPort).contentType("application/json")
                .header("Authorization", "Bearer " + ModelSwapTestResource.ADMIN_TOKEN);
    }

    private void managementApiRefusesStrangers() {
        given().port(httpPort).get("/api/models").then().statusCode(401).header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"));
        // every API resource, not a path prefix: the heatmaps (camera pixels) too, and spellings a prefix check misses
        given().port(httpPort).get("/api/anomalies/frames/0/1/heatmap.png").then().statusCode(401);
        given().port(httpPort).get("//api/models").then().statusCode(org.hamcrest.Matchers.anyOf(
                org.hamcrest.Matchers.is(401), org.hamcrest.Matchers.is(404)));
        api().get("/api/anomalies/frames/0/1/heatmap.png").then().statusCode(404);
        // the read token reads, and only reads
        given().port(httpPort).header("Authorization", "Bearer " + ModelSwapTestResource.READ_TOKEN).get("/api/models")
                .then().statusCode(200);
        given().port(httpPort).contentType("application/json").header("Authorization", "Bearer " + ModelSwapTestResource.READ_TOKEN)
                .body(Map.of("version", "test-1")).post("/api/models/test/activate").then().statusCode(403);
        given().port(httpPort).contentType("application/json").header("Authorization", "Bearer wrong-token-0123456789")
                .body(Map.of("reason", "an intruder")).post("/api/models/test/rollback").then().statusCode(401);
        given().port(httpPort).contentType("application/json").header("Authorization", "Basic " + ModelSwapTestResource.ADMIN_TOKEN)
                .body(Map.of("version", "test-1")).post("/api/models/test/activate").then().statusCode(401);
        api().body(Map.of("version", "no-such-version")).post("/api/models/test/activate").then().statusCode(409);
        api().body(Map.of("version", "../../etc")).post("/api/models/test/activate").then().statusCode(400);
    }

    /**
     * With the threshold frozen, the detector's threshold for a frame is the card threshold of the model it last
     * re-based to: every event must carry exactly its own model's threshold, across all swaps.
     */
    private static void detectorJudgedEachFrameByItsModelsCalibration(String bootstrap, List<String> order) throws Exception {
        try (TopicReader anomalies = new TopicReader(bootstrap, "anomalies")) {
            List<ConsumerRecord<String, byte[]>> events = anomalies.drain(Duration.ofSeconds(3));
            java.util.Set<String> versionsWithEvents = new java.util.HashSet<>();
            java.util.Set<Double> thresholds = new java.util.HashSet<>();
            for (ConsumerRecord<String, byte[]> r : events) {
                JsonNode e = JSON.readTree(r.value());
                assertThat(e.get("threshold").asDouble()).as("threshold of %s", e).isEqualTo(e.get("modelThreshold").asDouble());
                versionsWithEvents.add(e.get("modelVersion").asText());
                thresholds.add(e.get("threshold").asDouble());
            }
            assertThat(versionsWithEvents).as("events under several models").hasSizeGreaterThanOrEqualTo(3);
            assertThat(thresholds).as("models with different calibrations").hasSizeGreaterThanOrEqualTo(3);
        }
    }

    private void awaitServing(TopicReader scores, String version) {
        List<ConsumerRecord<String, byte[]>> seen = scores.readUntil(r -> !r.isEmpty()
                && version.equals(versionOf(r.get(r.size() - 1))), WAIT);
        assertThat(versionOf(seen.get(seen.size() - 1))).as("scores from %s", version).isEqualTo(version);
    }

    private static String versionOf(ConsumerRecord<String, byte[]> r) {
        return io.frameguard.testing.ScoreJson.last(r.value()).get("modelVersion").asText();
    }

    private double metric(String name) {
        String page = given().port(managementPort).get("/q/metrics").then().statusCode(200).extract().asString();
        return PipelineIntegrationTest.metricValue(page, name);
    }

    private static ModelArtifact trainNarrowModel(Path dir) throws Exception {
        SensorSimulator narrow = new SensorSimulator(8, 3);
        io.frameguard.datasets.FrameFile data = new io.frameguard.datasets.FrameFile(8, 1000, narrow.trainingData(1000, 4),
                io.frameguard.datasets.FrameFile.defaultNames(8));
        return new io.frameguard.training.AutoencoderTrainer(io.frameguard.training.TrainingOptions.builder()
                .name("test").version("narrow-1").epochs(1).threads(1).build(), io.frameguard.training.TrainingProgress.NONE)
                .train(data, dir, "8-channel frames");
    }

    private static void produce(String bootstrap, SensorSimulator sim, ConcurrentLinkedQueue<RecordMetadata> sent,
            AtomicBoolean producing) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (int t = 0; producing.get(); t++) {
                for (String source : List.of("line-1", "line-2", "line-3")) {
                    RecordHeaders h = new RecordHeaders();
                    h.add("content-type", "application/x-float32".getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>("frames", null, source, FrameEncoding.float32(sim.frame(source, t)), h),
                            (md, e) -> {
                                if (e == null) {
                                    sent.add(md);
                                }
                            });
                }
                Thread.sleep(5);
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
