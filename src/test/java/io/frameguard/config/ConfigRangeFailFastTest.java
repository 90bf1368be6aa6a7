package io.frameguard.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Out-of-range values stop the start, each named, all reported at once. */
@QuarkusMainTest
@TestProfile(ConfigRangeFailFastTest.OutOfRange.class)
class ConfigRangeFailFastTest {

    public static class OutOfRange implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("frameguard.model.dir", System.getProperty("java.io.tmpdir"),
                    "frameguard.scorer.max-batch", "0", "frameguard.detector.target-rate", "2");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingEachBadValue(LaunchResult result) {
        String out = result.getOutput() + result.getErrorOutput();
        assertThat(out).contains("frameguard.scorer.max-batch must be greater than or equal to 1");
        assertThat(out).contains("frameguard.detector.target-rate must be less than or equal to 0.2");
    }
}
