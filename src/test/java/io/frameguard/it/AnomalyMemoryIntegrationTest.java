package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The anomaly memory through the API on a real broker: spikes on one channel and level shifts on another, from three
 * sources, become events with signatures; the memory lists them, answers which past anomalies are like one (the same
 * fault's), and shows operators' verdicts;
 * later events are recognised by the label operators confirmed on their look-alikes, or suppressed when their
 * source's look-alikes were all false alarms.
 */
@QuarkusTest
@QuarkusTestResource(value = AnomalyMemoryTestResource.class, restrictToAnnotatedClass = true)
class AnomalyMemoryIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SPIKES_PER_CHANNEL = 8;

    @ConfigProperty(name = "quarkus.http.test-port")
    int httpPort;

    @ConfigProperty(name = "quarkus.management.test-port")
    int managementPort;

    /** The OpenAPI document's copy in the repository: regenerate with -Dregenerate.openapi=true. */
    static final java.nio.file.Path OPENAPI_COPY = io.frameguard.testing.ExternalTool.repo().resolve("docs/api/openapi.json");

    /**
     * The OpenAPI document describes every route of every API resource (found here from their JAX-RS annotations) with
     * its method and the bearer token it needs, equals the copy in docs/api/, and Swagger UI is served.
     */
    @Test
    void theOpenApiDocumentDescribesEveryRoute() throws Exception {
        String body = given().port(managementPort).get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        JsonNode doc = JSON.readTree(body);
        java.util.Set<String> routes = new java.util.TreeSet<>();
        for (Class<?> resource : List.of(io.frameguard.api.AnomalyResource.class, io.frameguard.api.ModelResource.class,
                io.frameguard.api.SessionResource.class, io.frameguard.api.SchemaResource.class)) {
            String base = resource.getAnnotation(jakarta.ws.rs.Path.class).value();
            for (java.lang.reflect.Method m : resource.getDeclaredMethods()) {
                for (Class<? extends java.lang.annotation.Annotation> verb : List.of(jakarta.ws.rs.GET.class, jakarta.ws.rs.POST.class,
                        jakarta.ws.rs.PUT.class, jakarta.ws.rs.DELETE.class)) {
                    if (m.isAnnotationPresent(verb)) {
                        jakarta.ws.rs.Path p = m.getAnnotation(jakarta.ws.rs.Path.class);
                        String path = (base + (p == null ? "" : p.value())).replaceAll("/$", "");
                        routes.add(verb.getSimpleName().toLowerCase(java.util.Locale.ROOT) + " " + path);
                    }
                }
            }
        }
        assertThat(routes).hasSizeGreaterThan(15);
        java.util.Set<String> documented = new java.util.TreeSet<>();
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames()
                .forEachRemaining(verb -> documented.add(verb + " " + path.getKey())));
        assertThat(documented).as("every route, nothing else").isEqualTo(routes);
        // every route says what it answers: the shape of its JSON, and (those that answer refusals of their own) the refusal's
        doc.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
            String route = op.getKey() + " " + path.getKey();
            JsonNode answers = op.getValue().at("/responses/200/content");
            assertThat(answers.size()).as("what %s answers", route).isPositive();
            answers.fields().forEachRemaining(c -> assertThat(c.getValue().path("schema").has("$ref")
                    || c.getValue().path("schema").has("type") || c.getKey().equals("application/schema+json"))
                    .as("the schema of %s as %s", route, c.getKey()).isTrue());
            if (!path.getKey().equals("/api/anomalies/feed") && !path.getKey().startsWith("/api/schemas")
                    && !path.getKey().equals("/api/session")) {
                assertThat(op.getValue().at("/responses/default/content/application~1json/schema/$ref").asText())
                        .as("the refusal of %s", route).endsWith("/Refusal");
            }
        }));
        assertThat(doc.at("/components/schemas/SearchAnswer/properties/recognisedAs").isMissingNode()).isFalse();
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/security/0").has("bearer")).as("every route needs the token").isTrue();

        if (Boolean.getBoolean("regenerate.openapi")) {
            java.nio.file.Files.createDirectories(OPENAPI_COPY.getParent());
            java.nio.file.Files.writeString(OPENAPI_COPY, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        }
        assertThat(doc).as("docs/api/openapi.json is the served document (regenerate: -Dregenerate.openapi=true)")
                .isEqualTo(JSON.readTree(OPENAPI_COPY.toFile()));

        String ui = given().port(managementPort).get("/q/swagger-ui/").then().statusCode(200).extract().asString();
        assertThat(ui).containsIgnoringCase("swagger");
    }

    /** The records' JSON Schemas, as published in the repository, from any replica's API; a token is needed. */
    @Test
    void theRecordsSchemasAreServed() throws Exception {
        JsonNode list = JSON.readTree(read().get("/api/schemas").then().statusCode(200).extract().asString());
        assertThat(list.findValuesAsText("name")).containsExactlyElementsOf(io.frameguard.testing.RecordSchemas.names());
        for (String name : io.frameguard.testing.RecordSchemas.names()) {
            String served = read().get("/api/schemas/" + name).then().statusCode(200)
                    .contentType("application/schema+json").extract().asString();
            assertThat(JSON.readTree(served)).as(name).isEqualTo(JSON.readTree(io.frameguard.testing.RecordSchemas.file(name).toFile()));
        }
        read().get("/api/schemas/nothing").then().statusCode(404);
        given().port(httpPort).get("/api/schemas/score").then().statusCode(401);
    }

    @Test
    void pastAnomaliesAreListedFoundBySimilarityAndCarryVerdicts() throws Exception {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
        SensorSimulator sim = TestModels.simulator();
        Map<String, Integer> channelOf = new HashMap<>(); // event id -> spiked channel
        List<String> spikes = new ArrayList<>(); // event ids in the order sent
        String firstNormal = null;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            for (int i = 0; i < 2 * SPIKES_PER_CHANNEL; i++) {
                int channel = i % 2 == 0 ? 3 : 9;
                String source = "pump-" + (i % 3);
                for (int t = 0; t < 5; t++) { // normal frames between the spikes
                    String sent = id(send(producer, source, sim.frame(source, 20L * i + t)));
                    if (i == 0 && t == 0) {
                        firstNormal = sent; // before any incident of its source
                    }
                }
                long t = 20L * i + 5;
                String id = id(send(producer, source, spike(sim, source, t, channel)));
                channelOf.put(id, channel);
                spikes.add(id);
            }
        }
        // every spike is remembered, on this replica as on any other: the memory is read from Kafka
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode recent = JSON.readTree(read().get("/api/anomalies?limit=1000").then().statusCode(200).extract().asString());
            List<String> ids = recent.get("anomalies").findValuesAsText("eventId");
            assertThat(ids).containsAll(channelOf.keySet());
        });

        // the nearest past anomalies of a channel-3 spike are channel-3 spikes
        String query = channelOf.entrySet().stream().filter(e -> e.getValue() == 3).findFirst().orElseThrow().getKey();
        JsonNode similar = JSON.readTree(read().get("/api/anomalies/" + query + "/similar?k=3").then().statusCode(200)
                .extract().asString());
        assertThat(similar.get("eventId").asText()).isEqualTo(query);
        List<String> nearest = similar.get("similar").findValuesAsText("eventId");
        assertThat(nearest).hasSize(3).doesNotContain(query);
        assertThat(nearest).allSatisfy(id -> assertThat(channelOf.get(id)).as(id).isEqualTo(3));
        assertThat(similar.at("/similar/0/similarity").asDouble()).isGreaterThan(similar.at("/similar/2/similarity").asDouble() - 1e-9);

        // a verdict on the nearest one shows on it, as an event and as a neighbour
        String confirmed = nearest.get(0);
        admin().body(Map.of("verdict", "confirmed", "label", "ch3-spike")).post("/api/anomalies/" + confirmed + "/verdict")
                .then().statusCode(200);
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode event = JSON.readTree(read().get("/api/anomalies/" + confirmed).then().statusCode(200).extract().asString());
            assertThat(event.at("/verdict/label").asText()).isEqualTo("ch3-spike");
            assertThat(event.at("/event/eventId").asText()).isEqualTo(confirmed);
        });
        JsonNode again = JSON.readTree(read().get("/api/anomalies/" + query + "/similar?k=3").then().statusCode(200)
                .extract().asString());
        assertThat(again.at("/similar/0/eventId").asText()).isEqualTo(confirmed);
        assertThat(again.at("/similar/0/verdict").asText()).isEqualTo("confirmed");
        assertThat(again.at("/similar/0/label").asText()).isEqualTo("ch3-spike");

        // a verdict on a frame that is no event the memory holds is kept, and the answer says the event is unknown; one on
        // an offset the partition has not reached is refused (it would judge whatever frame comes to be written there)
        admin().body(Map.of("verdict", "false-alarm")).post("/api/anomalies/" + firstNormal + "/verdict")
                .then().statusCode(202).header("Frameguard-Note", org.hamcrest.Matchers.containsString(firstNormal));
        admin().body(Map.of("verdict", "false-alarm")).post("/api/anomalies/frames/0/999999999/verdict")
                .then().statusCode(404).body("error", org.hamcrest.Matchers.containsString("no frame frames/0/999999999 yet"));

        // verdicts teach: two confirmed ch3 spikes, and every ch9 spike of pump-1 a false alarm
        String confirmed2 = nearest.get(1);
        admin().body(Map.of("verdict", "confirmed", "label", "ch3-spike")).post("/api/anomalies/" + confirmed2 + "/verdict")
                .then().statusCode(200);
        List<String> pump1Ch9 = new ArrayList<>();
        for (int i = 1; i < 2 * SPIKES_PER_CHANNEL; i += 2) {
            if (i % 3 == 1) {
                pump1Ch9.add(spikes.get(i));
            }
        }
        for (String id : pump1Ch9) {
            admin().body(Map.of("verdict", "false-alarm", "note", "sensor knocked during cleaning"))
                    .post("/api/anomalies/" + id + "/verdict").then().statusCode(200);
        }
        String lastVerdict = pump1Ch9.get(pump1Ch9.size() - 1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(JSON.readTree(read().get("/api/anomalies/" + lastVerdict).then()
                .statusCode(200).extract().asString()).at("/verdict/verdict").asText()).isEqualTo("false-alarm"));
        String recognisedId;
        String suppressedId;
        String plainId;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            recognisedId = id(send(producer, "pump-2", spike(sim, "pump-2", 900, 3)));
            suppressedId = id(send(producer, "pump-1", spike(sim, "pump-1", 920, 9)));
            plainId = id(send(producer, "pump-0", spike(sim, "pump-0", 940, 9)));
        }
        // the records behind the memory, as written: each valid against its published schema
        String broker = AnomalyMemoryTestResource.broker.bootstrapServers();
        for (Map.Entry<String, String> topic : Map.of("anomaly-memory", "memory", "verdicts", "verdict", "source-history", "history",
                "anomalies", "anomaly", "scores", "score").entrySet()) {
            try (TopicReader reader = new TopicReader(broker, topic.getKey())) {
                List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> records = reader.readUntil(r -> !r.isEmpty(), WAIT);
                records.stream().filter(r -> r.value() != null)
                        .forEach(r -> io.frameguard.testing.RecordSchemas.assertValid(topic.getValue(), r.value()));
            }
        }
        try (TopicReader anomalies = new TopicReader(AnomalyMemoryTestResource.broker.bootstrapServers(), "anomalies")) {
            Map<String, JsonNode> byId = new HashMap<>();
            anomalies.readUntil(rs -> {
                rs.forEach(r -> byId.put(readTree(r.value()).get("eventId").asText(), readTree(r.value())));
                return byId.keySet().containsAll(List.of(recognisedId, suppressedId, plainId));
            }, WAIT);
            JsonNode recognised = byId.get(recognisedId);
            assertThat(recognised.at("/recognisedAs/label").asText()).isEqualTo("ch3-spike");
            assertThat(List.of(recognised.at("/recognisedAs/because/0").asText(), recognised.at("/recognisedAs/because/1").asText()))
                    .containsExactlyInAnyOrder(confirmed, confirmed2);
            assertThat(recognised.get("similar")).hasSize(5);
            assertThat(recognised.has("suppressed")).isFalse();
            JsonNode suppressed = byId.get(suppressedId);
            assertThat(suppressed.at("/suppressed/because").size()).isEqualTo(pump1Ch9.size());
            assertThat(suppressed.has("recognisedAs")).isFalse();
            assertThat(byId.get(plainId).has("suppressed")).as("another source's false alarms do not suppress").isFalse();
        }
        String metrics = given().port(managementPort).get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("frameguard_anomalies_recognised_total 1.0", "frameguard_anomalies_suppressed_total 1.0");

        // a search by frame says what the detector would: a ch3 spike is recognised by the confirmed ones, a ch9 one is not
        JsonNode searched = JSON.readTree(read().contentType("application/json").body(FrameEncoding.json(spike(sim, "pump-0", 960, 3)))
                .post("/api/anomalies/search?k=3").then().statusCode(200).extract().asString());
        assertThat(searched.at("/recognisedAs/label").asText()).isEqualTo("ch3-spike");
        assertThat(List.of(searched.at("/recognisedAs/because/0").asText(), searched.at("/recognisedAs/because/1").asText()))
                .containsExactlyInAnyOrder(confirmed, confirmed2);
        JsonNode unknown = JSON.readTree(read().contentType("application/json").body(FrameEncoding.json(spike(sim, "pump-0", 980, 9)))
                .post("/api/anomalies/search?k=3").then().statusCode(200).extract().asString());
        assertThat(unknown.has("recognisedAs")).isFalse();
        // a body larger than any frame is refused before it is read (held whole, many at once would fill the heap)
        read().contentType("application/json").body(new byte[1_000_001]).post("/api/anomalies/search?k=3").then().statusCode(413);

        byte[] heatmap = read().get("/api/anomalies/" + query + "/heatmap.png").then().statusCode(200).contentType("image/png")
                .header("Cache-Control", "no-store") // a camera's frames stay with whoever presented the token
                .extract().asByteArray();
        given().port(httpPort).get("/api/anomalies/" + query + "/heatmap.png").then().statusCode(401).header("Cache-Control", "no-store");
        assertThat(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(heatmap)).getWidth()).isPositive();
        read().get("/api/anomalies/frames/0/999999").then().statusCode(404);
        read().get("/api/anomalies/" + query + "/similar?k=0").then().statusCode(400);
        given().port(httpPort).get("/api/anomalies/" + query + "/similar").then().statusCode(401);

        theConsolesQuestionsAreAnswered(query, List.of(confirmed, confirmed2), pump1Ch9, suppressedId, spikes, firstNormal);
    }

    /** What the operator console asks of the API, over the incidents of the test above. */
    private void theConsolesQuestionsAreAnswered(String ch3Spike, List<String> confirmed, List<String> falseAlarms,
            String suppressedId, List<String> spikes, String firstNormal) throws Exception {
        // who the token is
        assertThat(JSON.readTree(read().get("/api/session").then().statusCode(200).extract().asString()).get("role").asText())
                .isEqualTo("read");
        assertThat(JSON.readTree(admin().get("/api/session").then().statusCode(200).extract().asString()).get("role").asText())
                .isEqualTo("admin");
        given().port(httpPort).get("/api/session").then().statusCode(401);

        // listings by status, with how many match
        await().atMost(WAIT).untilAsserted(() -> assertThat(listed("?status=suppressed")).contains(suppressedId));
        assertThat(listed("?status=confirmed&limit=1000")).containsExactlyInAnyOrderElementsOf(confirmed);
        assertThat(listed("?status=false-alarm&limit=1000")).containsExactlyInAnyOrderElementsOf(falseAlarms);
        JsonNode limited = JSON.readTree(read().get("/api/anomalies?status=unjudged&limit=2").then().statusCode(200).extract().asString());
        assertThat(limited.get("anomalies")).hasSize(2);
        assertThat(limited.get("matching").asInt()).isGreaterThan(2);
        read().get("/api/anomalies?status=judged").then().statusCode(400);
        read().get("/api/anomalies?severity=huge").then().statusCode(400);

        // a source's minutes: frames scored, scores and the threshold they were judged against
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode history = JSON.readTree(read().get("/api/anomalies/history?source=pump-0").then().statusCode(200)
                    .extract().asString());
            assertThat(history.get("minutes").size()).isPositive();
            long frames = 0;
            for (JsonNode m : history.get("minutes")) {
                frames += m.get("frames").asLong();
                assertThat(m.get("threshold").asDouble()).isPositive();
                assertThat(m.get("maxScore").asDouble()).isGreaterThanOrEqualTo(m.get("meanScore").asDouble());
            }
            assertThat(frames).as("pump-0's frames of this test").isGreaterThanOrEqualTo(6L * 5 + 5);
        });
        read().get("/api/anomalies/history").then().statusCode(400);
        read().get("/api/anomalies/history?source=pump-0&hours=7").then().statusCode(400);

        // counts per source, labels in use
        JsonNode sources = JSON.readTree(read().get("/api/anomalies/sources").then().statusCode(200).extract().asString());
        Map<String, JsonNode> bySource = new HashMap<>();
        sources.get("sources").forEach(x -> bySource.put(x.get("source").asText(), x));
        assertThat(bySource.get("pump-1").get("falseAlarms").asInt()).isEqualTo(falseAlarms.size());
        assertThat(bySource.get("pump-1").get("suppressed").asInt()).isEqualTo(1);
        assertThat(bySource.values().stream().mapToInt(x -> x.get("confirmed").asInt()).sum()).isEqualTo(confirmed.size());
        assertThat(bySource.values().stream().mapToInt(x -> x.get("incidents").asInt()).sum()).isEqualTo(sources.get("incidents").asInt());
        assertThat(JSON.readTree(read().get("/api/anomalies/labels").then().statusCode(200).extract().asString()).get("labels")
                .get("ch3-spike").asInt()).isEqualTo(confirmed.size());

        // the frame as numbers: the spiked channel holds the largest error
        JsonNode picture = JSON.readTree(read().get("/api/anomalies/" + ch3Spike + "/picture").then().statusCode(200)
                .extract().asString());
        assertThat(picture.get("width").asInt()).isEqualTo(TestModels.DIM);
        assertThat(picture.get("values")).hasSize(TestModels.DIM);
        assertThat(picture.get("channelNames")).hasSize(TestModels.DIM);
        int worst = 0;
        for (int i = 0; i < TestModels.DIM; i++) {
            worst = picture.at("/errors/" + i).asDouble() > picture.at("/errors/" + worst).asDouble() ? i : worst;
        }
        assertThat(worst).isEqualTo(3);
        // with the model's reconstruction: the spiked value is where frame and reconstruction part most
        assertThat(picture.get("reconstruction")).hasSize(TestModels.DIM);
        int apart = 0;
        for (int i = 0; i < TestModels.DIM; i++) {
            apart = Math.abs(picture.at("/values/" + i).asDouble() - picture.at("/reconstruction/" + i).asDouble())
                    > Math.abs(picture.at("/values/" + apart).asDouble() - picture.at("/reconstruction/" + apart).asDouble()) ? i : apart;
        }
        assertThat(apart).isEqualTo(3);
        read().get("/api/anomalies/frames/0/999999/picture").then().statusCode(404);

        // families: every remembered spike is on the map
        JsonNode families = JSON.readTree(read().get("/api/anomalies/families").then().statusCode(200).extract().asString());
        assertThat(families.get("points").findValuesAsText("incidentId")).containsAll(spikes);
        assertThat(families.get("families").size()).isPositive();
        read().get("/api/anomalies/families?limit=0").then().statusCode(400);

        // one verdict on many events: all checked first, then each written
        List<String> two = spikes.subList(spikes.size() - 2, spikes.size());
        admin().body(Map.of("eventIds", List.of(two.get(0), "not an id"), "verdict", "confirmed"))
                .post("/api/anomalies/verdicts").then().statusCode(400);
        read().contentType("application/json").body(Map.of("eventIds", two, "verdict", "confirmed"))
                .post("/api/anomalies/verdicts").then().statusCode(403);
        // what the framework refuses before a route runs is said too, as JSON
        admin().body(Map.of("label", "no-verdict")).post("/api/anomalies/" + two.get(0) + "/verdict").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("verdict must be"));
        admin().body("notjson").post("/api/anomalies/" + two.get(0) + "/verdict").then().statusCode(400)
                .body("error", org.hamcrest.Matchers.startsWith("the body is not the JSON this route takes"));
        given().port(httpPort).header("Authorization", "Bearer " + AnomalyMemoryTestResource.ADMIN_TOKEN).body("{\"verdict\":\"confirmed\"}")
                .post("/api/anomalies/" + two.get(0) + "/verdict").then().statusCode(415)
                .body("error", org.hamcrest.Matchers.containsString("Content-Type"));
        admin().body(Map.of("eventIds", two, "verdict", "confirmed", "label", "family-a")).post("/api/anomalies/verdicts")
                .then().statusCode(200);
        // an id the memory does not hold: kept, and said, as for one verdict; one not yet written: nothing written
        admin().body(Map.of("eventIds", List.of(two.get(0), "frames/0/999999998"), "verdict", "confirmed", "label", "family-a"))
                .post("/api/anomalies/verdicts").then().statusCode(404);
        admin().body(Map.of("eventIds", List.of(two.get(0), firstNormal), "verdict", "confirmed", "label", "family-a"))
                .post("/api/anomalies/verdicts").then().statusCode(202)
                .header("Frameguard-Note", org.hamcrest.Matchers.allOf(org.hamcrest.Matchers.containsString("1 of the events"),
                        org.hamcrest.Matchers.containsString(firstNormal)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(listed("?status=confirmed&limit=1000")).containsAll(two));
        assertThat(JSON.readTree(read().get("/api/anomalies/" + two.get(0)).then().statusCode(200).extract().asString())
                .at("/verdict/label").asText()).isEqualTo("family-a");
    }

    /** The event ids of the incidents a listing returns. */
    private List<String> listed(String query) throws Exception {
        List<String> ids = new ArrayList<>();
        JSON.readTree(read().get("/api/anomalies" + query).then().statusCode(200).extract().asString())
                .get("anomalies").forEach(a -> ids.add(a.at("/event/eventId").asText()));
        return ids;
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of("bootstrap.servers", AnomalyMemoryTestResource.broker.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Channel 3's fault is a spike, channel 9's a level shift: two kinds on two channels. */
    private static float[] spike(SensorSimulator sim, String source, long t, int channel) {
        return sim.faulty(source, t, channel == 3 ? SensorSimulator.Fault.SPIKE : SensorSimulator.Fault.LEVEL_SHIFT, channel, t);
    }

    private static String id(RecordMetadata md) {
        return "frames/" + md.partition() + "/" + md.offset();
    }

    @Test
    void theFeedStreamsIncidentsAsTheyAreLearntAndJudged() throws Exception {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
        await().atMost(WAIT).untilAsserted(() -> read().get("/api/anomalies?limit=1").then().statusCode(200));
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        java.net.URI feed = java.net.URI.create("http://localhost:" + httpPort + "/api/anomalies/feed?source=feed-pump");
        // without the read token: refused
        assertThat(http.send(java.net.http.HttpRequest.newBuilder(feed).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
        java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<java.util.stream.Stream<String>>> open = http.sendAsync(
                java.net.http.HttpRequest.newBuilder(feed).header("Authorization", "Bearer " + AnomalyMemoryTestResource.READ_TOKEN)
                        .header("Accept", "text/event-stream").build(), java.net.http.HttpResponse.BodyHandlers.ofLines());
        java.net.http.HttpResponse<java.util.stream.Stream<String>> response = open.get(30, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        java.util.concurrent.BlockingQueue<String> comments = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> response.body().forEach(l -> {
            if (l.startsWith("data:")) {
                lines.add(l);
            } else if (l.startsWith(":")) {
                comments.add(l);
            }
        }), "feed-reader");
        reader.setDaemon(true);
        reader.start();

        SensorSimulator sim = TestModels.simulator();
        String id;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(producer, "other-pump", spike(sim, "other-pump", 7, 3)); // another source: filtered out
            id = id(send(producer, "feed-pump", spike(sim, "feed-pump", 7, 3)));
        }
        JsonNode learnt = nextFeedItem(lines);
        assertThat(learnt.at("/event/eventId").asText()).isEqualTo(id);
        assertThat(learnt.at("/event/source").asText()).isEqualTo("feed-pump");
        assertThat(learnt.path("verdict").isNull() || learnt.path("verdict").isMissingNode()).as("no verdict yet").isTrue();
        admin().body(Map.of("verdict", "false-alarm", "note", "a bump")).post("/api/anomalies/" + id + "/verdict")
                .then().statusCode(200);
        JsonNode judged = nextFeedItem(lines);
        assertThat(judged.at("/event/eventId").asText()).isEqualTo(id);
        assertThat(judged.at("/verdict/verdict").asText()).isEqualTo("false-alarm");
        // a quiet feed still sends a comment line every frameguard.api.feed-heartbeat (1 s here), which proxies see
        comments.clear();
        assertThat(comments.poll(10, TimeUnit.SECONDS)).as("a keep-alive comment").startsWith(":");
        response.body().close();
    }

    /** The next event of the feed, parsed; fails after a while without one. */
    private static JsonNode nextFeedItem(java.util.concurrent.BlockingQueue<String> lines) throws Exception {
        String line = lines.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(line).as("a feed event within %s", WAIT).isNotNull();
        return JSON.readTree(line.substring("data:".length()).trim());
    }

    private static JsonNode readTree(byte[] value) {
        try {
            return JSON.readTree(value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private RequestSpecification read() {
        return given().port(httpPort).header("Authorization", "Bearer " + AnomalyMemoryTestResource.READ_TOKEN);
    }

    private RequestSpecification admin() {
        return given().port(httpPort).contentType("application/json")
                .header("Authorization", "Bearer " + AnomalyMemoryTestResource.ADMIN_TOKEN);
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String source, float[] frame) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        return producer.send(new ProducerRecord<>("frames", null, source, FrameEncoding.json(frame), headers))
                .get(30, TimeUnit.SECONDS);
    }
}
