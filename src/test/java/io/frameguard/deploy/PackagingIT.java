package io.frameguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.cli.FrameguardCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What ships: the packaged service (target/quarkus-app, which the images copy) holds no benchmark or test code,
 * and the launcher's command line offers no benchmark.
 */
class PackagingIT {

    private static final Path APP = Path.of("target", "quarkus-app");

    @Test
    void thePackagedServiceHoldsNoBenchmarkOrTestClasses() throws IOException {
        List<String> found = new ArrayList<>();
        List<Path> jars;
        try (Stream<Path> files = Files.walk(APP)) {
            jars = files.filter(p -> p.toString().endsWith(".jar")).toList();
        }
        assertThat(jars).as("jars in %s", APP).isNotEmpty();
        for (Path jar : jars) {
            try (JarFile j = new JarFile(jar.toFile())) {
                j.stream().map(e -> e.getName())
                        .filter(n -> !n.endsWith("/"))
                        .filter(n -> n.startsWith("io/frameguard/bench/") || n.startsWith("io/frameguard/testing/"))
                        .forEach(n -> found.add(jar.getFileName() + "!" + n));
            }
        }
        assertThat(found).isEmpty();
    }

    @Test
    void theLauncherOffersNoBenchmark() {
        assertThat(FrameguardCli.commandLine(new FrameguardCli()).getSubcommands()).doesNotContainKey("bench")
                .containsKeys("train", "score", "demo", "trainer", "models");
    }
}
