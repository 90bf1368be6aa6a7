package io.frameguard.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Camera frames end to end on a real broker: unseen sneakers (the normal class) and other garments as PNG, JPEG
 * and raw 8-bit frames; one score per frame, with the region of largest error where it could be an anomaly; anomaly events for the other
 * garments linking to a heatmap that the service serves; hostile images in the dead-letter topic with reasons.
 */
@QuarkusTest
@QuarkusTestResource(value = ImagePipelineTestResource.class, restrictToAnnotatedClass = true)
class ImagePipelineIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final int NORMAL = ImagePipelineTestResource.NORMAL_CLASS;

    @ConfigProperty(name = "quarkus.management.test-port")
    int managementPort;

    @ConfigProperty(name = "frameguard.detector.floor-factor")
    double floorFactor;

    record Sent(int partition, long offset, int label, int row) {}

    @Test
    void cameraFramesInScoresAnomaliesAndHeatmapsOut() throws Exception {
        String bootstrap = ImagePipelineTestResource.broker.bootstrapServers();
        FrameFile test = ImageFiles.readIdx(TestModels.fashionTestImages(), null);
        int[] labels = ImageFiles.readIdxLabels(ImageFiles.labelsFileFor(TestModels.fashionTestImages()));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                given().port(managementPort).get("/q/health/ready").then().statusCode(200));

        List<Sent> sent = new ArrayList<>();
        Map<String, String> dlqExpected = new HashMap<>();
        try (KafkaProducer<String, byte[]> producer = KafkaTestBroker.frameProducer(bootstrap)) {
            int normals = 0;
            int others = 0;
            for (int i = 0; i < test.rows() && (normals < 150 || others < 30); i++) {
                boolean normal = labels[i] == NORMAL;
                if (normal ? normals >= 150 : others >= 30) {
                    continue;
                }
                int n = normal ? normals++ : others++;
                byte[] gray = pixels(test, i);
                String camera = "camera-" + (n % 3);
                RecordMetadata md = switch (n % 3) {
                    case 0 -> send(producer, camera, png(gray), "image/png", null);
                    case 1 -> send(producer, camera, gray, "image/x-gray8", new int[] {28, 28});
                    default -> send(producer, camera, png(gray), "image/png; charset=binary", null);
                };
                sent.add(new Sent(md.partition(), md.offset(), labels[i], i));
            }
            byte[] png = png(pixels(test, 0));
            dlqExpected.put("huge", "image-too-large");
            send(producer, "huge", withPngSize(png, 50_000, 50_000), "image/png", null);
            dlqExpected.put("truncated", "corrupt-image");
            send(producer, "truncated", Arrays.copyOf(png, png.length / 2), "image/png", null);
            dlqExpected.put("garbage", "corrupt-image");
            send(producer, "garbage", "\u00ff\u00d8 not really a jpeg".getBytes(StandardCharsets.ISO_8859_1), "image/jpeg", null);
            dlqExpected.put("no-size", "bad-image-header");
            send(producer, "no-size", new byte[784], "image/x-gray8", null);
            dlqExpected.put("rgb-as-gray", "wrong-channels");
            send(producer, "rgb-as-gray", new byte[3 * 784], "image/x-gray8", new int[] {28, 28});
            producer.flush();
        }

        try (TopicReader scores = new TopicReader(bootstrap, "scores");
                TopicReader anomalies = new TopicReader(bootstrap, "anomalies");
                TopicReader dlq = new TopicReader(bootstrap, "frames.dlq")) {
            scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(r).size() >= sent.size(), WAIT);
            List<ConsumerRecord<String, byte[]>> scoreRecords = scores.drain(Duration.ofSeconds(2));
            List<JsonNode> frameScores = io.frameguard.testing.ScoreJson.frames(scoreRecords);
            assertThat(frameScores).hasSize(sent.size());
            scoreRecords.forEach(r -> io.frameguard.testing.RecordSchemas.assertValid("score", r.value()));
            Set<String> scored = new HashSet<>();
            int explained = 0;
            for (JsonNode s : frameScores) {
                assertThat(scored.add(s.at("/frame/partition").asInt() + "/" + s.at("/frame/offset").asLong())).isTrue();
                assertThat(s.has("topChannels")).isFalse();
                // a region exactly where the detector's lowest threshold could call the frame an anomaly
                boolean explicable = s.get("score").asDouble() >= floorFactor * s.get("modelThreshold").asDouble();
                assertThat(s.has("region")).as("region of %s", s).isEqualTo(explicable);
                if (explicable) {
                    explained++;
                    JsonNode region = s.get("region");
                    assertThat(region.get("x").asInt() + region.get("width").asInt()).isBetween(1, 28);
                    assertThat(region.get("share").asDouble()).isBetween(0.0, 1.0);
                }
            }
            assertThat(explained).as("frames explained").isBetween(1, sent.size() - 1);

            List<ConsumerRecord<String, byte[]>> dead = dlq.readUntil(r -> r.size() >= dlqExpected.size(), WAIT);
            assertThat(dead).hasSize(dlqExpected.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String reason = new String(r.headers().lastHeader("frameguard.error.reason").value(), StandardCharsets.UTF_8);
                assertThat(reason).as("reason for %s", r.key()).isEqualTo(dlqExpected.get(r.key()));
            }

            Set<String> otherGarments = new HashSet<>();
            Set<String> sneakers = new HashSet<>();
            for (Sent x : sent) {
                (x.label() == NORMAL ? sneakers : otherGarments).add(x.partition() + "/" + x.offset());
            }
            List<ConsumerRecord<String, byte[]>> events = anomalies.readUntil(
                    r -> flagged(r).stream().filter(otherGarments::contains).count() >= otherGarments.size() * 8 / 10, WAIT);
            events = anomalies.drain(Duration.ofSeconds(2));
            events.forEach(r -> io.frameguard.testing.RecordSchemas.assertValid("anomaly", r.value()));
            Set<String> flagged = flagged(events);
            assertThat(flagged.stream().filter(otherGarments::contains).count())
                    .as("other garments reported").isGreaterThanOrEqualTo(otherGarments.size() * 8 / 10);
            assertThat(flagged.stream().filter(sneakers::contains).count())
                    .as("sneakers reported").isLessThanOrEqualTo(sneakers.size() / 10);

            JsonNode event = JSON.readTree(events.stream().filter(r -> otherGarments.contains(frameOf(r))).findFirst()
                    .orElseThrow().value());
            assertThat(event.at("/signature/kind").asText()).startsWith("error-grid-7x7+latent-");
            assertThat(event.at("/signature/values").size()).isGreaterThan(49);
            JsonNode explanation = event.get("explanation");
            assertThat(explanation.get("kind").asText()).isEqualTo("image-region");
            assertThat(explanation.get("region").get("width").asInt()).isPositive();
            String heatmap = explanation.get("heatmap").asText();
            assertThat(heatmap).isEqualTo("/api/anomalies/frames/" + event.get("frame").get("partition").asInt() + "/"
                    + event.get("frame").get("offset").asLong() + "/heatmap.png");
            given().get(heatmap).then().statusCode(401);
            byte[] png = given().header("Authorization", "Bearer " + ImagePipelineTestResource.READ_TOKEN).get(heatmap).then().statusCode(200).contentType("image/png").extract().asByteArray();
            BufferedImage picture = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(picture.getWidth()).isEqualTo(280);
            given().header("Authorization", "Bearer " + ImagePipelineTestResource.READ_TOKEN)
                    .get("/api/anomalies/frames/0/999999/heatmap.png").then().statusCode(404);

            // the console's picture of it: the frame, the model's reconstruction and the region, on the picture's grid
            JsonNode drawn = JSON.readTree(given().header("Authorization", "Bearer " + ImagePipelineTestResource.READ_TOKEN)
                    .get(heatmap.replace("/heatmap.png", "/picture")).then().statusCode(200).extract().asByteArray());
            assertThat(drawn.get("width").asInt()).isEqualTo(28);
            assertThat(drawn.get("height").asInt()).isEqualTo(28);
            assertThat(drawn.get("values")).hasSize(28 * 28);
            assertThat(drawn.get("reconstruction")).hasSize(28 * 28);
            assertThat(drawn.at("/region/width").asInt()).isPositive();
            double frameToRebuilt = 0;
            for (int i = 0; i < 28 * 28; i++) {
                frameToRebuilt += Math.abs(drawn.at("/values/" + i).asDouble() - drawn.at("/reconstruction/" + i).asDouble());
                assertThat(drawn.at("/reconstruction/" + i).asDouble()).isBetween(0.0, 1.0);
            }
            assertThat(frameToRebuilt / (28 * 28)).as("a garment that is no sneaker is not rebuilt as itself").isGreaterThan(0.02);

            // "has anything like this been seen?": the same garment, sent to the API, finds the incident it is part of
            String frame = event.at("/frame/partition").asInt() + "/" + event.at("/frame/offset").asLong();
            Sent same = sent.stream().filter(x -> (x.partition() + "/" + x.offset()).equals(frame)).findFirst().orElseThrow();
            String incident = event.at("/incident/id").asText();
            JsonNode found = JSON.readTree(given().header("Authorization", "Bearer " + ImagePipelineTestResource.READ_TOKEN)
                    .contentType("image/png").body(png(pixels(test, same.row()))).post("/api/anomalies/search?k=5")
                    .then().statusCode(200).extract().asByteArray());
            assertThat(found.get("score").asDouble()).isEqualTo(event.get("score").asDouble(), within(1e-4));
            assertThat(found.get("similar").get(0).get("similarity").asDouble()).isGreaterThan(0.9);
            assertThat(found.get("similar").findValuesAsText("eventId")).contains(incident);
            given().header("Authorization", "Bearer " + ImagePipelineTestResource.READ_TOKEN).contentType("image/png")
                    .body(new byte[] {1, 2, 3}).post("/api/anomalies/search").then().statusCode(400);

            String metrics = given().port(managementPort).get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(PipelineIntegrationTest.metricValue(metrics, "frameguard_frames_dlq_total{reason=\"corrupt-image\"}")).isEqualTo(2);
            assertThat(PipelineIntegrationTest.metricValue(metrics, "frameguard_frames_dlq_total{reason=\"image-too-large\"}")).isEqualTo(1);
        }
    }

    private static String frameOf(ConsumerRecord<String, byte[]> r) {
        try {
            JsonNode f = JSON.readTree(r.value()).get("frame");
            return f.get("partition").asInt() + "/" + f.get("offset").asLong();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> flagged(List<ConsumerRecord<String, byte[]>> events) {
        Set<String> s = new HashSet<>();
        events.forEach(r -> s.add(frameOf(r)));
        return s;
    }

    private static byte[] pixels(FrameFile images, int i) {
        byte[] out = new byte[images.dim()];
        for (int p = 0; p < out.length; p++) {
            out[p] = (byte) Math.round(images.values()[i * images.dim() + p] * 255);
        }
        return out;
    }

    private static byte[] png(byte[] gray) throws Exception {
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setDataElements(0, 0, 28, 28, gray);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Rewrites a PNG's IHDR width and height and the chunk's CRC. */
    private static byte[] withPngSize(byte[] png, int width, int height) {
        byte[] out = png.clone();
        ByteBuffer.wrap(out).putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(out, 12, 17);
        ByteBuffer.wrap(out).putInt(29, (int) crc.getValue());
        return out;
    }


    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String key, byte[] value, String contentType,
            int[] size) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", contentType.getBytes(StandardCharsets.UTF_8));
        if (size != null) {
            headers.add("image-width", Integer.toString(size[0]).getBytes(StandardCharsets.UTF_8));
            headers.add("image-height", Integer.toString(size[1]).getBytes(StandardCharsets.UTF_8));
        }
        return producer.send(new ProducerRecord<>("frames", null, key, value, headers)).get(30, TimeUnit.SECONDS);
    }
}
