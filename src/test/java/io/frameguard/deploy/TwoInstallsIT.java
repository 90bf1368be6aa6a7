package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.model.ModelArtifact;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Two installs of the packaged service on one broker and one host, as two Helm releases on one Kafka cluster: both
 * read the same frames (two models watching one line) and write their own topics. Each install is told only its name
 * ({@code frameguard.instance}) and its output topics; everything else is the default. Each scores every frame and
 * reports the faults, under its own consumer group, transactional ids and Streams application id. With one name for
 * both (the fixed ids of before), the second install's detector joined the first's Streams group with another
 * topology and never became ready. Install a also logs JSON lines (quarkus.log.console.json.enabled), which parse;
 * install b writes its score records as JSON ({@code frameguard.topics.scores-format}), install a in the default
 * binary layout, and each install's detector reads its own.
 */
class TwoInstallsIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final int SOURCES = 4;
    private static final int STEPS = 30;
    /** A spike in every source at this step. */
    private static final int SPIKE_STEP = 20;

    @Test
    void twoInstallsOnOneClusterEachScoreEveryFrameUnderTheirOwnIds() throws Exception {
        Path app = io.frameguard.testing.PackagedApp.dir();
        Path work = io.frameguard.testing.PackagedApp.freshWorkDir("two-installs-it");
        ModelArtifact model = TestModels.trainSensorModel(work.resolve("model"), 3000, 4, 9);
        // -Dframeguard.it.one-name=true gives both installs one name, as before frameguard.instance: this test fails so
        boolean oneName = Boolean.getBoolean("frameguard.it.one-name");
        List<String> names = oneName ? List.of("frameguard", "frameguard") : List.of("line-a", "line-b");
        try (LocalKafka kafka = LocalKafka.startWithClasspath(System.getProperty("java.class.path"), work.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("frames", 4, (short) 1))).all().get();
            }
            LocalService a = install(app, work, bootstrap, model, names.get(0), "a");
            LocalService b = install(app, work, bootstrap, model, names.get(1), "b");
            try {
                a.awaitReady();
                b.awaitReady();
                int sent = sendFrames(bootstrap);
                for (String prefix : List.of("a", "b")) {
                    try (TopicReader scores = new TopicReader(bootstrap, prefix + ".scores");
                            TopicReader anomalies = new TopicReader(bootstrap, prefix + ".anomalies")) {
                        List<ConsumerRecord<String, byte[]>> scored = scores.readUntil(
                                r -> io.frameguard.testing.ScoreJson.frames(r).size() >= sent, WAIT);
                        Set<String> frames = new HashSet<>();
                        List<com.fasterxml.jackson.databind.JsonNode> frameScores = io.frameguard.testing.ScoreJson.frames(scored);
                        frameScores.forEach(s -> frames.add(frameId(s)));
                        assertThat(scored).as("install %s writes its scores as %s", prefix, prefix.equals("b") ? "JSON" : "binary")
                                .allSatisfy(r -> assertThat(r.value()[0]).isEqualTo(prefix.equals("b") ? (byte) '{'
                                        : io.frameguard.events.ScoreSerde.BINARY_BATCH));
                        assertThat(frames).as("install %s scored every frame once", prefix).hasSize(sent);
                        assertThat(frameScores).hasSize(sent);
                        List<ConsumerRecord<String, byte[]>> events = anomalies.readUntil(r -> sources(r).size() == SOURCES, WAIT);
                        assertThat(sources(events)).as("install %s reports the spike of every source", prefix).hasSize(SOURCES);
                    }
                }
                assertThat(a.isReady()).isTrue();
                assertThat(b.isReady()).isTrue();
                try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                    Set<String> groups = new HashSet<>();
                    admin.listGroups().all().get().forEach(g -> groups.add(g.groupId()));
                    assertThat(groups).contains("line-a-scorer", "line-b-scorer", "line-a-detector", "line-b-detector");
                    Set<String> topics = admin.listTopics().names().get();
                    assertThat(topics).anyMatch(t -> t.startsWith("line-a-detector-")).anyMatch(t -> t.startsWith("line-b-detector-"));
                }
                // install a logs JSON lines (one setting), b plain ones
                List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
                for (String line : Files.readAllLines(work.resolve("service-a.log"))) {
                    if (line.startsWith("{")) {
                        lines.add(JSON.readTree(line));
                    }
                }
                assertThat(lines).as("JSON log lines of install a")
                        .anySatisfy(l -> {
                            assertThat(l.path("loggerName").asText()).isEqualTo("io.frameguard.scoring.ScorerWorker");
                            assertThat(l.path("level").asText()).isEqualTo("INFO");
                            assertThat(l.path("message").asText()).startsWith("scorer 0 assigned");
                            assertThat(l.path("timestamp").asText()).isNotEmpty();
                        });
                assertThat(Files.readString(work.resolve("service-b.log"))).contains("INFO  [io.frameguard.scoring.ScorerWorker]");
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /** One install: its name, its own output topics and state; every id left to its default. */
    private static LocalService install(Path app, Path work, String bootstrap, ModelArtifact model, String instance, String prefix)
            throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap.servers", bootstrap);
        settings.put("frameguard.instance", instance);
        settings.put("frameguard.model.dir", model.dir().toString());
        for (String topic : List.of("scores", "anomalies", "dlq", "drift", "verdicts", "memory", "history")) {
            settings.put("frameguard.topics." + topic, prefix + "." + topic);
        }
        settings.put("frameguard.detector.adapt-rate", "0");
        settings.put("kafka-streams.state.dir", work.resolve("streams-" + prefix).toString());
        settings.put("quarkus.http.port", Integer.toString(LocalKafka.freePort()));
        settings.put("quarkus.log.console.json.enabled", Boolean.toString(prefix.equals("a")));
        if (prefix.equals("b")) {
            settings.put("frameguard.topics.scores-format", "json");
        }
        return LocalService.start(app, settings, LocalKafka.freePort(), work.resolve("service-" + prefix + ".log"));
    }

    private static int sendFrames(String bootstrap) throws Exception {
        SensorSimulator sim = TestModels.simulator();
        int sent = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int t = 0; t < STEPS; t++) {
                for (int s = 0; s < SOURCES; s++) {
                    String source = "machine-" + s;
                    float[] frame = t == SPIKE_STEP ? sim.faulty(source, t, SensorSimulator.Fault.SPIKE, 3, t) : sim.frame(source, t);
                    RecordHeaders headers = new RecordHeaders();
                    headers.add("content-type", "application/x-float32".getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>("frames", null, source, FrameEncoding.float32(frame), headers)).get(30, TimeUnit.SECONDS);
                    sent++;
                }
            }
        }
        return sent;
    }

    private static String frameId(com.fasterxml.jackson.databind.JsonNode score) {
        com.fasterxml.jackson.databind.JsonNode frame = score.get("frame");
        return frame.get("partition").asText() + "/" + frame.get("offset").asText();
    }

    private static Set<String> sources(List<ConsumerRecord<String, byte[]>> events) {
        Set<String> sources = new HashSet<>();
        events.forEach(e -> sources.add(e.key()));
        return sources;
    }
}
