package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import picocli.CommandLine;
import org.junit.jupiter.api.Test;

class BenchCliTest {

    /** The scripts' defaults come first on the command line; the caller's arguments after them win. */
    @Test
    void anOptionGivenTwiceTakesItsLastValue() {
        CommandLine.ParseResult parsed = BenchCli.commandLine().parseArgs("e2e", "--frames", "2000000", "--baselines",
                "--frames", "500000", "--no-baselines", "--predict-batch", "1024");
        E2eBenchmark e2e = (E2eBenchmark) parsed.subcommand().commandSpec().userObject();
        assertThat(e2e.frames).isEqualTo(500_000);
        assertThat(e2e.baselines).isFalse();
        assertThat(e2e.predictBatch).isEqualTo(1024);
    }
}
