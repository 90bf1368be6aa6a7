package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged service on a random HTTP port ({@code quarkus.http.port=0}, common in tests and sidecars) finishes
 * its start, becomes ready, and stops on SIGTERM within Kubernetes' default grace period.
 */
class ShutdownIT {

    private static final Path APP = Path.of("target", "quarkus-app");
    /** Kubernetes' default terminationGracePeriodSeconds. */
    private static final Duration GRACE = Duration.ofSeconds(30);

    @Test
    void startsOnARandomPortAndStopsOnSigterm(@TempDir Path tmp) throws Exception {
        assertThat(APP.resolve("quarkus-run.jar")).as("packaged app (mvn package)").exists();
        Path model = tmp.resolve("model");
        TestModels.trainSensorModel(model, 600, 2, 5);
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            Map<String, String> settings = Map.of(
                    "kafka.bootstrap.servers", broker.bootstrapServers(),
                    "frameguard.model.dir", model.toString(),
                    "frameguard.topics.partitions", "2",
                    "kafka-streams.state.dir", tmp.resolve("streams").toString(),
                    "quarkus.http.port", "0");
            try (LocalService service = LocalService.start(APP, settings, LocalKafka.freePort(), tmp.resolve("service.log"))) {
                service.awaitReady();
                long t0 = System.nanoTime();
                service.terminate();
                assertThat(service.awaitExit(GRACE)).as("exit status after SIGTERM").isIn(0, 143);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(GRACE);
            }
        }
    }
}
