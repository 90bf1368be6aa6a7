package io.frameguard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A command-line tool the tests run for real (promtool, kubectl, prometheus, kcat). CI installs them
 * (.ci/run) and a missing one fails there; on a developer machine without it the test is skipped with the
 * package to install.
 */
public final class ExternalTool {

    /** Output and exit status of one run. */
    public record Run(int exitCode, String output) {}

    private ExternalTool() {}

    /** The tool's path; skips the test (or fails it under CI) when it is not installed. */
    public static String require(String tool, String install) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String message = tool + " is not installed (" + install + ")";
        if (System.getenv("CI") != null) {
            throw new AssertionError(message + "; .ci/run must install it");
        }
        Assumptions.abort(message);
        return null;
    }

    public static Run run(Path workDir, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return run(workDir, timeoutSeconds, java.util.Map.of(), command);
    }

    public static Run run(Path workDir, long timeoutSeconds, java.util.Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder b = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(workDir.toFile()).redirectErrorStream(true);
        b.environment().putAll(env);
        Process p = b.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** The repository root (the tests run in it). */
    public static Path repo() {
        return Path.of("").toAbsolutePath();
    }
}
