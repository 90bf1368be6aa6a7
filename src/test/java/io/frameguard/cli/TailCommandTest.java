package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.KafkaTestBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code frameguard tail} against a real broker: events written as the service writes them come out one line each,
 * as the demo prints them; a source filter, raw JSON, drift events; the launcher's help lists {@code serve} (with the
 * service's settings), {@code tail} and shell completion.
 */
class TailCommandTest {

    private static KafkaTestBroker broker;

    private static final String PUMP = """
            {"schemaVersion":1,"eventId":"frames/0/7","source":"pump-1","frame":{"topic":"frames","partition":0,"offset":7},
             "captureTimestamp":1000,"scoredTimestamp":1100,"detectedTimestamp":1180,"score":3.25,"threshold":1.5,
             "modelThreshold":1.5,"modelVersion":"sensor-2","severity":"critical",
             "explanation":{"kind":"channels","topChannels":[{"index":3,"name":"bearing-temp","error":2.0,"share":0.62}]},
             "similar":[{"eventId":"frames/1/3","similarity":0.97,"verdict":"confirmed","label":"bearing"}],
             "recognisedAs":{"label":"bearing","because":["frames/1/3"]}}""";
    private static final String CAMERA = """
            {"schemaVersion":1,"eventId":"frames/1/9","source":"camera-2","frame":{"topic":"frames","partition":1,"offset":9},
             "captureTimestamp":2000,"scoredTimestamp":2050,"detectedTimestamp":2090,"score":0.00948,"threshold":0.00946,
             "modelThreshold":0.0095,"modelVersion":"fmnist-1","severity":"warning",
             "explanation":{"kind":"image-region","region":{"x":4,"y":6,"width":8,"height":5,"centroidX":8,"centroidY":8,"share":0.4}},
             "similar":[{"eventId":"frames/0/2","similarity":0.09}]}""";
    private static final String DRIFT = """
            {"schemaVersion":1,"source":"pump-1","status":"drift","psi":0.314,"psiThreshold":0.2,"modelVersion":"sensor-2",
             "windowFrames":1000,"observedShares":[0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1],"windowStartTimestamp":1,
             "windowEndTimestamp":2,"detectedTimestamp":3}""";

    @BeforeAll
    static void topics() throws Exception {
        broker = KafkaTestBroker.start();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("anomalies", 2, (short) 1), new NewTopic("drift", 1, (short) 1),
                    new NewTopic("anomalies-long", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>("anomalies", 0, "pump-1", PUMP.replace("\n", ""))).get();
            p.send(new ProducerRecord<>("anomalies", 1, "camera-2", CAMERA.replace("\n", ""))).get();
            p.send(new ProducerRecord<>("drift", "pump-1", DRIFT.replace("\n", ""))).get();
        }
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    private static String run(String... args) {
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(FrameguardCli.run(args)).isZero();
        } finally {
            System.setOut(out);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anomaliesOneLineEachAsTheDemoPrintsThem() {
        String out = run("tail", "anomalies", "--bootstrap-servers", broker.bootstrapServers(), "--from-beginning", "--max-events", "2");
        assertThat(out).contains("ANOMALY pump-1       critical score     3.250 > 1.500  top bearing-temp (62%)  frame frames/0/7  180 ms after capture")
                .contains("        <- like frames/1/3 (similarity 0.97), confirmed bearing; recognised as bearing")
                .contains("ANOMALY camera-2     warning  score  0.009480 > 0.009460  region 8x5 at (4,6) (40%)  frame frames/1/9")
                .as("a nearest past anomaly of similarity 0.09 is not one it is like").doesNotContain("frames/0/2");
    }

    @Test
    void oneSourceOrTheRawRecords() {
        String one = run("tail", "anomalies", "--bootstrap-servers", broker.bootstrapServers(), "--from-beginning",
                "--source", "camera-2", "--for", "5s");
        assertThat(one).contains("camera-2").doesNotContain("pump-1");
        String raw = run("tail", "anomalies", "--bootstrap-servers", broker.bootstrapServers(), "--from-beginning", "--json",
                "--source", "pump-1", "--max-events", "1");
        assertThat(raw.strip()).startsWith("{").contains("\"eventId\":\"frames/0/7\"");
    }

    @Test
    void driftEvents() {
        String out = run("tail", "drift", "--bootstrap-servers", broker.bootstrapServers(), "--from-beginning", "--max-events", "1");
        assertThat(out).contains("DRIFT   pump-1       drift     PSI 0.314 (threshold 0.20) over 1000 frames, model sensor-2");
    }

    @Test
    void incidentsALineEachWhenTheirCountDoubles() throws Exception {
        // a fault that lasts: 40 events of one incident, then an event of no incident
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int count = 1; count <= 40; count++) {
                String event = PUMP.replace("\n", "").replace("frames/0/7", "frames/0/" + (99 + count))
                        .replace("\"offset\":7", "\"offset\":" + (99 + count))
                        .replace("\"recognisedAs\"", "\"incident\":{\"id\":\"frames/0/100\",\"count\":" + count
                                + ",\"firstSeen\":1780000000000},\"recognisedAs\"");
                p.send(new ProducerRecord<>("anomalies-long", "pump-1", event)).get();
            }
            p.send(new ProducerRecord<>("anomalies-long", "camera-2", CAMERA.replace("\n", ""))).get();
        }
        String out = run("tail", "anomalies", "--topic", "anomalies-long", "--bootstrap-servers", broker.bootstrapServers(),
                "--from-beginning", "--incidents", "--max-events", "7");
        List<String> lines = out.lines().filter(l -> l.startsWith("ANOMALY")).toList();
        assertThat(lines).hasSize(7);
        assertThat(lines.get(0)).contains("frame frames/0/100").doesNotContain("incident");
        for (int k = 1; k < 6; k++) {
            assertThat(lines.get(k)).contains("frame frames/0/" + (99 + (1 << k)))
                    .endsWith("  incident frames/0/100: " + (1 << k) + " events since 2026-05-28T20:26:40Z");
        }
        assertThat(lines.get(6)).contains("camera-2");
    }

    @Test
    void newEventsOnlyByDefault() {
        String out = run("tail", "anomalies", "--bootstrap-servers", broker.bootstrapServers(), "--for", "2s");
        assertThat(out).as("events from before it started are not printed").isEmpty();
    }

    @Test
    void helpListsServeWithTheServicesSettingsTailAndCompletion() {
        String help = run("--help");
        assertThat(help).contains("  serve ", "  tail ", "  generate-completion ");
        String serve = run("serve", "--help");
        assertThat(serve).contains("frameguard.scorer.max-batch = 256", "FRAMEGUARD_SCORER_MAX_BATCH",
                "frameguard.instance = frameguard", "frameguard.scorer.group-id = ${frameguard.instance:frameguard}-scorer",
                "frameguard.api.admin-token").doesNotContain("-XX:");
        String completion = run("generate-completion");
        assertThat(completion).contains("complete -F _complete_frameguard", "serve", "tail", "trainer");
    }
}
