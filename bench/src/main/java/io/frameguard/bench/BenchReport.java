package io.frameguard.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Writes a benchmark's results, with the machine, the command and the date, twice: in the report (docs/BENCHMARKS.md)
 * as the current figures of that benchmark, replacing the block between {@code <!-- current:KEY -->} and
 * {@code <!-- /current:KEY -->} (added at the end the first time), and appended to the history beside it
 * ({@value #HISTORY}).
 */
final class BenchReport {

    static final String HISTORY = "benchmarks-history.md";

    private BenchReport() {
    }

    /** {@code key} names the benchmark's block of current figures in the report, e.g. {@code e2e-backlog}. */
    static void publish(Path report, String key, String title, String settings, String body) throws IOException {
        String section = section(title, settings, body);
        append(report.resolveSibling(HISTORY), "\n## " + section);
        String text = Files.exists(report) ? Files.readString(report, StandardCharsets.UTF_8) : "";
        Files.writeString(report, replaceBlock(text, key, "### " + section), StandardCharsets.UTF_8);
        System.out.println("current figures written to " + report + ", appended to " + report.resolveSibling(HISTORY));
    }

    /** {@code text} with the block {@code key} holding {@code content} (the block added at the end if it has none). */
    static String replaceBlock(String text, String key, String content) {
        String open = "<!-- current:" + key + " -->";
        String close = "<!-- /current:" + key + " -->";
        String block = open + "\n" + content.strip() + "\n" + close;
        int from = text.indexOf(open);
        int to = text.indexOf(close);
        if (from < 0 || to < from) {
            return text + (text.endsWith("\n") || text.isEmpty() ? "" : "\n") + "\n" + block + "\n";
        }
        return text.substring(0, from) + block + text.substring(to + close.length());
    }

    private static String section(String title, String settings, String body) {
        String command = System.getenv("FRAMEGUARD_BENCH_COMMAND"); // set by the bench/ scripts
        if (command == null) {
            command = "bench/frameguard-bench ...";
        }
        return title + " (" + DateTimeFormatter.ISO_LOCAL_DATE.format(ZonedDateTime.now()) + ")\n\n"
                + "- machine: " + machine() + "\n"
                + "- command: `" + command + "`\n"
                + "- settings: " + settings + "\n\n"
                + body;
    }

    private static void append(Path file, String text) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
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
