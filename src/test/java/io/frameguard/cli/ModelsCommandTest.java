package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `frameguard models` on a real broker with no registry yet: what an operator sees first, in one line each. */
class ModelsCommandTest {

    @RegisterExtension
    static final KafkaTestBroker.PerClass broker = new KafkaTestBroker.PerClass();

    @Test
    void anEmptyRegistryIsListedAndARefusalIsOneLine() {
        PrintStream out = System.out;
        ByteArrayOutputStream listed = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        CommandLine cli = FrameguardCli.commandLine(new FrameguardCli()).setErr(new PrintWriter(err, true));
        System.setOut(new PrintStream(listed, true, StandardCharsets.UTF_8));
        try {
            assertThat(cli.execute("models", "list", "--bootstrap-servers", broker.bootstrapServers())).as(err.toString()).isZero();
        } finally {
            System.setOut(out);
        }
        assertThat(listed.toString(StandardCharsets.UTF_8)).startsWith("no models: ").contains("frameguard.models does not exist");

        assertThat(cli.execute("models", "activate", "sensor", "sensor-1", "--bootstrap-servers", broker.bootstrapServers()))
                .isEqualTo(1);
        assertThat(err.toString()).startsWith("frameguard models activate: model registry topic frameguard.models does not exist")
                .doesNotContain("\tat ").doesNotContain("Exception");
    }

    /** A registry of its own, so that the first test finds none whatever the order. */
    private static final String TOPIC = "publish-test.models";

    @Test
    void publishCreatesTheRegistryTopicWithTheReplicasAskedForElseTheBrokersDefault(@TempDir Path tmp) throws Exception {
        TestModels.trainSensorModel(tmp.resolve("model"), 500, 1, 3);
        StringWriter err = new StringWriter();
        CommandLine cli = FrameguardCli.commandLine(new FrameguardCli()).setErr(new PrintWriter(err, true));
        // the replicas asked for reach the broker, which has one broker to put them on
        assertThat(cli.execute("models", "publish", tmp.resolve("model").toString(), "--replication-factor", "2",
                "--topic", TOPIC, "--bootstrap-servers", broker.bootstrapServers())).isEqualTo(1);
        assertThat(err.toString()).contains("cannot create model registry topic " + TOPIC).contains("replication factor");
        assertThat(cli.execute("models", "publish", tmp.resolve("model").toString(), "--replication-factor", "0",
                "--topic", TOPIC, "--bootstrap-servers", broker.bootstrapServers())).isEqualTo(2);
        assertThat(err.toString()).contains("--replication-factor must be at least 1");

        PrintStream out = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        try {
            assertThat(cli.execute("models", "publish", tmp.resolve("model").toString(), "--topic", TOPIC,
                    "--bootstrap-servers", broker.bootstrapServers())).as(err.toString()).isZero();
        } finally {
            System.setOut(out);
        }
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", broker.bootstrapServers()))) {
            var topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
            assertThat(topic.partitions().get(0).replicas()).hasSize(1); // the broker's default.replication.factor
            var config = admin.describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, TOPIC)))
                    .all().get().values().iterator().next();
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }
}
