package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrainingBenchmarkTest {

    @TempDir
    Path tmp;

    /**
     * A short run, one lasting fault: a row for the first model and one per round and rule, and choosing the frames
     * outside fault episodes trains on none of the fault's rows, where the unreported frames alone hold some.
     */
    @Test
    void aShortRunTablesEachRoundAndLeavesTheLastingFaultOut() {
        BenchRun run = BenchRun.of("retraining", "--plant", "mixed", "--train-rows", "4000", "--buffer", "12000", "--sources", "1",
                "--fault-share", "0.8", "--rounds", "1", "--faults", "stuck", "--test", "500", "--work", tmp.toString());
        assertThat(run.code()).isZero();
        List<String> rows = run.out().lines().filter(l -> l.startsWith("| stuck |")).toList();
        assertThat(rows).hasSize(3);
        String before = rows.stream().filter(l -> l.contains("| " + RetrainingBenchmark.Rule.UNREPORTED.label + " |")).findFirst().orElseThrow();
        String now = rows.stream().filter(l -> l.contains("| " + RetrainingBenchmark.Rule.OUTSIDE_EPISODES.label + " |")).findFirst().orElseThrow();
        assertThat(faultyTrained(before)).isPositive();
        assertThat(faultyTrained(now)).isZero();
    }

    /** The faulty rows trained on: "N (F)" in the row's fourth cell. */
    private static int faultyTrained(String row) {
        String cell = row.split("\\|")[4].strip();
        return Integer.parseInt(cell.substring(cell.indexOf('(') + 1, cell.indexOf(')')));
    }
}
