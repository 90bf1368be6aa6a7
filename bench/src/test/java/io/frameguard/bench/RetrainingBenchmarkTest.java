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
     * A short run, one lasting fault: a row for the first model and one per round and way, and choosing the frames
     * outside fault episodes trains on none of the fault's rows, where the unreported frames alone hold some; keeping the
     * reports outside them for the threshold learns fewer rows than leaving them out.
     */
    @Test
    void aShortRunTablesEachRoundAndLeavesTheLastingFaultOut() {
        BenchRun run = BenchRun.of("retraining", "--plant", "mixed", "--train-rows", "4000", "--buffer", "12000", "--sources", "1",
                "--fault-share", "0.8", "--rounds", "1", "--faults", "stuck", "--test", "500", "--work", tmp.toString());
        assertThat(run.code()).isZero();
        List<String> rows = run.out().lines().filter(l -> l.startsWith("| stuck |")).toList();
        assertThat(rows).hasSize(4);
        String before = row(rows, RetrainingBenchmark.Way.UNREPORTED);
        String episodes = row(rows, RetrainingBenchmark.Way.OUTSIDE_EPISODES);
        String now = row(rows, RetrainingBenchmark.Way.REPORTS_FOR_THRESHOLD);
        assertThat(faultyTrained(before)).isPositive();
        assertThat(faultyTrained(episodes)).isZero();
        assertThat(faultyTrained(now)).isZero();
        // the same frames outside fault episodes, the reports among them not learnt
        assertThat(learnt(now)).isLessThan(learnt(episodes));
    }

    private static String row(List<String> rows, RetrainingBenchmark.Way way) {
        return rows.stream().filter(l -> l.contains("| " + way.label + " |")).findFirst().orElseThrow();
    }

    /** The rows given to learn (the trainer's validation share among them): "N (F)" in the row's fourth cell. */
    private static int learnt(String row) {
        String cell = row.split("\\|")[4].strip();
        return Integer.parseInt(cell.substring(0, cell.indexOf(' ')));
    }

    /** The faulty rows given to learn: "N (F)" in the row's fourth cell. */
    private static int faultyTrained(String row) {
        String cell = row.split("\\|")[4].strip();
        return Integer.parseInt(cell.substring(cell.indexOf('(') + 1, cell.indexOf(')')));
    }
}
