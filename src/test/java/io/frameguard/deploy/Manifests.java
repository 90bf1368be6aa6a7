package io.frameguard.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Kubernetes objects from a multi-document YAML stream (a rendered chart, a kustomize build). */
record Manifests(List<JsonNode> objects) {

    private static final YAMLMapper YAML = new YAMLMapper();

    static Manifests parse(String yaml) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isEmpty()) {
                    out.add(n);
                }
            }
        }
        return new Manifests(out);
    }

    List<String> kinds() {
        return objects.stream().map(o -> o.path("kind").asText()).sorted().toList();
    }

    Optional<JsonNode> find(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).findFirst();
    }

    JsonNode get(String kind) {
        return find(kind).orElseThrow(() -> new AssertionError("no " + kind + " in " + kinds()));
    }

    List<JsonNode> all(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    /** The container of that name in a pod template, a Deployment's or a CronJob's. */
    static JsonNode container(JsonNode podSpec, String name) {
        for (JsonNode c : podSpec.path("containers")) {
            if (name.equals(c.path("name").asText())) {
                return c;
            }
        }
        throw new AssertionError("no container " + name + " in " + podSpec.path("containers"));
    }

    /** A container's env var value (literal or reference, as text). */
    static String env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e.has("value") ? e.path("value").asText() : e.path("valueFrom").toString();
            }
        }
        return null;
    }
}
