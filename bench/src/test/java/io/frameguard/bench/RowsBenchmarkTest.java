package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RowsBenchmarkTest {

    @TempDir
    Path tmp;

    /**
     * A short run on the mixed plant: a row per fault kind, and the faulty channel named first more often as events
     * name it than by each channel's own error, for most kinds.
     */
    @Test
    void aShortRunOnTheMixedPlantTablesEveryFaultKind() {
        BenchRun run = BenchRun.of("rows", "--plant", "mixed", "--train-rows", "4000", "--normal", "500", "--per-kind", "200",
                "--work", tmp.toString());
        assertThat(run.code()).isZero();
        String table = run.out();
        long better = 0;
        for (String kind : new RowsBenchmark.MixedPlant(8, 7).faults()) {
            String row = table.lines().filter(l -> l.startsWith("| " + kind + " |")).findFirst().orElseThrow();
            double[] v = Arrays.stream(row.split("\\|")).skip(2).map(String::strip).mapToDouble(Double::parseDouble).toArray();
            better += v[2] > v[3] ? 1 : 0; // named first as events name it, against by own error
        }
        assertThat(better).isGreaterThanOrEqualTo(4);
    }

    /**
     * The loners plant: its last two channels follow none of the others, the first model copies them and the one kept
     * hides them, so a spike or a level shift on one of them is flagged and named on it (copied: about half the spikes and
     * a tenth of the shifts were flagged, a third of those named on it).
     */
    @Test
    void theLonersFaultsAreTabledApartAndFound() {
        BenchRun run = BenchRun.of("rows", "--plant", "loners", "--train-rows", "4000", "--normal", "500", "--per-kind", "400",
                "--work", tmp.toString());
        assertThat(run.code()).isZero();
        assertThat(flaggedAndNamed(run.out(), "spike, loners")).as("spikes on a loner: flagged, named").satisfies(v -> {
            assertThat(v[0]).isGreaterThan(0.9);
            assertThat(v[1]).isGreaterThan(0.9);
        });
        assertThat(flaggedAndNamed(run.out(), "level shift, loners")[0]).as("level shifts on a loner flagged").isGreaterThan(0.25);
    }

    /** A kind's share flagged and share of those named first, from the table. */
    private static double[] flaggedAndNamed(String table, String kind) {
        String row = table.lines().filter(l -> l.startsWith("| " + kind + " |")).findFirst().orElseThrow();
        double[] v = Arrays.stream(row.split("\\|")).skip(2).map(String::strip).mapToDouble(Double::parseDouble).toArray();
        return new double[] {v[1], v[2]};
    }
}
