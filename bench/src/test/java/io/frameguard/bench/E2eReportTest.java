package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class E2eReportTest {

    /** 20,000 frames/s with the service on one core (a tenth of it JIT compiling) and the broker on half a core. */
    private static final E2eReport.Result RUN = new E2eReport.Result("float32, batched", 300_000, 400_000, 15.0,
            20_000, 9_000, 900, 1.0, 0.1, 0.5, "", 20.0, 10.0, 20.0, new E2eBaselines.BareResult(5_000, 0.5));

    @Test
    void cpuPerFrameIsEachProcessCoresOverTheRate() {
        assertThat(RUN.serviceMicrosPerFrame()).isCloseTo(50.0, within(1e-9));
        assertThat(RUN.jitMicrosPerFrame()).isCloseTo(5.0, within(1e-9));
        assertThat(RUN.steadyServiceMicrosPerFrame()).isCloseTo(45.0, within(1e-9));
        assertThat(RUN.brokerMicrosPerFrame()).isCloseTo(25.0, within(1e-9));
    }

    @Test
    void ratiosAreAgainstTheSameRunsBaselines() {
        // the service less its JIT compilers, as the model alone is measured: 45 µs against 20
        assertThat(RUN.serviceOverModel()).isCloseTo(2.25, within(1e-9));
        // 10 µs to take the frame in + 25 µs while the service scored it, against 20 µs to move it alone
        assertThat(RUN.brokerWorkMicros()).isCloseTo(35.0, within(1e-9));
        assertThat(RUN.brokerOverFramesOnly()).isCloseTo(1.75, within(1e-9));
        assertThat(RUN.overBare()).isCloseTo(4.0, within(1e-9));
        assertThat(RUN.bare().microsPerFrame()).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void backlogTableShowsEachRatio() {
        String table = E2eReport.backlogTable(java.util.List.of(RUN));
        assertThat(table).contains("| float32, batched | 50.0 | 5.0 | 20.0 | 2.25 | 10.0 + 25.0 | 20.0 | 1.75 | 5,000 | 100.0 | 4.00 |");
    }

    @Test
    void ceilingIsWhatTheCoresAllowAtThatCpuPerFrame() {
        // 75 µs a frame: two cores give 2,000,000 µs a second
        assertThat(RUN.ceiling(2)).isCloseTo(2_000_000 / 75.0, within(1e-6));
        assertThat(RUN.ceiling(4)).isCloseTo(2 * RUN.ceiling(2), within(1e-6));
    }
}
