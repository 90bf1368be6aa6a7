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

    /**
     * More listeners and settings on top of the plain one (which readiness checks and test setup keep using), for
     * tests of secured clients: {@code listeners} maps a listener name to its security protocol (each gets a free
     * port on 127.0.0.1), {@code properties} are added to server.properties as they are, {@code formatArguments} to
     * {@code StorageTool format} (e.g. {@code --add-scram} for SCRAM users, which KRaft stores in its metadata).
     */
    public record Extras(Map<String, String> listeners, Map<String, String> properties, List<String> formatArguments) {
        public static final Extras NONE = new Extras(Map.of(), Map.of(), List.of());
    }

    private final List<String> command;
    private final Path log;
    private final String bootstrap;
    private final Map<String, String> addresses;
    private Process process;

    private LocalKafka(List<String> command, Path log, String bootstrap, Map<String, String> addresses) {
        this.command = command;
        this.log = log;
        this.bootstrap = bootstrap;
        this.addresses = addresses;
    }

    /** Starts a fresh broker from the jars in {@code libDir} (see src/local-kafka), its data in {@code workDir}. */
    public static LocalKafka start(Path libDir, Path workDir) throws IOException, InterruptedException {
        if (!Files.isDirectory(libDir)) {
            throw new IOException("no Kafka broker jars in " + libDir + " (./mvnw -f src/local-kafka/pom.xml package)");
        }
        return startWithClasspath(libDir.toAbsolutePath() + "/*", workDir);
    }

    /** Starts a fresh broker from a class path that holds Apache Kafka's server (kafka_2.13) and its dependencies. */
    public static LocalKafka startWithClasspath(String cp, Path workDir) throws IOException, InterruptedException {
        return startWithClasspath(cp, workDir, Extras.NONE);
    }

    /** As {@link #startWithClasspath(String, Path)}, with more listeners and settings. */
    public static LocalKafka startWithClasspath(String cp, Path workDir, Extras extras) throws IOException, InterruptedException {
        // A fresh broker every time: a demo's topics and offsets are not worth keeping between runs.
        org.apache.commons.io.FileUtils.deleteDirectory(workDir.toFile());
        Files.createDirectories(workDir);
        int port = freePort();
        int controllerPort = freePort();
        Map<String, String> addresses = new java.util.LinkedHashMap<>();
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
        StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        for (Map.Entry<String, String> l : extras.listeners().entrySet()) {
            addresses.put(l.getKey(), "127.0.0.1:" + freePort());
            listeners.append(',').append(l.getKey()).append("://").append(addresses.get(l.getKey()));
            protocols.append(',').append(l.getKey()).append(':').append(l.getValue());
        }
        Path props = workDir.resolve("server.properties");
        List<String> lines = new ArrayList<>(List.of(
                "node.id=1",
                "process.roles=broker,controller",
                "listeners=" + listeners + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=" + listeners,
                "controller.listener.names=CONTROLLER",
                // the broker talks to itself in plain text; the extra listeners are for clients only
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=" + protocols,
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "log.dirs=" + workDir.resolve("data").toAbsolutePath(),
                // one broker: internal topics get one replica
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.partitions=4"));
        extras.properties().forEach((k, v) -> lines.add(k + "=" + v));
        Files.writeString(props, String.join("\n", lines) + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = workDir.resolve("kafka.log");
        List<String> formatCmd = new ArrayList<>(List.of(java, "-cp", cp, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", props.toString(), "--ignore-formatted"));
        formatCmd.addAll(extras.formatArguments());
        Process format = new ProcessBuilder(formatCmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IOException("formatting Kafka storage failed, see " + log);
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m"));
        cmd.addAll(LocalService.extraJavaOptions("FRAMEGUARD_BROKER_JAVA_OPTS"));
        cmd.addAll(List.of("-cp", cp, "kafka.Kafka", props.toString()));
        LocalKafka kafka = new LocalKafka(List.copyOf(cmd), log, "127.0.0.1:" + port, Map.copyOf(addresses));
        kafka.launch();
        return kafka;
    }

    private void launch() throws IOException, InterruptedException {
        process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitReady();
    }

    /**
     * Stops the broker (SIGTERM: a controlled shutdown, as an operator's restart does) and keeps its data, so that
     * {@link #restart()} brings the same broker back on the same port. For fault tests.
     */
    public void stop() {
        close();
    }

    /** Starts the stopped broker again with its data and port; returns when it answers. */
    public void restart() throws IOException, InterruptedException {
        if (process.isAlive()) {
            throw new IllegalStateException("the broker is running");
        }
        launch();
    }

    private void awaitReady() throws IOException, InterruptedException {
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

    /** The plain-text listener's address. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /** The address of an extra listener ({@link Extras#listeners()}). */
    public String listenerAddress(String name) {
        String address = addresses.get(name);
        if (address == null) {
            throw new IllegalArgumentException("no listener " + name + "; this broker has " + addresses.keySet());
        }
        return address;
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

    /** A port nothing listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
