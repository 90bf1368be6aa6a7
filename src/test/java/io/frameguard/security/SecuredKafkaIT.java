package io.frameguard.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelRegistry;
import io.frameguard.testing.Certificates;
import io.frameguard.testing.ExternalTool;
import io.frameguard.testing.SecuredLocalKafka;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/**
 * The packaged service against a broker that only lets authenticated clients in: first on a SASL_SSL listener
 * (SCRAM-SHA-512 users in KRaft's metadata, TLS with a test CA), then on a mutual-TLS listener (client
 * certificate required). kcat is the outside client producing frames and reading scores on both; a Java
 * client with a wrong password or no certificate is refused. Certificates come from the JDK's keytool, the
 * broker from this test's class path, so nothing is fetched.
 */
class SecuredKafkaIT {

    private static final String PASSWORD = Certificates.PASSWORD;
    private static final String USER = "frameguard";
    private static final String USER_PASSWORD = "scram-pass-for-tests-only";
    private static final String SCRAM = "SCRAM-SHA-512";
    /**
     * kcat (Debian's, librdkafka 2.0.2) is refused with "invalid credentials" on SCRAM-SHA-256 and -512 by this
     * broker while Kafka's Java client signs in with the same user and password, so kcat uses PLAIN over the same
     * SASL_SSL listener, with a user of its own.
     */
    private static final String KCAT_USER = "kcat";
    private static final String KCAT_PASSWORD = "plain-pass-for-tests-only";
    private static final int FRAMES = 20;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Test
    void servesOverSaslSslAndMutualTlsAndRefusesWrongCredentials() throws Exception {
        assertThat(Path.of("target/quarkus-app/quarkus-run.jar")).as("packaged app (mvn package)").exists();
        Path work = Path.of("target/secured-kafka-it").toAbsolutePath();
        org.apache.commons.io.FileUtils.deleteDirectory(work.toFile());
        Files.createDirectories(work);
        Certificates certs = Certificates.create(work.resolve("tls"));
        ModelArtifact model = TestModels.trainSensorModel(work.resolve("model"), 600, 2, 5);

        Map<String, String> listeners = Map.of("SASL", "SASL_SSL", "MTLS", "SSL");
        Map<String, String> properties = Map.ofEntries(
                        Map.entry("listener.name.sasl.sasl.enabled.mechanisms", SCRAM + ",PLAIN"),
                        Map.entry("listener.name.sasl." + SCRAM.toLowerCase() + ".sasl.jaas.config",
                                "org.apache.kafka.common.security.scram.ScramLoginModule required;"),
                        Map.entry("listener.name.sasl.plain.sasl.jaas.config",
                                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + KCAT_USER + "=\""
                                        + KCAT_PASSWORD + "\";"),
                        Map.entry("listener.name.mtls.ssl.client.auth", "required"),
                        Map.entry("ssl.keystore.location", certs.broker().toString()),
                        Map.entry("ssl.keystore.password", PASSWORD),
                        Map.entry("ssl.keystore.type", "PKCS12"),
                        Map.entry("ssl.truststore.location", certs.truststore().toString()),
                        Map.entry("ssl.truststore.password", PASSWORD),
                        Map.entry("ssl.truststore.type", "PKCS12"),
                        // ACLs on: the plaintext and controller listeners (test setup, the publisher) are the super user
                        Map.entry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer"),
                        Map.entry("super.users", "User:ANONYMOUS"));
        List<String> scramUsers = List.of("--add-scram", SCRAM + "=[name=" + USER + ",password=" + USER_PASSWORD + "]");
        try (LocalKafka kafka = SecuredLocalKafka.start(System.getProperty("java.class.path"), work.resolve("kafka"), listeners,
                properties, scramUsers)) {
            String sasl = kafka.listenerAddress("SASL");
            String mtls = kafka.listenerAddress("MTLS");
            grantScorerRights(kafka.bootstrapServers());
            Map<String, String> saslClient = Map.of(
                    CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                    SaslConfigs.SASL_MECHANISM, SCRAM,
                    SaslConfigs.SASL_JAAS_CONFIG, jaas(USER_PASSWORD),
                    SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore().toString(),
                    SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD,
                    SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
            Map<String, String> mtlsClient = Map.of(
                    CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL",
                    SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, certs.truststore().toString(),
                    SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD,
                    SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12",
                    SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, certs.client().toString(),
                    SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD,
                    SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12",
                    SslConfigs.SSL_KEY_PASSWORD_CONFIG, PASSWORD);

            // the broker really refuses: a wrong SCRAM password, and TLS without a client certificate
            Map<String, String> wrongPassword = new HashMap<>(saslClient);
            wrongPassword.put(SaslConfigs.SASL_JAAS_CONFIG, jaas("not-the-password"));
            assertThatThrownBy(() -> describeCluster(sasl, wrongPassword)).hasCauseInstanceOf(SaslAuthenticationException.class);
            Map<String, String> noCertificate = new HashMap<>(mtlsClient);
            noCertificate.keySet().removeIf(k -> k.startsWith("ssl.key"));
            assertThatThrownBy(() -> describeCluster(mtls, noCertificate)).hasCauseInstanceOf(SslAuthenticationException.class);

            // the service on SASL_SSL: it creates its topics, scores kcat's frames; read back over mutual TLS
            try (LocalService service = start(work, model, sasl, saslClient, 0)) {
                service.awaitReady();
                kcatProduce(certs, sasl, kcatSasl(certs), "kcat-sasl");
                assertThat(scoresOf(mtls, mtlsClient, "kcat-sasl")).hasSize(FRAMES);
            }
            // the service on mutual TLS: the same, read back by kcat over SASL_SSL
            try (LocalService service = start(work, model, mtls, mtlsClient, 1)) {
                service.awaitReady();
                kcatProduce(certs, mtls, kcatMtls(certs), "kcat-mtls");
                assertThat(scoresOf(mtls, mtlsClient, "kcat-mtls")).hasSize(FRAMES);
                // kcat sees the same score records (each holds one or more of the source's frames)
                assertThat(kcatScoreOffsets(sasl, kcatSasl(certs), "kcat-mtls")).isNotEmpty()
                        .isEqualTo(scoreRecordOffsets(mtls, mtlsClient, "kcat-mtls"));
            }
            scorerWithReadOnlyRightsOnTheRegistryFollowsIt(work, kafka.bootstrapServers(), sasl, saslClient, model);
        }
    }

    /**
     * The scorer's principal may do what a scorer does (its topics, groups, transactions) and only read the model
     * registry topic: DENY ACLs on writing, creating, deleting and altering it, which win over any ALLOW. The mutual-TLS
     * client and kcat get everything.
     */
    private static void grantScorerRights(String plaintext) throws Exception {
        List<AclBinding> acls = new ArrayList<>();
        for (String principal : List.of("User:" + USER, "User:" + KCAT_USER, "User:CN=client")) {
            for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP, ResourceType.TRANSACTIONAL_ID)) {
                acls.add(acl(type, "*", principal, AclOperation.ALL, AclPermissionType.ALLOW));
            }
            for (AclOperation op : List.of(AclOperation.IDEMPOTENT_WRITE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS)) {
                acls.add(acl(ResourceType.CLUSTER, "kafka-cluster", principal, op, AclPermissionType.ALLOW));
            }
        }
        for (AclOperation op : List.of(AclOperation.WRITE, AclOperation.CREATE, AclOperation.DELETE, AclOperation.ALTER,
                AclOperation.ALTER_CONFIGS)) {
            acls.add(acl(ResourceType.TOPIC, ModelRegistry.DEFAULT_TOPIC, "User:" + USER, op, AclPermissionType.DENY));
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plaintext))) {
            admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static AclBinding acl(ResourceType type, String name, String principal, AclOperation op, AclPermissionType permission) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry(principal, "*", op, permission));
    }

    /**
     * With read-only rights on the registry, the scorer starts from the version active there and swaps to the next
     * one the trainer (here the super user) activates; its credentials cannot write the registry.
     */
    private static void scorerWithReadOnlyRightsOnTheRegistryFollowsIt(Path work, String plaintext, String sasl,
            Map<String, String> saslClient, ModelArtifact first) throws Exception {
        ModelArtifact second = TestModels.trainSensorModel(work.resolve("model-2"), 600, 2, 6);
        try (ModelRegistry trainer = new ModelRegistry(Map.of("bootstrap.servers", plaintext), ModelRegistry.DEFAULT_TOPIC)) {
            trainer.ensureTopic(java.util.Optional.of((short) 1));
            trainer.publish(first);
            trainer.publish(second);
            trainer.activate(first.card().name(), first.card().version(), "first");
        }
        Map<String, String> settings = new HashMap<>();
        saslClient.forEach((k, v) -> settings.put("kafka." + k, v));
        settings.put("kafka.bootstrap.servers", sasl);
        settings.put("frameguard.registry.enabled", "true");
        settings.put("frameguard.registry.model-name", first.card().name());
        settings.put("frameguard.registry.cache-dir", work.resolve("model-cache").toString());
        settings.put("kafka-streams.state.dir", work.resolve("streams-2").toString());
        try (LocalService service = LocalService.start(Path.of("target/quarkus-app"), settings, LocalKafka.freePort(),
                work.resolve("service-2.log"))) {
            service.awaitReady();
            try (ModelRegistry trainer = new ModelRegistry(Map.of("bootstrap.servers", plaintext), ModelRegistry.DEFAULT_TOPIC)) {
                trainer.activate(second.card().name(), second.card().version(), "second");
            }
            String served = "frameguard_model_info";
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> service.metricSum(served,
                    "version=\"" + second.card().version() + "\"") == 1);
        }
        Map<String, Object> scorer = new HashMap<>(saslClient);
        scorer.put("bootstrap.servers", sasl);
        try (ModelRegistry asScorer = new ModelRegistry(scorer, ModelRegistry.DEFAULT_TOPIC)) {
            assertThat(asScorer.read().active().get(first.card().name()).version()).isEqualTo(second.card().version());
            assertThatThrownBy(() -> asScorer.activate(first.card().name(), first.card().version(), "not allowed"))
                    .hasMessageContaining("Not authorized");
        }
    }

    private static String jaas(String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + USER + "\" password=\""
                + password + "\";";
    }

    private static void describeCluster(String bootstrap, Map<String, String> security) throws Exception {
        Map<String, Object> config = new HashMap<>(security);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15000);
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster().nodes().get(20, TimeUnit.SECONDS);
        }
    }

    /** The packaged service with the client security settings as kafka.* properties, as operators set them. */
    private static LocalService start(Path work, ModelArtifact model, String bootstrap, Map<String, String> security, int instance)
            throws IOException {
        Map<String, String> settings = new HashMap<>();
        security.forEach((k, v) -> settings.put("kafka." + k, v));
        settings.put("kafka.bootstrap.servers", bootstrap);
        settings.put("frameguard.model.dir", model.dir().toString());
        settings.put("kafka-streams.state.dir", work.resolve("streams-" + instance).toString());
        return LocalService.start(Path.of("target/quarkus-app"), settings, LocalKafka.freePort(),
                work.resolve("service-" + instance + ".log"));
    }

    private static List<String> kcatSasl(Certificates certs) {
        return List.of("-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=" + KCAT_USER,
                "-X", "sasl.password=" + KCAT_PASSWORD, "-X", "ssl.ca.location=" + certs.caPem());
    }

    private static List<String> kcatMtls(Certificates certs) {
        return List.of("-X", "security.protocol=SSL", "-X", "ssl.ca.location=" + certs.caPem(),
                "-X", "ssl.keystore.location=" + certs.client(), "-X", "ssl.keystore.password=" + PASSWORD);
    }

    private static void kcatProduce(Certificates certs, String bootstrap, List<String> security, String source) throws Exception {
        SensorSimulator sim = TestModels.simulator();
        StringBuilder lines = new StringBuilder();
        for (int t = 0; t < FRAMES; t++) {
            lines.append(source).append('\t').append(new String(FrameEncoding.json(sim.frame(source, t)), StandardCharsets.UTF_8)).append('\n');
        }
        Path input = Files.writeString(certs.dir().resolve(source + ".txt"), lines);
        List<String> cmd = new ArrayList<>(List.of("-P", "-b", bootstrap, "-t", "frames", "-K", "\t",
                "-H", "content-type=application/json", "-l", input.toString()));
        cmd.addAll(security);
        run(cmd);
    }

    /** The offsets of the score records of {@code source}, as kcat reads them. */
    private static Set<Long> kcatScoreOffsets(String bootstrap, List<String> security, String source) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("-C", "-b", bootstrap, "-t", "scores", "-o", "beginning", "-e",
                "-f", "%k %o\\n"));
        cmd.addAll(security);
        return run(cmd).lines().filter(l -> l.startsWith(source + " ")).map(l -> Long.parseLong(l.substring(source.length() + 1)))
                .collect(java.util.stream.Collectors.toSet());
    }

    /** The offsets of the score records of {@code source}, once they hold all its {@value #FRAMES} frames (read_committed). */
    private static Set<Long> scoreRecordOffsets(String bootstrap, Map<String, String> security, String source) {
        try (TopicReader scores = new TopicReader(bootstrap, "scores", security)) {
            return scores.readUntil(rs -> io.frameguard.testing.ScoreJson.frames(rs.stream().filter(x -> source.equals(x.key())).toList())
                    .size() >= FRAMES, WAIT).stream().filter(r -> source.equals(r.key())).map(ConsumerRecord::offset)
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /** Runs kcat to its end; fails the test unless it exits 0. Returns its output (stdout and stderr). */
    private static String run(List<String> kcatArguments) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ExternalTool.require("kcat", "apt-get install kcat")));
        cmd.addAll(kcatArguments);
        ExternalTool.Run r = ExternalTool.run(ExternalTool.repo(), 60, cmd.toArray(String[]::new));
        assertThat(r.exitCode()).as("kcat %s, output: %s", String.join(" ", kcatArguments), r.output()).isZero();
        return r.output();
    }

    /** Waits for one score per frame of {@code source} (read_committed, over the given security settings). */
    private static Set<String> scoresOf(String bootstrap, Map<String, String> security, String source) throws Exception {
        Set<String> frames = new HashSet<>();
        try (TopicReader scores = new TopicReader(bootstrap, "scores", security)) {
            for (ConsumerRecord<String, byte[]> r : scores.readUntil(rs -> io.frameguard.testing.ScoreJson.frames(
                    rs.stream().filter(x -> source.equals(x.key())).toList()).size() >= FRAMES, WAIT)) {
                if (source.equals(r.key())) {
                    for (JsonNode s : io.frameguard.testing.ScoreJson.frames(r.value())) {
                        assertThat(frames.add(s.at("/frame/partition").asInt() + "/" + s.at("/frame/offset").asLong())).as("one score per frame").isTrue();
                    }
                }
            }
        }
        return frames;
    }
}
