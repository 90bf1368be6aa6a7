package io.frameguard.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The shipped Grafana dashboards (grafana-dashboards/*.json) and the PromQL of every panel. */
public final class Dashboards {

    public static final Path DIR = ExternalTool.repo().resolve("grafana-dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One panel query: where it is and its PromQL with Grafana's variables set as a person viewing "All" would. */
    public record PanelQuery(String dashboard, String panel, String expr) {}

    private Dashboards() {}

    public static List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    public static List<PanelQuery> queries() throws IOException {
        List<PanelQuery> out = new ArrayList<>();
        for (Path f : files()) {
            JsonNode d = JSON.readTree(f.toFile());
            for (JsonNode panel : d.path("panels")) {
                for (JsonNode t : panel.path("targets")) {
                    out.add(new PanelQuery(d.path("title").asText(), panel.path("title").asText(), resolve(t.path("expr").asText())));
                }
            }
        }
        return out;
    }

    /** Grafana's variables: every namespace, every source, and a 5-minute rate window (a test's whole run fits in it). */
    public static String resolve(String expr) {
        return expr.replace("$__rate_interval", "5m").replace("$namespace", ".*").replace("$source", ".*");
    }
}
