package io.frameguard.bench;

import io.frameguard.cli.FrameguardCli;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** {@code bench/frameguard-bench NAME}: the benchmarks; the scripts under bench/ call these. */
@Command(name = "frameguard-bench", mixinStandardHelpOptions = true,
        description = "Benchmarks of frameguard (see bench/README.md and docs/BENCHMARKS.md).",
        subcommands = {JsonParseBenchmark.class, FashionMnistBenchmark.class, MemoryBenchmark.class, ConsoleBenchmark.class, SensorBenchmark.class, RowsBenchmark.class, RetrainingBenchmark.class, LimitBenchmark.class, E2eBenchmark.class, ScorerBenchmark.class, FaultBenchmark.class,
                CommandLine.HelpCommand.class})
public final class BenchCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a benchmark's command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /**
     * The benchmarks' command line. An option given twice takes its last value: the scripts under bench/ pass their
     * defaults first and the caller's arguments after them, which override them.
     */
    static CommandLine commandLine() {
        return FrameguardCli.commandLine(new BenchCli()).setOverwrittenOptionsAllowed(true);
    }
}
