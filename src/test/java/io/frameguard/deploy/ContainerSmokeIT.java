package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelRegistry;
import io.frameguard.testing.ExternalTool;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Builds the CPU image (docker/Dockerfile) with podman on a Debian base made here (debootstrap + a JRE, imported
 * as a local image: nothing is pulled), runs it as the chart does (non-root, read-only root file system, /tmp as
 * the only writable place) against a real broker on this machine with host networking, and checks that it
 * becomes ready from the Kafka model registry alone and scores a frame.
 *
 * <p>Needs root, podman and debootstrap (.ci/run installs them); skipped elsewhere, failed under CI.
 */
class ContainerSmokeIT {

    private static final String BASE = "localhost/frameguard-base:bookworm";
    private static final String IMAGE = "localhost/frameguard:smoke";

    @Test
    void imageBuildsStartsReadOnlyAndScoresAFrame() throws Exception {
        String podman = ExternalTool.require("podman", "apt-get install podman debootstrap");
        Path repo = ExternalTool.repo();
        assertThat(repo.resolve("target/quarkus-app/quarkus-run.jar")).as("packaged app (mvn package)").exists();
        Path conf = Files.createTempFile("containers", ".conf");
        // runc, and ulimits this sandboxed machine allows (podman's defaults exceed them)
        Files.writeString(conf, "[containers]\ndefault_ulimits = [\"nofile=20000:20000\", \"nproc=32768:32768\"]\n"
                + "[engine]\nruntime = \"runc\"\n");
        Map<String, String> env = Map.of("CONTAINERS_CONF", conf.toString());

        if (run(env, 60, podman, "image", "exists", BASE).exitCode() != 0) {
            makeBase(podman, env);
        }
        ExternalTool.Run build = run(env, 600, podman, "build", "--pull=never", "--format", "docker", "-f", "docker/Dockerfile",
                "--build-arg", "BASE_IMAGE=" + BASE, "-t", IMAGE, ".");
        assertThat(build.exitCode()).as(build.output()).isZero();
        // the image carries the licence and the licences of everything it ships (checked at build)
        ExternalTool.Run licences = run(env, 60, podman, "run", "--rm", "--entrypoint", "cat", IMAGE,
                "/opt/frameguard/LICENSE", "/opt/frameguard/app/THIRD-PARTY.txt");
        assertThat(licences.exitCode()).as(licences.output()).isZero();
        assertThat(licences.output()).contains("Apache License", "Version 2.0, January 2004")
                .contains("(Apache-2.0) Apache Kafka (org.apache.kafka:kafka-clients:");

        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            ModelArtifact model = TestModels.trainSensorModel(Files.createTempDirectory("smoke-model"), 2000, 2, 42);
            try (ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC)) {
                registry.ensureTopic(java.util.Optional.of((short) 1));
                registry.publish(model);
                registry.activate("test", model.card().version(), "smoke test");
            }
            int http = LocalKafka.freePort();
            int management = LocalKafka.freePort();
            String name = "frameguard-smoke-" + UUID.randomUUID().toString().substring(0, 8);
            ExternalTool.Run started = run(env, 120, podman, "run", "-d", "--name", name, "--network", "host",
                    "--read-only", "--tmpfs", "/tmp:rw,size=2g", "--user", "10001",
                    "-e", "KAFKA_BOOTSTRAP_SERVERS=" + bootstrap,
                    "-e", "FRAMEGUARD_REGISTRY_ENABLED=true", "-e", "FRAMEGUARD_REGISTRY_MODEL_NAME=test",
                    "-e", "FRAMEGUARD_TOPICS_PARTITIONS=1", "-e", "QUARKUS_HTTP_PORT=" + http,
                    "-e", "QUARKUS_MANAGEMENT_PORT=" + management, IMAGE);
            assertThat(started.exitCode()).as(started.output()).isZero();
            try {
                HttpClient client = HttpClient.newHttpClient();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() ->
                        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/q/health/ready")).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
                ExternalTool.Run health = run(env, 60, podman, "healthcheck", "run", name);
                assertThat(health.exitCode()).as("the image's HEALTHCHECK: %s", health.output()).isZero();

                try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                        new StringSerializer(), new ByteArraySerializer())) {
                    RecordHeaders h = new RecordHeaders();
                    h.add("content-type", "application/x-float32".getBytes(StandardCharsets.UTF_8));
                    producer.send(new ProducerRecord<>("frames", null, "smoke-1",
                            FrameEncoding.float32(TestModels.simulator().frame("smoke-1", 1)), h)).get();
                }
                JsonNode score = readOne(bootstrap, "scores");
                assertThat(score.get("source").asText()).isEqualTo("smoke-1");
                assertThat(score.get("modelVersion").asText()).isEqualTo(model.card().version());
            } finally {
                ExternalTool.Run logs = run(env, 60, podman, "logs", name);
                System.out.println(logs.output());
                run(env, 60, podman, "rm", "-f", name);
            }
        }
    }

    private static void makeBase(String podman, Map<String, String> env) throws Exception {
        String debootstrap = ExternalTool.require("debootstrap", "apt-get install debootstrap");
        Path root = Files.createTempDirectory("frameguard-base");
        ExternalTool.Run boot = run(env, 900, debootstrap, "--variant=minbase", "--include=openjdk-17-jre-headless",
                "bookworm", root.toString(), "http://deb.debian.org/debian");
        assertThat(boot.exitCode()).as(boot.output()).isZero();
        ExternalTool.Run imported = run(env, 600, "bash", "-c", "tar -C " + root + " -c . | " + podman + " import - " + BASE);
        assertThat(imported.exitCode()).as(imported.output()).isZero();
        run(env, 300, "rm", "-rf", root.toString());
    }

    /** The first score record on {@code topic}, as JSON. */
    private static JsonNode readOne(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.GROUP_ID_CONFIG, "smoke-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    return io.frameguard.testing.ScoreJson.frames(r.value()).get(0);
                }
            }
        }
        throw new AssertionError("no record on " + topic + " within 60 s");
    }

    private static ExternalTool.Run run(Map<String, String> env, long timeoutSeconds, String... command) throws Exception {
        return ExternalTool.run(ExternalTool.repo(), timeoutSeconds, env, command);
    }
}
