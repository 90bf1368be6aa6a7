package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.KafkaTestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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
}
