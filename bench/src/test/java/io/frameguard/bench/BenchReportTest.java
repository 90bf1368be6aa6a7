package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {

    @Test
    void aRunReplacesItsBenchmarksCurrentFiguresAndAppendsToTheHistory(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("BENCHMARKS.md");
        Files.writeString(report, "# Benchmarks\n\n<!-- current:limit -->\nold limit\n<!-- /current:limit -->\n\nhand-written\n");
        BenchReport.publish(report, "limit", "Model limit", "s1", "| new | table |\n");
        BenchReport.publish(report, "e2e-backlog", "End to end", "s2", "e2e table\n");

        String text = Files.readString(report);
        assertThat(text).doesNotContain("old limit").contains("### Model limit (").contains("| new | table |")
                .contains("hand-written").contains("<!-- current:e2e-backlog -->\n### End to end (");
        assertThat(text.indexOf("hand-written")).isLessThan(text.indexOf("<!-- current:e2e-backlog -->"));

        BenchReport.publish(report, "limit", "Model limit", "s3", "| newer | table |\n");
        text = Files.readString(report);
        assertThat(text).doesNotContain("| new | table |").contains("| newer | table |");
        assertThat(text.split("<!-- current:limit -->", -1)).hasSize(2);

        String history = Files.readString(dir.resolve(BenchReport.HISTORY));
        assertThat(history).contains("| new | table |").contains("e2e table").contains("| newer | table |")
                .contains("## Model limit (");
    }
}
