package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.testing.TestModels;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 * The anomaly memory through the API on a real broker: spikes on two channels become events with signatures; the
 * memory lists them, answers which past anomalies are like one (the same channel's), and shows operators' verdicts.
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

    @Test
    void pastAnomaliesAreListedFoundBySimilarityAndCarryVerdicts() throws Exception {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));
        SensorSimulator sim = TestModels.simulator();
        Map<String, Integer> channelOf = new HashMap<>(); // event id -> spiked channel
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers",
                AnomalyMemoryTestResource.broker.bootstrapServers()), new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 2 * SPIKES_PER_CHANNEL; i++) {
                int channel = i % 2 == 0 ? 3 : 9;
                String source = "pump-" + (i % 3);
                for (int t = 0; t < 5; t++) { // normal frames between the spikes
                    send(producer, source, sim.frame(source, 20L * i + t));
                }
                long t = 20L * i + 5;
                RecordMetadata md = send(producer, source, sim.faulty(source, t, SensorSimulator.Fault.SPIKE, channel, t));
                channelOf.put("frames/" + md.partition() + "/" + md.offset(), channel);
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

        read().get("/api/anomalies/frames/0/999999").then().statusCode(404);
        read().get("/api/anomalies/" + query + "/similar?k=0").then().statusCode(400);
        given().port(httpPort).get("/api/anomalies/" + query + "/similar").then().statusCode(401);
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
