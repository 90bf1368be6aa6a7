package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.cli.FrameguardCli;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.model.ModelArtifact;
import io.frameguard.testing.ExternalTool;
import io.frameguard.testing.RecordSchemas;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The producer examples of docs/PRODUCERS.md (examples/producers/) run as a user runs them, against the demo's broker
 * (a Kafka process from the Maven Central jars) and the packaged service: kcat with JSON frames and with float32 frames
 * and headers, the plain Java client, Python's confluent-kafka (Debian's python3-confluent-kafka), each also reading the
 * anomalies back; and a directory of PNGs for an image model. Every frame sent is scored; each example prints the
 * anomalies of the faults it sent.
 */
class ProducerExamplesIT {

    private static final Path EXAMPLES = ExternalTool.repo().resolve("examples/producers");
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** How long each example reads anomalies after sending. */
    private static final String READ_SECONDS = "15";
    private static final int NORMAL = 30;
    private static final int[] SPIKES_AT = {10, 20, 28};

    @Test
    void everyExampleSendsFramesAndReadsTheirAnomalies() throws Exception {
        String kcat = ExternalTool.require("kcat", "apt-get install kcat");
        Path python = Path.of("/usr/bin/python3");
        assertThat(ExternalTool.run(ExternalTool.repo(), 30, python.toString(), "-c", "import confluent_kafka").exitCode())
                .as("Debian's python3-confluent-kafka (.ci/run installs it)").isZero();
        Path app = io.frameguard.testing.PackagedApp.dir();
        Path work = io.frameguard.testing.PackagedApp.freshWorkDir("producer-examples-it");
        try (LocalKafka kafka = LocalKafka.startWithClasspath(System.getProperty("java.class.path"), work.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("frames", 4, (short) 1))).all().get();
            }
            ModelArtifact sensor = TestModels.trainSensorModel(work.resolve("sensor-model"), 3000, 4, 9);
            Map<String, Integer> sent = new HashMap<>();
            try (LocalService service = service(app, work, bootstrap, sensor.dir(), "sensor")) {
                service.awaitReady();
                Map<String, List<String>> examples = new java.util.LinkedHashMap<>();
                examples.put("kcat-json", List.of("bash", EXAMPLES.resolve("kcat-json.sh").toString()));
                examples.put("kcat-float32", List.of("bash", EXAMPLES.resolve("kcat-float32.sh").toString()));
                examples.put("java", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), EXAMPLES.resolve("java/SendFrames.java").toString()));
                examples.put("python", List.of(python.toString(), EXAMPLES.resolve("send_frames.py").toString()));
                for (Map.Entry<String, List<String>> example : examples.entrySet()) {
                    String source = example.getKey() + "-line";
                    Path csv = work.resolve(source + ".csv");
                    Files.writeString(csv, frames(source));
                    List<String> cmd = new ArrayList<>(example.getValue());
                    cmd.addAll(List.of(bootstrap, source, csv.toString(), READ_SECONDS));
                    ExternalTool.Run run = ExternalTool.run(work, 180, cmd.toArray(String[]::new));
                    assertThat(run.exitCode()).as("%s: %s", example.getKey(), run.output()).isZero();
                    assertThat(run.output()).as(example.getKey()).contains("sent " + (NORMAL + SPIKES_AT.length));
                    long reported = run.output().lines().filter(l -> l.startsWith("ANOMALY") && l.contains(source)).count();
                    assertThat(reported).as("%s reads back the anomalies of its spikes: %s", example.getKey(), run.output())
                            .isGreaterThanOrEqualTo(2);
                    sent.put(source, NORMAL + SPIKES_AT.length);
                }
                assertEveryFrameScored(bootstrap, sent);
            }

            // a camera: a directory of PNGs for an image model
            Path pngs = Files.createDirectories(work.resolve("camera-pngs"));
            Path training = Files.createDirectories(work.resolve("camera-training"));
            Random random = new Random(3);
            for (int i = 0; i < 300; i++) {
                ImageIO.write(bar(random, false), "png", training.resolve(String.format(Locale.ROOT, "frame-%04d.png", i)).toFile());
            }
            for (int i = 0; i < 13; i++) { // the last three: the bar on the wrong side
                ImageIO.write(bar(random, i >= 10), "png", pngs.resolve(String.format(Locale.ROOT, "shot-%02d.png", i)).toFile());
            }
            // and a camera that writes JPEGs
            BufferedImage jpeg = new BufferedImage(16, 12, BufferedImage.TYPE_INT_RGB);
            jpeg.getGraphics().drawImage(bar(random, false), 0, 0, null);
            assertThat(ImageIO.write(jpeg, "jpg", pngs.resolve("shot-13.jpg").toFile())).isTrue();
            Path imageModel = work.resolve("image-model");
            assertThat(FrameguardCli.run("train", "--data", training.toString(), "--format", "png-dir", "--out", imageModel.toString(),
                    "--epochs", "5", "--architecture", "conv", "--version", "camera-1")).isZero();
            try (LocalService service = service(app, work, bootstrap, imageModel, "camera")) {
                service.awaitReady();
                ExternalTool.Run run = ExternalTool.run(work, 180, "bash", EXAMPLES.resolve("send-pngs.sh").toString(), bootstrap,
                        "camera-7", pngs.toString(), READ_SECONDS);
                assertThat(run.exitCode()).as(run.output()).isZero();
                assertThat(run.output()).contains("sent 13 PNG and 1 JPEG frames of camera-7");
                assertThat(run.output().lines().filter(l -> l.startsWith("ANOMALY camera-7")).count())
                        .as("the wrong-side bars reported: %s", run.output()).isGreaterThanOrEqualTo(2);
                assertEveryFrameScored(bootstrap, Map.of("camera-7", 14));
            }
        }
        assertThat(kcat).isNotNull();
    }

    private static LocalService service(Path app, Path work, String bootstrap, Path model, String name) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap.servers", bootstrap);
        settings.put("frameguard.model.dir", model.toString());
        settings.put("frameguard.detector.adapt-rate", "0");
        settings.put("frameguard.instance", name); // each model its own install: its own groups and state
        settings.put("frameguard.topics.scores", name + ".scores");
        settings.put("kafka-streams.state.dir", work.resolve("streams-" + name).toString());
        settings.put("quarkus.http.port", Integer.toString(LocalKafka.freePort()));
        return LocalService.start(app, settings, LocalKafka.freePort(), work.resolve("service-" + name + ".log"));
    }

    /** CSV of a source's frames (a header, then one frame a line): normal, with spikes on channel 3. */
    private static String frames(String source) {
        SensorSimulator sim = TestModels.simulator();
        StringBuilder csv = new StringBuilder();
        for (int c = 0; c < TestModels.DIM; c++) {
            csv.append(c == 0 ? "" : ",").append("ch").append(c);
        }
        csv.append('\n');
        int frames = NORMAL + SPIKES_AT.length;
        for (int t = 0; t < frames; t++) {
            final int step = t;
            float[] frame = java.util.Arrays.stream(SPIKES_AT).anyMatch(s -> s == step)
                    ? sim.faulty(source, t, SensorSimulator.Fault.SPIKE, 3, t) : sim.frame(source, t);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < frame.length; i++) {
                line.append(i == 0 ? "" : ",").append(frame[i]);
            }
            csv.append(line).append('\n');
        }
        return csv.toString();
    }

    /** A 16x12 gray image: a bright bar on the left (normal) or on the right. */
    private static BufferedImage bar(Random random, boolean wrongSide) {
        BufferedImage img = new BufferedImage(16, 12, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 12; y++) {
            for (int x = 0; x < 16; x++) {
                boolean bright = wrongSide ? x >= 12 : x < 4;
                img.getRaster().setSample(x, y, 0, (bright ? 200 : 40) + random.nextInt(20));
            }
        }
        return img;
    }

    /** Every frame each source sent has exactly one score, and each score record is valid against its schema. */
    private static void assertEveryFrameScored(String bootstrap, Map<String, Integer> expected) throws Exception {
        String topic = expected.containsKey("camera-7") ? "camera.scores" : "sensor.scores";
        int total = expected.values().stream().mapToInt(Integer::intValue).sum();
        try (TopicReader scores = new TopicReader(bootstrap, topic)) {
            scores.readUntil(r -> io.frameguard.testing.ScoreJson.frames(r).size() >= total, WAIT);
            List<ConsumerRecord<String, byte[]>> records = scores.drain(Duration.ofSeconds(2));
            records.forEach(r -> RecordSchemas.assertValid("score", r.value()));
            Map<String, Integer> bySource = records.stream().collect(Collectors.toMap(ConsumerRecord::key,
                    r -> io.frameguard.testing.ScoreJson.frames(r.value()).size(), Integer::sum));
            assertThat(bySource).isEqualTo(expected);
        }
    }
}
