package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.frameguard.testing.Dashboards;
import io.frameguard.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart, linted and rendered by Helm itself (helm-java embeds it): strict lint, schema validation, and
 * the rendered objects of the default, GPU, KEDA, CronJob and fully monitored installs.
 */
class HelmChartTest {

    static final Path CHART = ExternalTool.repo().resolve("helm/frameguard");
    private static final YAMLMapper YAML = new YAMLMapper();

    static Manifests render(UnaryOperator<com.marcnuri.helm.TemplateCommand> values) throws Exception {
        return render("fg", values);
    }

    static Manifests render(String release, UnaryOperator<com.marcnuri.helm.TemplateCommand> values) throws Exception {
        return Manifests.parse(values.apply(new Helm(CHART).template().withName(release).withNamespace("plant").withKubeVersion("1.30.0")).call());
    }

    private static com.marcnuri.helm.TemplateCommand everything(com.marcnuri.helm.TemplateCommand t) {
        return t.set("serviceMonitor.enabled", "true").set("prometheusRule.enabled", "true")
                .set("grafanaDashboards.enabled", "true").set("keda.enabled", "true").set("gpu.enabled", "true")
                .set("api.adminTokenSecret", "fg-api").set("api.readTokenSecret", "fg-api-read").set("kafka.existingSecret", "fg-kafka")
                .set("kafka.securityProtocol", "SASL_SSL").set("kafka.saslMechanism", "SCRAM-SHA-512")
                .set("kafka.tls.existingSecret", "fg-kafka-tls").set("kafka.tls.clientAuth", "true")
                .set("keda.authentication.existingSecret", "fg-keda").set("networkPolicy.enabled", "true");
    }

    @Test
    void lintsStrictly() throws Exception {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        // helm-java's lint takes no values: the optional features are rendered (and schema-checked) below
        assertThat(render(HelmChartTest::everything).kinds()).contains("PrometheusRule", "ServiceMonitor", "ScaledObject");
    }

