package io.frameguard.local;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Apache Kafka (KRaft, combined broker and controller) run as a separate process from the
 * Maven Central jars in {@code target/local-kafka/lib}: {@code StorageTool format}, then {@code kafka.Kafka}. One
 * plain-text listener on 127.0.0.1; a subclass may add listeners, server properties and format arguments (a
 * secured broker for tests of secured clients).
 */
public class LocalKafka implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private List<String> command;
    private Path log;
    private String bootstrap;
    private Map<String, String> addresses;
    private Process process;

    /** Configure, then {@link #startFresh}. */
    protected LocalKafka() {
    }

    /** Listeners beyond the plain one: name to security protocol; each gets a free port on 127.0.0.1. */
    protected Map<String, String> extraListeners() {
        return Map.of();
    }

    /** The broker's settings file, written at the top of its directory. */
    private static final String PROPERTIES = "server.properties";

    /** Lines added to server.properties as they are. */
    protected Map<String, String> extraProperties() {
        return Map.of();
    }

    /** Arguments added to {@code StorageTool format} (e.g. {@code --add-scram}: KRaft keeps SCRAM users in its metadata). */
    protected List<String> extraFormatArguments() {
        return List.of();
    }

    /** Starts a fresh broker from the jars in {@code libDir} (see src/local-kafka), its data in {@code workDir}. */
    public static LocalKafka start(Path libDir, Path workDir) throws IOException, InterruptedException {
        return start(libDir, workDir, 0);
    }

    /** {@link #start(Path, Path)} with its plain-text listener on {@code port} (0: any free port). */
    public static LocalKafka start(Path libDir, Path workDir, int port) throws IOException, InterruptedException {
        if (!Files.isDirectory(libDir)) {
            throw new IOException("no Kafka broker jars in " + libDir + " (./mvnw -f src/local-kafka/pom.xml package)");
        }
        return new LocalKafka().startFresh(libDir.toAbsolutePath() + "/*", workDir, port);
    }

    /** Starts a fresh broker from a class path that holds Apache Kafka's server (kafka_2.13) and its dependencies. */
    public static LocalKafka startWithClasspath(String cp, Path workDir) throws IOException, InterruptedException {
        return new LocalKafka().startFresh(cp, workDir);
    }

    /** Formats a fresh broker in {@code workDir} and starts it; returns when it answers. */
    protected final LocalKafka startFresh(String cp, Path workDir) throws IOException, InterruptedException {
        return startFresh(cp, workDir, 0);
    }

    /** {@link #startFresh(String, Path)} with the plain-text listener on {@code port} (0: any free port). */
    private LocalKafka startFresh(String cp, Path workDir, int listenerPort) throws IOException, InterruptedException {
        // A fresh broker every time: a demo's topics and offsets are not worth keeping between runs. Only a directory a
        // local broker wrote (its server.properties at the top) is deleted: a mistyped one is refused, not wiped.
        if (Files.isDirectory(workDir) && !Files.exists(workDir.resolve(PROPERTIES))) {
            try (Stream<Path> files = Files.list(workDir)) {
                if (files.findAny().isPresent()) {
                    throw new IOException(workDir + " holds files a local broker did not write: choose another directory");
                }
            }
        }
        int port = listenerPort == 0 ? freePort() : requireFree(listenerPort);
        org.apache.commons.io.FileUtils.deleteDirectory(workDir.toFile());
        Files.createDirectories(workDir);
        int controllerPort = freePort();
        Map<String, String> addresses = new java.util.LinkedHashMap<>();
        StringBuilder listeners = new StringBuilder("PLAINTEXT://127.0.0.1:" + port);
        StringBuilder protocols = new StringBuilder("PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        for (Map.Entry<String, String> l : extraListeners().entrySet()) {
            addresses.put(l.getKey(), "127.0.0.1:" + freePort());
            listeners.append(',').append(l.getKey()).append("://").append(addresses.get(l.getKey()));
            protocols.append(',').append(l.getKey()).append(':').append(l.getValue());
        }
        Path props = workDir.resolve(PROPERTIES);
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
        extraProperties().forEach((k, v) -> lines.add(k + "=" + v));
        Files.writeString(props, String.join("\n", lines) + "\n");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = workDir.resolve("kafka.log");
        List<String> formatCmd = new ArrayList<>(List.of(java, "-cp", cp, "kafka.tools.StorageTool", "format",
                "-t", Uuid.randomUuid().toString(), "-c", props.toString(), "--ignore-formatted"));
        formatCmd.addAll(extraFormatArguments());
        Process format = new ProcessBuilder(formatCmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
            throw new IOException("formatting Kafka storage failed, see " + log);
        }
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m"));
        cmd.addAll(LocalService.extraJavaOptions("FRAMEGUARD_BROKER_JAVA_OPTS"));
        cmd.addAll(List.of("-cp", cp, "kafka.Kafka", props.toString()));
        this.command = List.copyOf(cmd);
        this.log = log;
        this.bootstrap = "127.0.0.1:" + port;
        this.addresses = Map.copyOf(addresses);
        launch();
        return this;
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

    /** The address of an extra listener ({@link #extraListeners()}). */
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

    /** A port asked for: nothing may listen there yet, or the broker answering would be another one. */
    private static int requireFree(int port) throws IOException {
        try (ServerSocket s = new ServerSocket(port, 0, java.net.InetAddress.getLoopbackAddress())) {
            return port;
        } catch (IOException e) {
            throw new PortInUseException(port, e);
        }
    }

    /** The port asked for is taken: the user's to choose another. */
    public static final class PortInUseException extends IOException {
        PortInUseException(int port, IOException cause) {
            super("port " + port + " is in use (another Kafka broker?): choose another", cause);
        }
    }

    /** Waits until the broker process ends (stopped, or failed: see {@link #log()}); its exit status. */
    public int awaitExit() throws InterruptedException {
        return process.waitFor();
    }

    /** The broker's log file. */
    public Path log() {
        return log;
    }

    /** A port nothing listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
