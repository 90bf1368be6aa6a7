package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged service refuses to start with wrong settings, as an operator would see it: it exits with status 1,
 * before anything connects to Kafka, and its output names each wrong setting (all of them at once).
 */
class ConfigFailFastIT {

    private static final Path APP = Path.of("target", "quarkus-app");
    private static final String ANY_DIR = System.getProperty("java.io.tmpdir");

    static Stream<Arguments> wrongSettings() {
        return Stream.of(
                Arguments.of("no model directory", Map.of(),
                        List.of("frameguard.model.dir (FRAMEGUARD_MODEL_DIR) is required")),
                Arguments.of("values out of range",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.scorer.max-batch", "0", "frameguard.detector.adapt-rate", "2"),
                        List.of("frameguard.scorer.max-batch must be greater than or equal to 1",
                                "frameguard.detector.adapt-rate must be less than or equal to 0.1")),
                Arguments.of("k above n", Map.of("frameguard.model.dir", ANY_DIR, "frameguard.detector.k", "3", "frameguard.detector.n", "2"),
                        List.of("frameguard.detector.k (3) must not exceed frameguard.detector.n (2)")),
                Arguments.of("a commit interval the transaction timeout would cut short",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.scorer.commit-interval", "3s", "kafka.transaction.timeout.ms", "5000"),
                        List.of("frameguard.scorer.commit-interval (PT3S) must be between 0 and half of "
                                + "kafka.transaction.timeout.ms (5000 ms)")),
                Arguments.of("durations that mean nothing",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.detector.idle-source-expiry", "-1s",
                                "frameguard.memory.max-age", "0", "frameguard.api.feed-heartbeat", "0",
                                "frameguard.scorer.retry-backoff", "-1s"),
                        List.of("frameguard.detector.idle-source-expiry must not be negative (0 keeps sources for ever), was PT-1S",
                                "frameguard.memory.max-age must be more than 0, was PT0S",
                                "frameguard.api.feed-heartbeat must be more than 0, was PT0S",
                                "frameguard.scorer.retry-backoff must be more than 0, was PT-1S")),
                Arguments.of("two settings naming one topic",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.topics.memory", "anomalies",
                                "frameguard.topics.history", "scores"),
                        List.of("frameguard.topics.memory and frameguard.topics.anomalies both name topic 'anomalies'",
                                "frameguard.topics.history and frameguard.topics.scores both name topic 'scores'")),
                Arguments.of("a topic name Kafka refuses",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.topics.frames", "camera frames"),
                        List.of("frameguard.topics.frames must be a Kafka topic name")),
                Arguments.of("one token for reading and for administering",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.api.admin-token", "same-token-0123456789",
                                "frameguard.api.read-token", "same-token-0123456789"),
                        List.of("frameguard.api.read-token and frameguard.api.admin-token must differ")),
                Arguments.of("a model verification key that is not there",
                        Map.of("frameguard.model.dir", ANY_DIR, "frameguard.registry.verify-key", "/no/such/key.pem"),
                        List.of("frameguard.registry.verify-key (FRAMEGUARD_REGISTRY_VERIFY_KEY)=/no/such/key.pem: cannot read key file")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("wrongSettings")
    void startFailsNamingEachWrongSetting(String what, Map<String, String> settings, List<String> messages, @TempDir Path tmp)
            throws Exception {
        assertThat(APP.resolve("quarkus-run.jar")).as("packaged app (mvn package)").exists();
        Path log = tmp.resolve("service.log");
        try (LocalService service = LocalService.start(APP, settings, LocalKafka.freePort(), log)) {
            assertThat(service.awaitExit(Duration.ofSeconds(90))).as("exit status").isEqualTo(1);
        }
        String out = Files.readString(log);
        for (String m : messages) {
            assertThat(out).contains(m);
        }
    }
}
