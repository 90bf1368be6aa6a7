package io.frameguard.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code frameguard bench NAME}: the benchmarks under bench/ call these. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks (see bench/ and docs/BENCHMARKS.md).",
        subcommands = {FashionMnistBenchmark.class, LimitBenchmark.class, E2eBenchmark.class, FaultBenchmark.class,
                CommandLine.HelpCommand.class})
public final class BenchCommand {
}
