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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** `frameguard verdict` on a real broker: the verdict lands on the verdicts topic keyed by the event id; a bad one does not. */
class VerdictCommandTest {

    @RegisterExtension
    static final KafkaTestBroker.PerClass broker = new KafkaTestBroker.PerClass();

    /** A label as typed, with spaces around it, is checked as it is stored: stripped. */
    @Test
    void writesTheVerdictKeyedByTheEventIdAndRefusesABadOne() throws Exception {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new FrameguardCli()).setErr(new PrintWriter(err));
        int rc = cli.execute("verdict", "frames/2/6456", "--verdict", "confirmed", "--label", " bearing-wear ",
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

    /**
     * The verdict names the source of the event's frame, read from the frames topic, so that every replica finds the
     * incident of an event that the incident does not list; an id with no frame is said, and the verdict still kept.
     */
    @Test
    void namesTheFramesSourceAndSaysWhenThereIsNoSuchFrame() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("frames-of-pumps", 3, (short) 1))).all().get();
        }
        long offset;
        try (var producer = KafkaTestBroker.frameProducer(broker.bootstrapServers())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("frames-of-pumps", 2, "pump-6", new byte[4])).get();
            offset = producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>("frames-of-pumps", 2, "pump-7",
                    new byte[4])).get().offset();
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        StringWriter err = new StringWriter();
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream errStream = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(out, true));
            System.setErr(new java.io.PrintStream(errStream, true));
            CommandLine cli = new CommandLine(new FrameguardCli()).setErr(new PrintWriter(err));
            assertThat(cli.execute("verdict", "frames-of-pumps/2/" + offset, "--verdict", "false-alarm", "--verdicts-topic",
                    "verdicts-of-pumps", "--frames-topic", "frames-of-pumps", "--bootstrap-servers", broker.bootstrapServers()))
                    .as(err.toString()).isZero();
            assertThat(cli.execute("verdict", "frames-of-pumps/9/1", "--verdict", "false-alarm", "--verdicts-topic",
                    "verdicts-of-pumps", "--frames-topic", "frames-of-pumps", "--bootstrap-servers", broker.bootstrapServers()))
                    .as(err.toString()).isZero();
            // an offset its partition has not reached (a mistyped one): refused, or it would judge a frame not yet written
            assertThat(cli.execute("verdict", "frames-of-pumps/2/" + (offset + 5), "--verdict", "false-alarm",
                    "--verdicts-topic", "verdicts-of-pumps", "--frames-topic", "frames-of-pumps", "--bootstrap-servers",
                    broker.bootstrapServers())).isEqualTo(2);
            assertThat(err.toString()).contains("no frame frames-of-pumps/2/" + (offset + 5) + " yet", "nothing written");
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        assertThat(out.toString()).contains("frames-of-pumps/2/" + offset + ": false-alarm, an event of pump-7");
        assertThat(errStream.toString()).contains("topic frames-of-pumps has no partition 9 (it has 3)");

        try (TopicReader verdicts = new TopicReader(broker.bootstrapServers(), "verdicts-of-pumps")) {
            List<ConsumerRecord<String, byte[]>> all = verdicts.readUntil(rs -> rs.size() >= 2, Duration.ofSeconds(30));
            all = verdicts.drain(Duration.ofSeconds(1)); // and nothing after them
            assertThat(all).extracting(r -> Topics.VERDICT_SERDE.deserializer().deserialize("verdicts-of-pumps", r.value()).source())
                    .containsExactly("pump-7", null);
        }
    }
}
