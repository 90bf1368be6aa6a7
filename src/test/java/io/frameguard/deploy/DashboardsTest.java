package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.testing.Dashboards;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboards are importable as shipped: a Prometheus datasource variable every panel uses, unique
 * uids and panel ids, panels that do not overlap. That every panel's query returns data from a real Prometheus
 * scraping the running service and trainer is checked in {@code RetrainingIntegrationTest}.
 */
class DashboardsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void dashboardsAreWellFormed() throws Exception {
        Set<String> uids = new HashSet<>();
        assertThat(Dashboards.files()).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("frameguard-operator.json", "frameguard-model.json");
        for (Path f : Dashboards.files()) {
            JsonNode d = JSON.readTree(f.toFile());
            assertThat(uids.add(d.path("uid").asText())).as("unique uid in %s", f).isTrue();
            assertThat(d.path("title").asText()).startsWith("frameguard / ");
            assertThat(d.at("/templating/list/0/type").asText()).isEqualTo("datasource");
            assertThat(d.at("/templating/list/0/query").asText()).isEqualTo("prometheus");
            Set<Integer> ids = new HashSet<>();
            Set<String> cells = new HashSet<>();
            for (JsonNode p : d.path("panels")) {
                assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s in %s", p.path("id"), f).isTrue();
                assertThat(p.at("/datasource/uid").asText()).isEqualTo("${datasource}");
                assertThat(p.path("targets").size()).as("queries of %s", p.path("title")).isPositive();
                assertThat(p.path("description").asText()).as("description of %s", p.path("title")).isNotBlank();
                JsonNode g = p.path("gridPos");
                for (int x = g.path("x").asInt(); x < g.path("x").asInt() + g.path("w").asInt(); x++) {
                    for (int y = g.path("y").asInt(); y < g.path("y").asInt() + g.path("h").asInt(); y++) {
                        assertThat(cells.add(x + "," + y)).as("%s overlaps another panel in %s", p.path("title"), f).isTrue();
                    }
                }
                for (JsonNode t : p.path("targets")) {
                    String expr = t.path("expr").asText();
                    assertThat(expr).isNotBlank();
                    // each metric of one install (namespace) only: several installs scraped by one Prometheus add up otherwise
                    java.util.regex.Matcher metric = java.util.regex.Pattern.compile("\\b(?:frameguard|kafka_consumer)_\\w+(\\{[^}]*})?")
                            .matcher(expr);
                    while (metric.find()) {
                        assertThat(metric.group(1)).as("%s in %s", metric.group(), p.path("title")).contains("namespace=~\"$namespace\"");
                    }
                }
                // a panel per source leads to that source's feed in the operator console
                if (p.path("targets").findValuesAsText("expr").stream().anyMatch(e -> e.contains("by (source"))) {
                    assertThat(p.at("/fieldConfig/defaults/links").findValuesAsText("url")).as("console link of %s", p.path("title"))
                            .containsExactly("${console}/console/#/feed?source=${__field.labels.source:percentencode}");
                }
            }
            JsonNode console = null;
            JsonNode namespace = null;
            for (JsonNode v : d.at("/templating/list")) {
                console = "console".equals(v.path("name").asText()) ? v : console;
                namespace = "namespace".equals(v.path("name").asText()) ? v : namespace;
            }
            assertThat(namespace).as("the namespace variable of %s", f).isNotNull();
            assertThat(namespace.path("includeAll").asBoolean()).as("plain Prometheus: series without a namespace").isTrue();
            assertThat(console).as("the console URL variable of %s", f).isNotNull();
            assertThat(console.path("type").asText()).isEqualTo("textbox");
            assertThat(d.path("links").findValuesAsText("url")).anyMatch(u -> u.startsWith("${console}/console/"));
        }
    }
}
