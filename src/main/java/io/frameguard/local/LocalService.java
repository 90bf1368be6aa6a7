package io.frameguard.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The packaged service (target/quarkus-app) as a child process, for the demo and the end-to-end benchmarks. */
public final class LocalService implements AutoCloseable {

    private static final long READY_TIMEOUT_SECONDS = 120;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Process process;
    private final Path log;
    private final int managementPort;

    private LocalService(Process process, Path log, int managementPort) {
        this.process = process;
        this.log = log;
        this.managementPort = managementPort;
    }

    /**
     * Starts {@code app/quarkus-run.jar} with {@code settings} as system properties (kafka.bootstrap.servers,
     * frameguard.*, quarkus.*), secrets among them as environment variables ({@link #SECRET}), logging to {@code log}; on
     * a random HTTP port unless the settings name one.
     */
    public static LocalService start(Path app, Map<String, String> settings, int managementPort, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java,
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir",
                        Path.of(System.getProperty("user.home"), ".cache", "frameguard-javacpp").toString()),
                "-Dquarkus.management.port=" + managementPort));
        cmd.addAll(extraJavaOptions("FRAMEGUARD_SERVICE_JAVA_OPTS"));
        if (!settings.containsKey("quarkus.http.port")) {
            cmd.add("-Dquarkus.http.port=0"); // a random port: services started side by side must not collide
        }
        Map<String, String> secrets = new java.util.HashMap<>();
        settings.forEach((k, v) -> {
            if (SECRET.matcher(k).find()) {
                secrets.put(environmentName(k), v);
            } else {
                cmd.add("-D" + k + "=" + v);
            }
        });
        cmd.addAll(List.of("-jar", app.resolve("quarkus-run.jar").toString()));
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(secrets);
        Process p = builder.start();
        return new LocalService(p, log, managementPort);
    }

    /**
     * Settings that are secrets (the API's tokens, passwords, a JAAS line): passed in the child's environment, which
     * other users of the machine cannot read, not on its command line, which {@code ps} shows them.
     */
    private static final java.util.regex.Pattern SECRET = java.util.regex.Pattern.compile("(?i)token|password|jaas");

    /** A setting's name as an environment variable, as MicroProfile Config reads it back: FRAMEGUARD_API_ADMIN_TOKEN. */
    static String environmentName(String setting) {
        return setting.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * JVM options for a child process from an environment variable, split on spaces (e.g. a profiler agent while
     * profiling a benchmark); none when it is unset.
     */
    static List<String> extraJavaOptions(String variable) {
        String extra = System.getenv(variable);
        return extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    }

    /** Waits until /q/health/ready answers 200; fails when the process exits or two minutes pass. */
    public void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            requireAlive();
            if (isReady()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new IOException("the service did not become ready in " + READY_TIMEOUT_SECONDS + " s, see " + log);
    }

    /** One readiness probe: true when /q/health/ready answers 200 within 5 s. */
    public boolean isReady() throws InterruptedException {
        HttpRequest probe = HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            return HTTP.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening (yet), or too slow to answer
        }
    }

    /** The lines of the service's /q/metrics page (Prometheus text format). */
    public List<String> metrics() throws IOException, InterruptedException {
        HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://localhost:" + managementPort + "/q/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<Stream<String>> r = HTTP.send(scrape, HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) {
            throw new IOException("/q/metrics answered " + r.statusCode());
        }
        return r.body().toList();
    }

    /**
     * The sum of the samples of a Prometheus metric on the service's /q/metrics whose labels contain
     * {@code labelsContain} (all of them for ""), 0 when there are none: for counters such as the Kafka clients'
     * total times.
     */
    public double metricSum(String name, String labelsContain) throws IOException, InterruptedException {
        return metricSum(metrics(), name, labelsContain);
    }

    /** {@link #metricSum(String, String)} over lines already scraped ({@link #metrics}): several figures from one scrape. */
    public static double metricSum(List<String> metrics, String name, String labelsContain) {
        return metrics.stream().filter(l -> l.startsWith(name) && l.length() > name.length()
                        && (l.charAt(name.length()) == '{' || l.charAt(name.length()) == ' ') && l.contains(labelsContain))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** SIGKILL, as the kernel's OOM killer or a node failure does: no shutdown hook runs. For fault tests. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** Fails when the service process has exited (e.g. crashed while a caller waits for its output). */
    public void requireAlive() throws IOException {
        if (!process.isAlive()) {
            throw new IOException("the service exited with status " + process.exitValue() + ", see " + log);
        }
    }

    /** SIGTERM, as Kubernetes stops a pod: the service's shutdown runs; {@link #awaitExit} says when it ended. */
    public void terminate() {
        process.destroy();
    }

    /** Waits for the service to exit by itself (e.g. a start refused by its settings); its exit status. */
    public int awaitExit(Duration timeout) throws IOException, InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("the service did not exit within " + timeout + ", see " + log);
        }
        return process.exitValue();
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
