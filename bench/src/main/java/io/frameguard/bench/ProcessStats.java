package io.frameguard.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** What a benchmark reads about a process from Linux's /proc: memory, CPU time, CPU time per thread. */
final class ProcessStats {

    private ProcessStats() {}

    /** Resident set size of a process (Linux /proc), MiB. */
    static long rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // process gone
        }
        return 0;
    }

    /** User + system CPU time of a process or thread from its {@code stat} file (clock ticks of 1/100 s), seconds. */
    static double cpuSeconds(Path stat) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static double cpuSeconds(long pid) {
        return cpuSeconds(Path.of("/proc/" + pid + "/stat"));
    }

    /** {@link #threadCpu}'s name for the JIT compiler threads (C1 and C2). */
    static final String COMPILER_THREADS = "C# CompilerThre";

    /** CPU seconds of the process's threads since it started, grouped by name (digits dropped, so a pool counts as one). Linux only. */
    static Map<String, Double> threadCpu(long pid) {
        Map<String, Double> byName = new HashMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String name = Files.readString(t.resolve("comm")).strip().replaceAll("\\d+", "#");
                    byName.merge(name, cpuSeconds(t.resolve("stat")), Double::sum);
                } catch (IOException e) {
                    // thread ended
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return byName;
    }

    /** CPU seconds of the process's JIT compiler threads since it started. */
    static double jitSeconds(long pid) {
        return threadCpu(pid).getOrDefault(COMPILER_THREADS, 0.0);
    }

    /**
     * The {@code top} thread groups with the most CPU between two {@link #threadCpu} readings, those with at least 0.05 s:
     * "name 12.3 s, ...".
     */
    static String busiest(Map<String, Double> now, Map<String, Double> before, int top) {
        return now.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0.0)))
                .filter(e -> e.getValue() >= 0.05)
                .sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(top)
                .map(e -> String.format(Locale.ROOT, "%s %.1f s", e.getKey(), e.getValue()))
                .reduce((a, b) -> a + ", " + b).orElse("");
    }
}