    @Test
    void defaultInstallIsAHardenedDeploymentWithTheTrainerSidecar() throws Exception {
        Manifests m = render(t -> t);
        // (helm template leaves out the chart's test hook, templates/tests/)
        assertThat(m.kinds()).containsExactly("ConfigMap", "Deployment", "PodDisruptionBudget", "Service", "ServiceAccount");

        JsonNode deployment = m.get("Deployment");
        assertThat(deployment.at("/metadata/name").asText()).isEqualTo("fg-frameguard");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        JsonNode pod = deployment.at("/spec/template/spec");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/automountServiceAccountToken").asBoolean()).isFalse();
        assertThat(pod.at("/enableServiceLinks").isBoolean() && !pod.at("/enableServiceLinks").asBoolean())
                .as("no KAFKA_PORT from a Service named kafka").isTrue();

        JsonNode scorer = Manifests.container(pod, "frameguard");
        assertThat(scorer.at("/image").asText()).isEqualTo("ghcr.io/frameguard/frameguard:0.1.0");
        assertThat(scorer.at("/args/0").asText()).isEqualTo("serve");
        assertThat(scorer.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(scorer.at("/readinessProbe/httpGet/port").asText()).isEqualTo("management");
        assertThat(scorer.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(scorer.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(scorer.at("/resources/limits").has("nvidia.com/gpu")).isFalse();
        assertThat(Manifests.env(scorer, "FRAMEGUARD_API_ADMIN_TOKEN")).as("read-only API by default").isNull();

        JsonNode trainer = Manifests.container(pod, "trainer");
        assertThat(trainer.path("args").toString()).contains("\"trainer\"", "--model=sensor", "--on-drift", "--every=24h",
                "--metrics-port=9001", "--on-false-alarm", "--false-alarm-quiet=10m");

        JsonNode config = m.get("ConfigMap").path("data");
        assertThat(config.path("KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
        assertThat(config.path("FRAMEGUARD_REGISTRY_ENABLED").asText()).isEqualTo("true");
        assertThat(config.path("FRAMEGUARD_REGISTRY_MODEL_NAME").asText()).isEqualTo("sensor");
        assertThat(config.has("KAFKA_SASL_JAAS_CONFIG")).as("secrets never in the ConfigMap").isFalse();
        assertThat(config.path("QUARKUS_LOG_CONSOLE_JSON_ENABLED").asText()).as("JSON logs in the chart").isEqualTo("true");
        assertThat(config.path("FRAMEGUARD_INSTANCE").asText()).isEqualTo("fg-frameguard");

        JsonNode service = m.get("Service");
        assertThat(service.at("/spec/ports").findValuesAsText("name")).containsExactly("http", "management", "trainer-metrics");
        assertThat(m.get("PodDisruptionBudget").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    }

    /** A PodDisruptionBudget never blocks a node drain, even with one replica. */
    @Test
    void disruptionBudgetNeverBlocksADrain() throws Exception {
        assertThat(render(t -> t.set("replicaCount", "1")).get("PodDisruptionBudget").at("/spec/maxUnavailable").asInt())
                .as("one replica: one may go").isEqualTo(1);
        assertThat(render(t -> t.set("replicaCount", "1").set("podDisruptionBudget.minAvailable", "1")).kinds())
                .as("minAvailable 1 of 1 would block every drain").doesNotContain("PodDisruptionBudget");
        assertThat(render(t -> t.set("replicaCount", "3").set("podDisruptionBudget.minAvailable", "2")).get("PodDisruptionBudget")
                .at("/spec/minAvailable").asInt()).isEqualTo(2);
        // pods that are not ready (no model yet, Kafka down) may go: by default none may while too few are ready
        assertThat(render(t -> t).get("PodDisruptionBudget").at("/spec/unhealthyPodEvictionPolicy").asText()).isEqualTo("AlwaysAllow");
        JsonNode older = render(t -> t.withKubeVersion("1.26.0")).get("PodDisruptionBudget").at("/spec");
        assertThat(older.at("/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(older.has("unhealthyPodEvictionPolicy")).as("a field Kubernetes 1.26 does not know").isFalse();
    }

    /** Image by digest, priority, spread over zones, extra env and volumes in both containers (ci/ values). */
    @Test
    void placementDigestAndExtrasReachThePods() throws Exception {
        Manifests m = render(t -> t.withValuesFile(CHART.resolve("ci/cronjob-pinned-values.yaml")));
        JsonNode pod = m.get("Deployment").at("/spec/template/spec");
        JsonNode scorer = Manifests.container(pod, "frameguard");
        assertThat(scorer.at("/image").asText()).isEqualTo("ghcr.io/frameguard/frameguard@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        assertThat(pod.at("/priorityClassName").asText()).isEqualTo("frameguard-critical");
        assertThat(pod.at("/topologySpreadConstraints/0/labelSelector/matchLabels/app.kubernetes.io~1instance").asText()).isEqualTo("fg");
        assertThat(Manifests.env(scorer, "FRAMEGUARD_DETECTOR_ADAPT_RATE")).contains("0.01");
        assertThat(scorer.path("volumeMounts").findValuesAsText("mountPath")).contains("/etc/ssl/corporate");
        assertThat(pod.path("volumes").findValuesAsText("name")).contains("ca-bundle");
        JsonNode cronPod = m.get("CronJob").at("/spec/jobTemplate/spec/template/spec");
        JsonNode trainer = Manifests.container(cronPod, "trainer");
        assertThat(trainer.at("/image").asText()).contains("@sha256:");
        assertThat(cronPod.at("/priorityClassName").asText()).isEqualTo("frameguard-critical");
        // the trainer's runs pull and land where the scorers do, or a private registry or tainted pool leaves them pending
        for (JsonNode p : List.of(pod, cronPod)) {
            assertThat(p.at("/imagePullSecrets/0/name").asText()).isEqualTo("registry-credentials");
            assertThat(p.at("/nodeSelector/pool").asText()).isEqualTo("frameguard");
            assertThat(p.at("/tolerations/0/value").asText()).isEqualTo("frameguard");
            assertThat(p.at("/affinity/nodeAffinity").isMissingNode()).isFalse();
        }
        assertThat(Manifests.env(trainer, "FRAMEGUARD_DETECTOR_ADAPT_RATE")).contains("0.01");
        assertThat(trainer.path("volumeMounts").findValuesAsText("mountPath")).contains("/etc/ssl/corporate");
        assertThat(m.get("ConfigMap").at("/data/QUARKUS_LOG_CATEGORY__IO_FRAMEGUARD_RETRAINING__LEVEL").asText()).isEqualTo("DEBUG");
        assertThat(m.kinds()).contains("PodMonitor", "PodDisruptionBudget");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("image.digest", "latest")))
                .hasMessageContaining("/image/digest");

        // the trainer's own affinity, or none, where the scorers' (say, apart from each other) does not suit it
        java.nio.file.Path own = java.nio.file.Files.createTempFile("trainer-affinity", ".yaml");
        java.nio.file.Files.writeString(own, "trainer:\n  affinity: {}\n");
        Manifests apart = render(t -> t.withValuesFile(CHART.resolve("ci/cronjob-pinned-values.yaml")).withValuesFile(own));
        assertThat(apart.get("CronJob").at("/spec/jobTemplate/spec/template/spec/affinity").isMissingNode()).isTrue();
        assertThat(apart.get("Deployment").at("/spec/template/spec/affinity/nodeAffinity").isMissingNode()).isFalse();
        java.nio.file.Files.delete(own);
    }

    @Test
    void gpuInstallUsesTheGpuImageAndRequestsAGpu() throws Exception {
        Manifests m = render(t -> t.set("gpu.enabled", "true").set("gpu.nodeSelector.accelerator", "nvidia-h100")
                .set("tolerations[0].key", "dedicated").set("tolerations[0].operator", "Exists"));
        JsonNode pod = m.get("Deployment").at("/spec/template/spec");
        JsonNode scorer = Manifests.container(pod, "frameguard");
        assertThat(scorer.at("/image").asText()).isEqualTo("ghcr.io/frameguard/frameguard:0.1.0-gpu");
        assertThat(scorer.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        assertThat(scorer.at("/resources/limits/memory").asText()).isEqualTo("4Gi");
        assertThat(Manifests.container(pod, "trainer").at("/resources/limits").has("nvidia.com/gpu"))
                .as("the trainer shares no GPU").isFalse();
        assertThat(Manifests.env(Manifests.container(pod, "trainer"), "NVIDIA_VISIBLE_DEVICES")).as("nor sees one").contains("void");
        JsonNode rolling = m.get("Deployment").at("/spec/strategy/rollingUpdate");
        assertThat(rolling.at("/maxSurge").asInt()).as("no surge pod waiting for a GPU the pool lacks").isZero();
        assertThat(rolling.at("/maxUnavailable").asInt()).isEqualTo(1);
        assertThat(pod.at("/nodeSelector/accelerator").asText()).isEqualTo("nvidia-h100");
        assertThat(pod.path("tolerations").findValuesAsText("key")).containsExactlyInAnyOrder("dedicated", "nvidia.com/gpu");
    }

    @Test
    void kedaScalesOnTheScorersLagAndOwnsTheReplicaCount() throws Exception {
        Manifests m = render(t -> t.set("keda.enabled", "true").set("keda.maxReplicas", "8"));
        JsonNode scaled = m.get("ScaledObject");
        assertThat(scaled.at("/spec/scaleTargetRef/name").asText()).isEqualTo("fg-frameguard");
        assertThat(scaled.at("/spec/maxReplicaCount").asInt()).isEqualTo(8);
        JsonNode trigger = scaled.at("/spec/triggers/0");
        assertThat(trigger.path("type").asText()).isEqualTo("kafka");
        assertThat(trigger.at("/metadata/consumerGroup").asText()).as("the scorer's group: INSTANCE-scorer").isEqualTo("fg-frameguard-scorer");
        assertThat(trigger.at("/metadata/topic").asText()).isEqualTo("frames");
        assertThat(trigger.has("authenticationRef")).as("a plain cluster needs no credentials").isFalse();
        assertThat(m.kinds()).doesNotContain("TriggerAuthentication");
        assertThat(m.get("Deployment").at("/spec").has("replicas")).as("KEDA owns replicas").isFalse();
    }

    /** On a SASL/TLS cluster KEDA reads the lag with its own credentials, through a TriggerAuthentication. */
    @Test
    void kedaOnASecuredClusterAuthenticatesThroughATriggerAuthentication() throws Exception {
        Manifests m = render(HelmChartTest::everything);
        JsonNode trigger = m.get("ScaledObject").at("/spec/triggers/0");
        assertThat(trigger.at("/metadata/sasl").asText()).isEqualTo("scram_sha512");
        assertThat(trigger.at("/metadata/tls").asText()).isEqualTo("enable");
        assertThat(trigger.at("/authenticationRef/name").asText()).isEqualTo("fg-frameguard-kafka");
        JsonNode auth = m.get("TriggerAuthentication");
        assertThat(auth.at("/metadata/name").asText()).isEqualTo("fg-frameguard-kafka");
        assertThat(auth.at("/spec/secretTargetRef").findValuesAsText("parameter"))
                .containsExactly("username", "password", "ca", "cert", "key", "keyPassword");
        assertThat(auth.at("/spec/secretTargetRef").findValuesAsText("name")).containsOnly("fg-keda");

        Manifests oauth = render(t -> t.set("keda.enabled", "true").set("kafka.securityProtocol", "SASL_SSL")
                .set("kafka.saslMechanism", "OAUTHBEARER").set("keda.authentication.existingSecret", "fg-keda"));
        assertThat(oauth.get("ScaledObject").at("/spec/triggers/0/metadata/sasl").asText()).isEqualTo("oauthbearer");
        assertThat(oauth.get("TriggerAuthentication").at("/spec/secretTargetRef").findValuesAsText("parameter"))
                .containsExactly("username", "password", "oauthTokenEndpointUri", "scopes", "ca");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("keda.enabled", "true")
                .set("kafka.securityProtocol", "SASL_SSL").set("kafka.saslMechanism", "SCRAM-SHA-512")))
                .hasMessageContaining("keda.authentication.existingSecret");
    }

    /** Two releases on one Kafka cluster get their own groups, transactional ids and Streams application ids. */
    @Test
    void eachReleaseHasItsOwnNameOnTheKafkaCluster() throws Exception {
        String a = render("line-a", t -> t).get("ConfigMap").at("/data/FRAMEGUARD_INSTANCE").asText();
        String b = render("line-b", t -> t).get("ConfigMap").at("/data/FRAMEGUARD_INSTANCE").asText();
        assertThat(a).isEqualTo("line-a-frameguard");
        assertThat(b).isEqualTo("line-b-frameguard");
        assertThat(render("line-a", t -> t.set("kafka.instance", "frameguard")).get("ConfigMap").at("/data/FRAMEGUARD_INSTANCE").asText())
                .as("an install from before keeps its groups").isEqualTo("frameguard");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("kafka.instance", "no spaces")))
                .hasMessageContaining("/kafka/instance");
    }

    /** Log levels per category reach both containers through the ConfigMap, in Quarkus's variable names. */
    @Test
    void logLevelsPerCategoryBecomeQuarkusVariables() throws Exception {
        JsonNode config = render(t -> t.set("logging.levels.io\\.frameguard\\.scoring", "DEBUG").set("logging.json", "false"))
                .get("ConfigMap").path("data");
        assertThat(config.path("QUARKUS_LOG_CATEGORY__IO_FRAMEGUARD_SCORING__LEVEL").asText()).isEqualTo("DEBUG");
        assertThat(config.path("QUARKUS_LOG_CONSOLE_JSON_ENABLED").asText()).isEqualTo("false");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("logging.levels.io\\.frameguard", "LOUD")))
                .hasMessageContaining("/logging/levels");
    }

    /** Health and metrics only from the monitoring namespace; the console and API from anyone or the peers given. */
    @Test
    void networkPolicyOpensMetricsToMonitoringOnly() throws Exception {
        assertThat(render(t -> t).kinds()).doesNotContain("NetworkPolicy");
        JsonNode policy = render(t -> t.set("networkPolicy.enabled", "true").set("networkPolicy.monitoringNamespace", "observability"))
                .get("NetworkPolicy");
        assertThat(policy.at("/spec/podSelector/matchLabels/app.kubernetes.io~1instance").asText()).isEqualTo("fg");
        JsonNode http = policy.at("/spec/ingress/0");
        assertThat(http.at("/ports/0/port").asText()).isEqualTo("http");
        assertThat(http.has("from")).as("the console from anywhere by default").isFalse();
        JsonNode monitoring = policy.at("/spec/ingress/1");
        assertThat(monitoring.path("ports").findValuesAsText("port")).containsExactly("management", "trainer-metrics");
        assertThat(monitoring.at("/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText()).isEqualTo("observability");
        assertThat(monitoring.at("/from/1/podSelector/matchLabels/app.kubernetes.io~1component").asText())
                .as("helm test's readiness pod reaches the management port").isEqualTo("test");

        JsonNode restricted = render(t -> t.set("networkPolicy.enabled", "true")
                .set("networkPolicy.httpFrom[0].namespaceSelector.matchLabels.name", "ingress")).get("NetworkPolicy");
        assertThat(restricted.at("/spec/ingress/0/from/0/namespaceSelector/matchLabels/name").asText()).isEqualTo("ingress");
    }

    /** Every values file under ci/ renders and passes the schema (helm's convention for chart CI). */
    @Test
    void ciValuesFilesRender() throws Exception {
        List<Path> files;
        try (var list = Files.list(CHART.resolve("ci"))) {
            files = list.filter(f -> f.toString().endsWith("-values.yaml")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path f : files) {
            assertThat(render(t -> t.withValuesFile(f)).kinds()).as(f.toString()).contains("Deployment");
        }
    }

    /**
     * The trust boundaries of the threat model: the scorer and the trainer present their own Kafka credentials, the
     * private signing key reaches the trainer only, and both verify models with the public key.
     */
    @Test
    void splitCredentialsGiveEachContainerItsOwnAndTheSigningKeyOnlyToTheTrainer() throws Exception {
        for (String mode : List.of("sidecar", "cronjob")) {
            Manifests m = render(t -> t.withValuesFile(CHART.resolve("ci/split-credentials-values.yaml")).set("trainer.mode", mode));
            JsonNode pod = m.get("Deployment").at("/spec/template/spec");
            JsonNode scorer = Manifests.container(pod, "frameguard");
            JsonNode trainerPod = mode.equals("sidecar") ? pod : m.get("CronJob").at("/spec/jobTemplate/spec/template/spec");
            JsonNode trainer = Manifests.container(trainerPod, "trainer");

            assertThat(Manifests.env(scorer, "KAFKA_SASL_JAAS_CONFIG"))
                    .contains("\"name\":\"fg-kafka-scorer\"");
            assertThat(Manifests.env(trainer, "KAFKA_SASL_JAAS_CONFIG"))
                    .as(mode).contains("\"name\":\"fg-kafka-trainer\"");

            assertThat(Manifests.env(scorer, "FRAMEGUARD_REGISTRY_VERIFY_KEY"))
                    .isEqualTo("/etc/frameguard/model-verify/model-signing.pub");
            assertThat(Manifests.env(trainer, "FRAMEGUARD_REGISTRY_VERIFY_KEY")).isNotNull();
            assertThat(Manifests.env(trainer, "FRAMEGUARD_MODEL_SIGNING_KEY"))
                    .isEqualTo("/etc/frameguard/model-signing/model-signing.key");
            assertThat(Manifests.env(scorer, "FRAMEGUARD_MODEL_SIGNING_KEY")).as("the scorer cannot sign").isNull();
            assertThat(scorer.path("volumeMounts").findValuesAsText("name")).contains("model-verify-key")
                    .doesNotContain("model-signing-key");
            assertThat(trainer.path("volumeMounts").findValuesAsText("name")).contains("model-verify-key", "model-signing-key");
            // each key volume holds only its one key: the public key's volume never carries the private key
            for (JsonNode v : trainerPod.path("volumes")) {
                if (v.path("name").asText().equals("model-verify-key")) {
                    assertThat(v.at("/secret/items").findValuesAsText("key")).containsExactly("model-signing.pub");
                }
            }
        }
        // without a trainer secret the trainer falls back to the scorer's
        JsonNode pod = render(t -> t.set("kafka.existingSecret", "fg-kafka")).get("Deployment").at("/spec/template/spec");
        assertThat(Manifests.env(Manifests.container(pod, "trainer"), "KAFKA_SASL_JAAS_CONFIG")).contains("\"name\":\"fg-kafka\"");
    }

    @Test
    void cronJobModeRunsTheTrainerOnceOnASchedule() throws Exception {
        Manifests m = render(t -> t.set("trainer.mode", "cronjob").set("trainer.schedule", "15 2 * * *"));
        JsonNode cron = m.get("CronJob");
        assertThat(cron.at("/spec/schedule").asText()).isEqualTo("15 2 * * *");
        assertThat(cron.at("/spec/concurrencyPolicy").asText()).isEqualTo("Forbid");
        JsonNode trainer = Manifests.container(cron.at("/spec/jobTemplate/spec/template/spec"), "trainer");
        assertThat(trainer.path("args").toString()).contains("--once", "--model=sensor");
        assertThat(m.get("Deployment").at("/spec/template/spec/containers").size()).as("no sidecar").isEqualTo(1);
        assertThat(m.kinds()).doesNotContain("PodMonitor");

        // scraped without a Pushgateway: a PodMonitor on the trainer's pods, each run waiting for one scrape
        Manifests monitored = render(t -> t.set("trainer.mode", "cronjob").set("serviceMonitor.enabled", "true"));
        JsonNode pod = monitored.get("CronJob").at("/spec/jobTemplate/spec/template");
        JsonNode podMonitor = monitored.get("PodMonitor");
        com.fasterxml.jackson.databind.node.ObjectNode podLabels = (com.fasterxml.jackson.databind.node.ObjectNode) pod.at("/metadata/labels").deepCopy();
        podLabels.remove("app.kubernetes.io/component");
        assertThat(podMonitor.at("/spec/selector/matchLabels")).isEqualTo(podLabels);
        assertThat(podMonitor.at("/spec/podMetricsEndpoints/0/port").asText()).isEqualTo("trainer-metrics");
        JsonNode container = Manifests.container(pod.at("/spec"), "trainer");
        assertThat(container.path("args").toString()).contains("--scrape-wait=2m");
        assertThat(container.at("/ports/0/name").asText()).isEqualTo("trainer-metrics");
        // the trainer's pods are none of the scorers' Service, PodDisruptionBudget or Deployment
        String podName = pod.at("/metadata/labels/app.kubernetes.io~1name").asText();
        assertThat(podName).isEqualTo("frameguard-trainer");
        assertThat(monitored.get("Service").at("/spec/selector/app.kubernetes.io~1name").asText()).isNotEqualTo(podName);
        assertThat(monitored.get("PodDisruptionBudget").at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isNotEqualTo(podName);
    }

    @Test
    void monitoringObjectsCarryTheShippedRulesAndDashboards() throws Exception {
        Manifests m = render(HelmChartTest::everything);
        JsonNode rule = m.get("PrometheusRule");
        List<String> alerts = rule.at("/spec/groups").findValuesAsText("alert");
        JsonNode shipped = YAML.readTree(AlertRulesTest.RULES.toFile());
        assertThat(alerts).containsExactlyElementsOf(shipped.findValuesAsText("alert")).hasSize(10);
        assertThat(rule.at("/spec/groups/0/rules/0/annotations/summary").asText()).contains("{{ $labels.source }}");

        List<JsonNode> dashboards = new ArrayList<>();
        for (JsonNode cm : m.all("ConfigMap")) {
            if (cm.at("/metadata/labels/grafana_dashboard").asText().equals("1")) {
                dashboards.add(cm);
            }
        }
        assertThat(dashboards).hasSize(2);
        for (Path f : Dashboards.files()) {
            String name = f.getFileName().toString();
            JsonNode cm = dashboards.stream().filter(d -> d.path("data").has(name)).findFirst().orElseThrow();
            assertThat(YAML.readTree(cm.path("data").path(name).asText())).as("dashboard %s as shipped", name)
                    .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()));
        }

        JsonNode monitor = m.get("ServiceMonitor");
        assertThat(monitor.at("/spec/endpoints").findValuesAsText("path")).containsExactly("/q/metrics", "/metrics");
        // the job the FrameguardDown alert names: the Service's app name, "frameguard" whatever the release is called
        String jobLabel = monitor.at("/spec/jobLabel").asText();
        assertThat(m.get("Service").at("/metadata/labels").path(jobLabel).asText()).isEqualTo("frameguard");
        assertThat(Files.readString(AlertRulesTest.RULES)).contains("up{job=\"frameguard\"}");

        JsonNode scorer = Manifests.container(m.get("Deployment").at("/spec/template/spec"), "frameguard");
        assertThat(Manifests.env(scorer, "FRAMEGUARD_API_ADMIN_TOKEN")).contains("fg-api", "admin-token");
        assertThat(Manifests.env(scorer, "FRAMEGUARD_API_READ_TOKEN")).contains("fg-api-read", "read-token");
        assertThat(Manifests.env(scorer, "KAFKA_SASL_JAAS_CONFIG")).contains("fg-kafka", "sasl-jaas-config");
        JsonNode config = m.all("ConfigMap").stream().filter(c -> c.path("data").has("KAFKA_BOOTSTRAP_SERVERS")).findFirst().orElseThrow();
        assertThat(config.at("/data/KAFKA_SECURITY_PROTOCOL").asText()).isEqualTo("SASL_SSL");
        assertThat(config.at("/data/KAFKA_SSL_KEYSTORE_LOCATION").asText()).isEqualTo("/etc/frameguard/kafka-tls/keystore.p12");
    }

    @Test
    void chartDashboardsAreTheShippedOnes() throws Exception {
        for (Path f : Dashboards.files()) {
            assertThat(CHART.resolve("dashboards").resolve(f.getFileName())).as("chart copy of %s", f.getFileName())
                    .hasSameTextualContentAs(f);
        }
        assertThat(Files.list(CHART.resolve("dashboards")).count()).isEqualTo(Dashboards.files().size());
    }

    /** The install's notes give a first-model command that works on the cluster installed against. */
    @Test
    void notesTellHowToPublishTheFirstModelOnThisCluster() throws Exception {
        String plain = new Helm(CHART).install().withName("fg").withNamespace("plant").withKubeVersion("1.30.0").clientOnly()
                .dryRun().call().getOutput();
        assertThat(plain).contains("kubectl -n plant run frameguard-models").contains("KAFKA_BOOTSTRAP_SERVERS=kafka:9092");
        // a kubectl run pod would have no credentials there: the command line with the operator's client properties
        String secured = new Helm(CHART).install().withName("fg").withNamespace("plant").withKubeVersion("1.30.0").clientOnly()
                .dryRun().withValuesFile(CHART.resolve("ci/split-credentials-values.yaml")).call().getOutput();
        assertThat(secured).doesNotContain("kubectl -n plant run frameguard-models")
                .contains("frameguard models publish MODEL_DIR --activate").contains("--kafka-config client.properties")
                .contains("SASL_SSL settings of a principal");
    }

    @Test
    void schemaRejectsWrongValues() throws Exception {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("trainer.mode", "sometimes")))
                .hasMessageContaining("/trainer/mode");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("model.name", "../etc")))
                .hasMessageContaining("/model/name");
        // a scorer serves on one GPU: a second one asked for would stay idle
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.set("gpu.enabled", "true").set("gpu.count", "2")))
                .hasMessageContaining("/gpu/count");
    }

    /**
     * The trainer's durations as the chart passes them: every value the schema admits is one the trainer accepts (else
     * the sidecar crash-loops on it), and the forms the trainer reads (1h30m, PT1H30M, a number of seconds) install.
     */
    @Test
    void chartAdmitsTheTrainersDurationsAndNoOthers() throws Exception {
        List<String> samples = List.of("0", "90", "0s", "500ms", "1000ms", "90s", "15m", "6h", "1d", "2D", "1h30m", "1m30s",
                "1m30.5s", "0.5s", "1.5s", "PT0S", "PT0.5S", "PT1H30M", "pt10m", "P1D", "P1DT2H", "P0DT0.5S", "-5s", "1.5h",
                "1w", "2d12h", "P", "PT", "P1DT", "PT-1H", "10 m", "soon", "1.1234567891s", "99999999999999999999h");
        List<String> disagreements = new ArrayList<>();
        for (String value : samples) {
            for (String[] option : new String[][] {{"every", "--every"}, {"falseAlarmQuiet", "--false-alarm-quiet"}}) {
                boolean trainer = trainerAccepts(option[1] + "=" + value);
                boolean chart = chartAdmits("trainer." + option[0], value);
                if (chart != trainer) {
                    disagreements.add(option[0] + "=" + value + ": chart " + (chart ? "admits" : "refuses") + ", trainer "
                            + (trainer ? "accepts" : "refuses"));
                }
            }
        }
        assertThat(disagreements).isEmpty();
        // Helm writes a large number read from a values file in exponent form (--every=1.2096e+06), which the trainer
        // refuses: the schema keeps whole seconds below it
        Path values = Files.writeString(Files.createTempFile("every", ".yaml"), "trainer:\n  every: 1209600\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> render(t -> t.withValuesFile(values)))
                .hasMessageContaining("/trainer/every");
    }

    private static boolean trainerAccepts(String option) {
        try {
            io.frameguard.cli.FrameguardCli.commandLine(new io.frameguard.cli.FrameguardCli()).parseArgs("trainer", "--model=m", option);
            return true;
        } catch (picocli.CommandLine.ParameterException e) {
            return false;
        }
    }

    private static boolean chartAdmits(String key, String value) throws Exception {
        try {
            render(t -> t.set(key, value));
            return true;
        } catch (IllegalStateException e) { // helm-java's answer to a schema violation
            assertThat(e).hasMessageContaining(key.replace('.', '/'));
            return false;
        }
    }
}
