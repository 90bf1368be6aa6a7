package io.frameguard.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A scorer commit interval the broker's transaction timeout would cut short stops the start, both settings named. */
@QuarkusMainTest
@TestProfile(ConfigCommitIntervalFailFastTest.IntervalAboveHalfTheTimeout.class)
class ConfigCommitIntervalFailFastTest {

    public static class IntervalAboveHalfTheTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("frameguard.model.dir", System.getProperty("java.io.tmpdir"),
                    "frameguard.scorer.commit-interval", "3s", "kafka.transaction.timeout.ms", "5000");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingTheIntervalAndTheTimeout(LaunchResult result) {
        String out = result.getOutput() + result.getErrorOutput();
        assertThat(out).contains("frameguard.scorer.commit-interval (PT3S) must be between 0 and half of "
                + "kafka.transaction.timeout.ms (5000 ms)");
    }
}
