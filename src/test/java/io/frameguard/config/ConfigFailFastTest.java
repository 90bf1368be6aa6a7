package io.frameguard.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service refuses to start without a model directory, naming the setting, as an operator would see it. */
@QuarkusMainTest
@TestProfile(ConfigFailFastTest.NoModel.class)
class ConfigFailFastTest {

    /** application.properties sets no frameguard.model.dir; nothing else is wrong. */
    public static class NoModel implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of();
        }
    }

    @Test
    @Launch(value = {}, exitCode = 1)
    void startFailsNamingTheMissingSetting(LaunchResult result) {
        String out = result.getOutput() + result.getErrorOutput();
        assertThat(out).contains("frameguard.model.dir (FRAMEGUARD_MODEL_DIR) is required");
    }
}
