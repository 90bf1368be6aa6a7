package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.MemoryEntry;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.model.ModelArtifact;
import io.frameguard.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Two replicas of the packaged service share the frames (one consumer group, two partitions each): each scores half
 * of the anomalies, yet both answer the same listing and the same similar anomalies for every event, and a replica
 * restarted from nothing answers them again: the memory lives in Kafka, not in one pod. So does every event of an
 * incident longer than its memory record lists, and a verdict given on one of them through either replica.
 */
class MemoryReplicasIT {

    private static final String TOKEN = "replicas-read-token-0123456789";
    private static final String ADMIN_TOKEN = "replicas-admin-token-0123456789";
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void everyReplicaAndARestartedOneAnswersTheSame() throws Exception {
        Path app = io.frameguard.testing.PackagedApp.dir();
        Path work = io.frameguard.testing.PackagedApp.freshWorkDir("memory-replicas-it");
        ModelArtifact model = TestModels.trainSensorModel(work.resolve("model"), 3000, 4, 9);
        try (LocalKafka kafka = LocalKafka.startWithClasspath(System.getProperty("java.class.path"), work.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("frames", 4, (short) 1))).all().get();
            }
            Replica a = Replica.start(app, work, bootstrap, model, "a");
            Replica b = Replica.start(app, work, bootstrap, model, "b");
            try {
                a.service.awaitReady();
                b.service.awaitReady();
                List<String> spikes = sendSpikes(bootstrap);
                List<String> burst = sendBurst(bootstrap, "machine-burst", 4);
                List<String> longFault = sendBurst(bootstrap, "machine-long", MemoryEntry.MAX_MEMBERS + 8);
                // both replicas remember every spike, whichever scored it
                for (Replica r : List.of(a, b)) {
                    awaitUntil(() -> r.ids().containsAll(spikes), r + " remembers every spike");
                }
                // the frames were shared: each replica scored some, so each answers for events the other scored
                assertThat(a.service.metricSum("frameguard_frames_scored_total", "")).isPositive();
                assertThat(b.service.metricSum("frameguard_frames_scored_total", "")).isPositive();
                // a burst of one fault is one incident, on both replicas
                for (Replica r : List.of(a, b)) {
                    awaitUntil(() -> r.ids().containsAll(burst), r + " remembers the burst");
                    JsonNode incident = r.get("/api/anomalies/" + burst.get(2));
                    assertThat(incident.at("/incident/id").asText()).isEqualTo(burst.get(0));
                    assertThat(incident.at("/incident/count").asInt()).isEqualTo(burst.size());
                    assertThat(JSON.convertValue(incident.get("members"), List.class)).isEqualTo(burst);
                    assertThat(incident.at("/event/eventId").asText()).isEqualTo(burst.get(burst.size() - 1));
                }
                // a fault longer than its incident's record lists: each of its events is found on both replicas, its
                // heatmap drawn, and a verdict on one through replica a holds for the incident on replica b
                String longIncident = longFault.get(0);
                String unlisted = longFault.get(3);
                for (Replica r : List.of(a, b)) {
                    awaitUntil(() -> r.ids().contains(longFault.get(longFault.size() - 1)), r + " remembers the long fault");
                    assertThat(JSON.convertValue(r.get("/api/anomalies/" + longIncident).get("members"), List.class))
                            .as("the incident's record lists its first and newest events").doesNotContain(unlisted);
                    for (String id : longFault) {
                        assertThat(r.get("/api/anomalies/" + id).at("/incident/id").asText()).as("%s %s", r, id).isEqualTo(longIncident);
                    }
                    assertThat(r.status("/api/anomalies/" + unlisted + "/heatmap.png")).isEqualTo(200);
                }
                assertThat(a.postVerdict(unlisted, "false-alarm")).isEqualTo(200);
                awaitUntil(() -> "false-alarm".equals(b.get("/api/anomalies/" + longIncident).get("status").asText()),
                        "replica b holds the verdict given through replica a on an event the incident does not list");
                // and both draw the heatmap of every spike, whichever replica scored it
                for (String id : spikes) {
                    for (Replica r : List.of(a, b)) {
                        assertThat(r.status("/api/anomalies/" + id + "/heatmap.png")).as("%s heatmap of %s", r, id).isEqualTo(200);
                    }
                }
                Map<String, JsonNode> fromA = new HashMap<>();
                for (String id : spikes) {
                    JsonNode sa = a.get("/api/anomalies/" + id + "/similar?k=3");
                    assertThat(b.get("/api/anomalies/" + id + "/similar?k=3").get("similar").findValuesAsText("eventId"))
                            .as("replica b on %s", id).isEqualTo(sa.get("similar").findValuesAsText("eventId"));
                    fromA.put(id, sa);
                }
                // a replica restarted from nothing (its own state gone) reads the memory back from Kafka
                b.service.close();
                org.apache.commons.io.FileUtils.deleteDirectory(work.resolve("streams-b").toFile());
                Replica b2 = Replica.start(app, work, bootstrap, model, "b");
                try {
                    b2.service.awaitReady();
                    awaitUntil(() -> b2.ids().containsAll(spikes), "the restarted replica remembers every spike");
                    assertThat(b2.get("/api/anomalies/" + burst.get(0)).at("/incident/count").asInt()).isEqualTo(burst.size());
                    assertThat(b2.status("/api/anomalies/" + spikes.get(0) + "/heatmap.png")).isEqualTo(200);
                    awaitUntil(() -> "false-alarm".equals(b2.get("/api/anomalies/" + unlisted).get("status").asText()),
                            "the restarted replica holds the verdict on the long fault");
                    for (String id : spikes) {
                        assertThat(b2.get("/api/anomalies/" + id + "/similar?k=3").get("similar").findValuesAsText("eventId"))
                                .isEqualTo(fromA.get(id).get("similar").findValuesAsText("eventId"));
                    }
                } finally {
                    b2.service.close();
                }
            } finally {
                a.service.close();
                b.service.close();
            }
        }
    }

    /** Spikes on channels 3 and 9 of several sources (spread over the partitions); their event ids. */
    private static List<String> sendSpikes(String bootstrap) throws Exception {
        SensorSimulator sim = TestModels.simulator();
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 12; i++) {
                String source = "machine-" + (i % 6);
                for (int t = 0; t < 4; t++) {
                    send(producer, source, sim.frame(source, 10L * i + t));
                }
                long t = 10L * i + 5;
                RecordMetadata md = send(producer, source, sim.faulty(source, t, SensorSimulator.Fault.SPIKE, i % 2 == 0 ? 3 : 9, t));
                ids.add("frames/" + md.partition() + "/" + md.offset());
            }
        }
        return ids;
    }

    /** One source sends the same faulty frame {@code n} times in a row: the event ids. */
    private static List<String> sendBurst(String bootstrap, String source, int n) throws Exception {
        SensorSimulator sim = TestModels.simulator();
        float[] frozen = sim.faulty(source, 500, SensorSimulator.Fault.SPIKE, 5, 500);
        List<String> ids = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                RecordMetadata md = send(producer, source, frozen);
                ids.add("frames/" + md.partition() + "/" + md.offset());
            }
        }
        return ids;
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String source, float[] frame) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        headers.add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        return producer.send(new ProducerRecord<>("frames", null, source, FrameEncoding.json(frame), headers)).get(30, TimeUnit.SECONDS);
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitUntil(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /** One replica: the packaged service with its own ports, state directory and transactional ids. */
    private record Replica(String name, LocalService service, int httpPort) {
        static Replica start(Path app, Path work, String bootstrap, ModelArtifact model, String name) throws Exception {
            int http = LocalKafka.freePort();
            Map<String, String> settings = new HashMap<>();
            settings.put("kafka.bootstrap.servers", bootstrap);
            settings.put("frameguard.model.dir", model.dir().toString());
            settings.put("frameguard.api.read-token", TOKEN);
            settings.put("frameguard.api.admin-token", ADMIN_TOKEN);
            settings.put("frameguard.detector.adapt-rate", "0");
            // two replicas on one host: transactional ids must differ (in a pod, the host name makes them differ)
            settings.put("frameguard.scorer.transactional-id-prefix", "frameguard-scorer-" + name);
            settings.put("kafka-streams.state.dir", work.resolve("streams-" + name).toString());
            settings.put("quarkus.http.port", Integer.toString(http));
            return new Replica(name, LocalService.start(app, settings, LocalKafka.freePort(), work.resolve("service-" + name + ".log")),
                    http);
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("%s %s: %s", this, path, r.body()).isEqualTo(200);
            return JSON.readTree(r.body());
        }

        /** The events of every incident listed. */
        List<String> ids() throws Exception {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort
                    + "/api/anomalies?limit=1000")).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            List<String> ids = new ArrayList<>();
            if (r.statusCode() == 200) {
                JSON.readTree(r.body()).get("anomalies").forEach(a -> a.get("members").forEach(m -> ids.add(m.asText())));
            }
            return ids;
        }

        int postVerdict(String eventId, String verdict) throws Exception {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/api/anomalies/" + eventId + "/verdict"))
                    .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"verdict\":\"" + verdict + "\"}")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        int status(String path) throws Exception {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + path))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        @Override
        public String toString() {
            return "replica " + name;
        }
    }
}
