package io.frameguard.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings valid one by one but not together stop the start too, before anything connects to Kafka. */
@QuarkusMainTest
@TestProfile(ConfigRelationFailFastTest.KAboveN.class)
class ConfigRelationFailFastTest {

    public static class KAboveN implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("frameguard.model.dir", System.getProperty("java.io.tmpdir"),
                    "frameguard.detector.k", "3", "frameguard.detector.n", "2");
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingKAndN(LaunchResult result) {
        String out = result.getOutput() + result.getErrorOutput();
        assertThat(out).contains("frameguard.detector.k (3) must not exceed frameguard.detector.n (2)");
    }
}
