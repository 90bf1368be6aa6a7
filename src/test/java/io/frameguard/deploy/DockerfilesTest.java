package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.ExternalTool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Dockerfiles pass dockerfile-utils' linter (the npm package .ci/run installs) without a warning, and keep
 * what the chart relies on: a non-root user, the health check on the readiness endpoint, the launcher as entry
 * point with {@code serve} by default, and the natives unpacked at build time.
 */
class DockerfilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"Dockerfile", "Dockerfile.gpu"})
    void lintsCleanAndRunsAsTheChartExpects(String name) throws Exception {
        Path file = ExternalTool.repo().resolve("docker").resolve(name);
        String lint = ExternalTool.require("dockerfile-utils", "npm install -g dockerfile-utils@0.16.3");
        ExternalTool.Run run = ExternalTool.run(ExternalTool.repo(), 120, lint, "lint", file.toString());
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output().strip()).as("linter findings").isEmpty();

        String text = Files.readString(file);
        assertThat(text).contains("USER 10001", "ENTRYPOINT [\"/opt/frameguard/bin/frameguard\"]", "CMD [\"serve\"]",
                "/q/health/ready", "frameguard natives", "EXPOSE 8080 9000 9001");
        if (name.endsWith(".gpu")) {
            assertThat(text).contains("TENSORFLOW_LIBRARY_PATH=/opt/frameguard/tensorflow-cuda", "nvidia/cuda:11.3");
        }
    }
}
