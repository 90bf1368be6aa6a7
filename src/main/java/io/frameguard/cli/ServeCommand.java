package io.frameguard.cli;

import io.frameguard.config.FrameguardConfig;
import io.smallrye.config.WithDefault;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code frameguard serve}: the streaming service (Quarkus), started from the packaged application as a child process
 * with this process's input and output. bin/frameguard execs the service itself for {@code serve}; this command is
 * what {@code frameguard --help} lists, and its help lists the service's settings (from {@link FrameguardConfig}, so
 * never out of date) instead of the JVM's.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the streaming service: scorer, detector, anomaly memory, API and console (Quarkus).",
                "Settings come from environment variables (FRAMEGUARD_SCORER_MAX_BATCH=512) or JVM options before the "
                        + "command's own (-Dframeguard.scorer.max-batch=512); Kafka client settings as kafka.* (KAFKA_*), "
                        + "Quarkus's as quarkus.* (QUARKUS_HTTP_PORT, QUARKUS_LOG_CONSOLE_JSON_ENABLED). docs: README, settings table."},
        footerHeading = "%nThe service's settings (setting = default, environment variable):%n")
final class ServeCommand implements Callable<Integer> {

    /** JVM options for the service (-Dkey=value, -Xmx...), passed on as they are. */
    @Unmatched
    List<String> jvmOptions = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Path app = Path.of(System.getProperty("frameguard.app", "target/quarkus-app"));
        Path jar = app.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no packaged service at " + jar
                    + " (build it with ./mvnw package, or set -Dframeguard.app)");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-jar", jar.toString()));
        Process service = new ProcessBuilder(cmd).inheritIO().start();
        Thread stop = new Thread(service::destroy, "frameguard-serve-stop"); // SIGTERM here: the service stops cleanly
        Runtime.getRuntime().addShutdownHook(stop);
        return service.waitFor();
    }

    /** How wide the settings' lines may be before picocli wraps them. */
    static final int HELP_WIDTH = 150;

    /** One line per {@code frameguard.*} setting: key, default, environment variable. */
    static String settings() {
        List<String[]> rows = new ArrayList<>();
        collect(FrameguardConfig.class, "frameguard.", rows);
        rows.sort(Comparator.comparing(r -> r[0]));
        int width = Math.min(64, rows.stream().mapToInt(r -> r[0].length() + r[2].length()).max().orElse(0) + 3);
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            out.append(String.format(Locale.ROOT, "  %-" + width + "s %s%n", r[0] + (r[2].isEmpty() ? "" : " = " + r[2]), r[1]));
        }
        return out.toString().replace("${", "$${"); // picocli would expand ${...} in help text: show it as written
    }

    private static void collect(Class<?> mapping, String prefix, List<String[]> rows) {
        Method[] methods = mapping.getDeclaredMethods();
        Arrays.sort(methods, Comparator.comparing(Method::getName));
        for (Method m : methods) {
            if (m.isDefault() || m.isSynthetic() || m.getParameterCount() > 0 || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String key = prefix + kebab(m.getName());
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() == FrameguardConfig.class) {
                collect(type, key + ".", rows);
                continue;
            }
            WithDefault d = m.getAnnotation(WithDefault.class);
            String env = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            rows.add(new String[] {key, env, d == null ? "" : d.value()});
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
