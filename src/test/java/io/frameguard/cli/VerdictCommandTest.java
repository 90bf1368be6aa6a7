package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TopicReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `frameguard verdict` on a real broker: the verdict lands on the verdicts topic keyed by the event id; a bad one does not. */
class VerdictCommandTest {

    static KafkaTestBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    @Test
    void writesTheVerdictKeyedByTheEventIdAndRefusesABadOne() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new FrameguardCli()).setErr(new PrintWriter(err));
        int rc = cli.execute("verdict", "frames/2/6456", "--verdict", "confirmed", "--label", "bearing-wear",
                "--note", "replaced on Tuesday", "--bootstrap-servers", broker.bootstrapServers());
        assertThat(rc).as(err.toString()).isZero();
        assertThat(cli.execute("verdict", "frames/2/6457", "--verdict", "maybe", "--bootstrap-servers",
                broker.bootstrapServers())).isEqualTo(2);
        assertThat(err.toString()).contains("verdict must be \"false-alarm\" or \"confirmed\"");
        assertThat(cli.execute("verdict", "frames/2/6458", "--verdict", "confirmed", "--label", "../etc", "--bootstrap-servers",
                broker.bootstrapServers())).isEqualTo(2);

        try (TopicReader verdicts = new TopicReader(broker.bootstrapServers(), Topics.DEFAULT_VERDICTS)) {
            List<ConsumerRecord<String, byte[]>> all = verdicts.readUntil(rs -> !rs.isEmpty(), Duration.ofSeconds(30));
            all = verdicts.drain(Duration.ofSeconds(1));
            assertThat(all).hasSize(1);
            assertThat(all.get(0).key()).isEqualTo("frames/2/6456");
            Verdict v = Topics.VERDICT_SERDE.deserializer().deserialize(Topics.DEFAULT_VERDICTS, all.get(0).value());
            assertThat(v.verdict()).isEqualTo(Verdict.CONFIRMED);
            assertThat(v.label()).isEqualTo("bearing-wear");
            assertThat(v.note()).isEqualTo("replaced on Tuesday");
            assertThat(v.givenAt()).isNotBlank();
        }
    }
}
