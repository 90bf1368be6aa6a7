package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import io.frameguard.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The plain manifests in k8s/ (kustomize base and GPU overlay) stay equivalent to the Helm chart: {@code kubectl
 * kustomize} of each must give the same objects as the chart's render with default values (release
 * "frameguard"), and with {@code gpu.enabled=true}, apart from Helm's own bookkeeping (the helm.sh/chart and
 * managed-by labels, the config checksum annotation).
 *
 * <p>After changing the chart, regenerate the base with {@code ./mvnw test -Dtest=KubernetesManifestsTest
 * -Dframeguard.k8s.regenerate=true} (the GPU overlay's patches are written by hand).
 */
class KubernetesManifestsTest {

    static final Path K8S = ExternalTool.repo().resolve("k8s");

    private static String chart(boolean gpu) throws Exception {
        var t = new Helm(HelmChartTest.CHART).template().withName("frameguard").withNamespace("frameguard")
                .withKubeVersion("1.30.0");
        return (gpu ? t.set("gpu.enabled", "true") : t).call();
    }

    @Test
    void baseMatchesTheChartsDefaultRender() throws Exception {
        String render = chart(false);
        if (Boolean.getBoolean("frameguard.k8s.regenerate")) {
            regenerateBase(render);
        }
        assertEquivalent(kustomize(K8S.resolve("base")), Manifests.parse(render));
    }

    @Test
    void gpuOverlayMatchesTheChartsGpuRender() throws Exception {
        Manifests overlay = kustomize(K8S.resolve("overlays/gpu"));
        assertEquivalent(overlay, Manifests.parse(chart(true)));
        assertThat(overlay.get("Deployment").toString()).contains("nvidia.com/gpu", "-gpu");
    }

    private static Manifests kustomize(Path dir) throws Exception {
        String kubectl = ExternalTool.require("kubectl", "apt-get install kubernetes-client");
        ExternalTool.Run run = ExternalTool.run(ExternalTool.repo(), 120, kubectl, "kustomize", dir.toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        // kubectl may print warnings before the YAML
        String out = run.output();
        return Manifests.parse(out.substring(Math.max(0, out.indexOf("apiVersion:"))));
    }

    private static void assertEquivalent(Manifests plain, Manifests chart) {
        List<JsonNode> expected = chart.objects().stream().map(KubernetesManifestsTest::withoutHelmBookkeeping)
                .sorted(Comparator.comparing(KubernetesManifestsTest::id)).toList();
        // kustomize sets the namespace, Helm leaves it to the install
        List<JsonNode> actual = plain.objects().stream().map(o -> {
            ObjectNode c = o.deepCopy();
            ((ObjectNode) c.path("metadata")).remove("namespace");
            return (JsonNode) c;
        }).sorted(Comparator.comparing(KubernetesManifestsTest::id)).toList();
        assertThat(actual.stream().map(KubernetesManifestsTest::id)).containsExactlyElementsOf(
                expected.stream().map(KubernetesManifestsTest::id).toList());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i)).as("%s as the chart renders it", id(expected.get(i))).isEqualTo(expected.get(i));
        }
    }

    private static String id(JsonNode o) {
        return o.path("kind").asText() + "/" + o.at("/metadata/name").asText();
    }

    static JsonNode withoutHelmBookkeeping(JsonNode o) {
        ObjectNode copy = o.deepCopy();
        for (String labels : List.of("/metadata/labels", "/spec/template/metadata/labels")) {
            if (copy.at(labels) instanceof ObjectNode l) {
                l.remove("helm.sh/chart");
                l.remove("app.kubernetes.io/managed-by");
            }
        }
        if (copy.at("/spec/template/metadata/annotations") instanceof ObjectNode a) {
            a.remove("checksum/config");
            if (a.isEmpty()) {
                ((ObjectNode) copy.at("/spec/template/metadata")).remove("annotations");
            }
        }
        return copy;
    }

    /** Writes k8s/base: one file per object of the chart's default render, Helm's bookkeeping lines removed. */
    private static void regenerateBase(String render) throws Exception {
        Path base = K8S.resolve("base");
        Files.createDirectories(base);
        List<String> files = new ArrayList<>();
        for (String doc : render.split("(?m)^---\\s*$")) {
            if (!doc.contains("kind:")) {
                continue;
            }
            String kind = doc.replaceAll("(?s).*?\\nkind: (\\w+).*", "$1");
            StringBuilder out = new StringBuilder("# Generated from helm/frameguard with default values (release frameguard);\n"
                    + "# kept equivalent by KubernetesManifestsTest. Change the chart, then regenerate.\n");
            for (String line : doc.strip().split("\n")) {
                if (line.startsWith("# Source:") || line.contains("helm.sh/chart:") || line.contains("app.kubernetes.io/managed-by:")
                        || line.contains("checksum/config:") || line.contains("# Restart the pods when the settings change.")) {
                    continue;
                }
                out.append(line).append('\n');
            }
            String text = out.toString().replaceAll("(?m)^( *)annotations:\\n(\\1labels:)", "$2");
            String file = kind.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT) + ".yaml";
            Files.writeString(base.resolve(file), text);
            files.add(file);
        }
        StringBuilder k = new StringBuilder("""
                # frameguard without Helm: kubectl apply -k k8s/base (or k8s/overlays/gpu for GPU nodes).
                # The same objects as the Helm chart's default install; see docs/DEPLOY.md for the settings.
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                namespace: frameguard
                resources:
                """);
        files.stream().sorted().forEach(f -> k.append("  - ").append(f).append('\n'));
        Files.writeString(base.resolve("kustomization.yaml"), k.toString());
    }
}
