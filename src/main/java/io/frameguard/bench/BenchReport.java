package io.frameguard.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/** Appends a benchmark's results to a Markdown report with the machine, the command and the date. */
final class BenchReport {

    private BenchReport() {
    }

    static void append(Path report, String title, String settings, String body) throws IOException {
        String command = System.getenv("FRAMEGUARD_BENCH_COMMAND"); // set by the bench/ scripts
        if (command == null) {
            command = "bin/frameguard bench ...";
        }
        String text = "\n## " + title + " (" + DateTimeFormatter.ISO_LOCAL_DATE.format(ZonedDateTime.now()) + ")\n\n"
                + "- machine: " + machine() + "\n"
                + "- command: `" + command + "`\n"
                + "- settings: " + settings + "\n\n"
                + body;
        if (report.getParent() != null) {
            Files.createDirectories(report.getParent());
        }
        Files.writeString(report, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.out.println("appended to " + report);
    }

    /** Host, CPU model and count, memory, JVM: what the figures depend on. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
        } catch (IOException e) {
            // not Linux: leave it unknown
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        return String.format("%s, %d x %s, %d MiB max heap, Java %s", host, Runtime.getRuntime().availableProcessors(), cpu,
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.version"));
    }
}
