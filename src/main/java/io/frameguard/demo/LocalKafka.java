package io.frameguard.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Apache Kafka (KRaft, combined broker and controller) run as a separate process from the
 * Maven Central jars in {@code target/local-kafka/lib}: {@code StorageTool format}, then {@code kafka.Kafka}.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final String bootstrap;

    private LocalKafka(Process process, String bootstrap) {
        this.process = process;
        this.bootstrap = bootstrap;
    }

    public static LocalKafka start(Path libDir, Path workDir) throws IOException, InterruptedException {
        if (!Files.isDirectory(libDir)) {
            throw new IOException("no Kafka broker jars in " + libDir + " (./mvnw -f src/local-kafka/pom.xml package)");
        }
        // A fresh broker every time: a demo's topics and offsets are not worth keeping between runs.
        deleteRecursively(workDir);
        Files.createDirectories(workDir);
        int port = freePort();
        int controllerPort = freePort();
        Path props = workDir.resolve("server.properties");
        Files.writeString(props, String.join("\n", List.of(
                "node.id=1",
                "process.roles=broker,controller",
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "log.dirs=" + workDir.resolve("data").toAbsolutePath(),
                // one broker: internal topics get one replica
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.partitions=4")) + "\n");
        String cp = libDir.toAbsolutePath() + "/*";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = workDir.resolve("kafka.log");
        Process format = new ProcessBuilder(java, "-cp", cp, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", props.toString(), "--ignore-formatted")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IOException("formatting Kafka storage failed, see " + log);
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m"));
        cmd.addAll(LocalService.extraJavaOptions("FRAMEGUARD_BROKER_JAVA_OPTS"));
        cmd.addAll(List.of("-cp", cp, "kafka.Kafka", props.toString()));
        Process broker = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        LocalKafka kafka = new LocalKafka(broker, "127.0.0.1:" + port);
        kafka.awaitReady(log);
        return kafka;
    }

    private void awaitReady(Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("Kafka exited with status " + process.exitValue() + ", see " + log);
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000))) {
                if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                Thread.sleep(500);
            }
        }
        close();
        throw new IOException("Kafka did not become ready in " + START_TIMEOUT + ", see " + log);
    }

    /** The broker process (to read its CPU and memory in benchmarks). */
    public long pid() {
        return process.pid();
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A port nothing listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
