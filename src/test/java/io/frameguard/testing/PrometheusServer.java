package io.frameguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.local.LocalKafka;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A real Prometheus server (Debian's package) scraping local targets every second, for tests. */
public final class PrometheusServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();

    /** @param jobs job name to target ("localhost:PORT") and metrics path */
    public record Job(String name, String target, String metricsPath) {}

    private PrometheusServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static PrometheusServer start(List<Job> jobs) throws IOException, InterruptedException {
        String binary = ExternalTool.require("prometheus", "apt-get install prometheus");
        Path dir = Files.createTempDirectory("prometheus");
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n");
        for (Job j : jobs) {
            config.append("  - job_name: ").append(j.name()).append('\n')
                    .append("    metrics_path: ").append(j.metricsPath()).append('\n')
                    .append("    static_configs:\n      - targets: ['").append(j.target()).append("']\n");
        }
        Files.writeString(dir.resolve("prometheus.yml"), config);
        int port = LocalKafka.freePort();
        Process p = new ProcessBuilder(binary, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        PrometheusServer server = new PrometheusServer(p, port);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                if (server.get("/-/ready").statusCode() == 200) {
                    return server;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline || !p.isAlive()) {
                server.close();
                throw new IOException("Prometheus did not start; see " + dir.resolve("prometheus.log"));
            }
            Thread.sleep(200);
        }
    }

    /** The result vector of an instant query ({@code data.result}). */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IOException("query " + promql + " failed: " + r.body());
        }
        return body.path("data").path("result");
    }

    /** Scrape health of each target, by job. */
    public Map<String, String> targetHealth() throws IOException, InterruptedException {
        JsonNode active = JSON.readTree(get("/api/v1/targets").body()).path("data").path("activeTargets");
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode t : active) {
            out.put(t.path("labels").path("job").asText(), t.path("health").asText());
        }
        return out;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
