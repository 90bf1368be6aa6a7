package io.frameguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the tests that run the packaged service (as a child process) start from. */
public final class PackagedApp {

    private PackagedApp() {
    }

    /** The packaged service ({@code mvn package}: target/quarkus-app), which must exist. */
    public static Path dir() {
        Path app = Path.of("target/quarkus-app");
        assertThat(app.resolve("quarkus-run.jar")).as("packaged app (mvn package)").exists();
        return app;
    }

    /** An empty directory target/NAME for a test's broker, models, state and logs (emptied if a run left one). */
    public static Path freshWorkDir(String name) throws IOException {
        Path work = Path.of("target", name).toAbsolutePath();
        org.apache.commons.io.FileUtils.deleteDirectory(work.toFile());
        return Files.createDirectories(work);
    }
}
