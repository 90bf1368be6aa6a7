package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The fault suite's short version (bench/faults runs the full one): the packaged service on a real broker process,
 * two SIGKILLs with a model swap between them, a broker outage, and every hostile kind several times; the
 * accounting must come out exact. The broker runs from this test's own class path (Kafka's server is a test
 * dependency), so nothing is fetched.
 */
class FaultBenchmarkIT {

    @Test
    void noFrameLostOrDuplicatedUnderKillsSwapAndBrokerOutage() throws Exception {
        assertThat(Path.of("target/quarkus-app/quarkus-run.jar")).as("packaged app (mvn package)").exists();
        Path work = Files.createDirectories(Path.of("target/fault-suite-it"));
        FaultBenchmark suite = new FaultBenchmark();
        new CommandLine(suite).parseArgs("--frames", "2400", "--hostile", "190", "--kills", "2", "--outage-seconds", "8",
                "--rate", "100", "--dim", "64", "--work", work.toString(), "--broker-classpath", System.getProperty("java.class.path"));
        FaultReport.Figures f = suite.run();

        assertThat(f.problems()).as("losses, duplicates and misplaced frames").isEmpty();
        assertThat(f.scored()).isEqualTo(2400);
        assertThat(f.framesSent()).isEqualTo(2400);
        assertThat(f.hostileSent()).isEqualTo(190);
        assertThat(f.deadLettered()).isEqualTo(190);
        assertThat(f.hostileReasons()).as("every hostile kind reached the dead-letter topic").containsOnlyKeys(HostileFrames.KINDS);
        assertThat(f.kills()).hasSize(2);
        assertThat(f.swapped()).isTrue();
        assertThat(f.scoresByModel()).as("frames scored by both models").containsOnlyKeys("v1", "v2");
        assertThat(f.expectedEvents()).as("the stream had anomalies to detect").isPositive();
        assertThat(f.outage().readinessWentDown()).isTrue();
    }
}
