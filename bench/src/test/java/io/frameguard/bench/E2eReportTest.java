package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class E2eReportTest {

    /**
     * 20,000 frames/s with the service on one core (a tenth of it JIT compiling) and the broker on half a core (a fifth
     * of it JIT compiling); the broker spent 12 µs per frame taking the backlog in (2 of them JIT) and 24 µs to take it in
     * and hand it to one reader (4 of them JIT).
     */
    private static final E2eReport.Result RUN = new E2eReport.Result("float32, batched", 300_000, 400_000, 15.0,
            20_000, 9_000, 900, 1.0, 0.1, 0.5, 0.1, "", 20.0, new E2eReport.Micros(12.0, 2.0), new E2eReport.Micros(24.0, 4.0),
            new E2eBaselines.BareResult(5_000, 0.5, 0.05), null);

    @Test
    void cpuPerFrameIsEachProcessCoresOverTheRate() {
        assertThat(RUN.serviceMicrosPerFrame()).isCloseTo(50.0, within(1e-9));
        assertThat(RUN.jitMicrosPerFrame()).isCloseTo(5.0, within(1e-9));
        assertThat(RUN.steadyServiceMicrosPerFrame()).isCloseTo(45.0, within(1e-9));
        assertThat(RUN.brokerMicrosPerFrame()).isCloseTo(25.0, within(1e-9));
        assertThat(RUN.brokerPipeline().jit()).isCloseTo(5.0, within(1e-9));
        assertThat(RUN.brokerPipeline().steady()).isCloseTo(20.0, within(1e-9));
    }

    @Test
    void ratiosAreAgainstTheSameRunsBaselines() {
        // the service less its JIT compilers, as the model alone is measured: 45 µs against 20
        assertThat(RUN.serviceOverModel()).isCloseTo(2.25, within(1e-9));
        // less JIT on every side: 10 µs to take the frame in + 20 µs while the service scored it, against 20 µs to move it alone
        assertThat(RUN.brokerWorkMicros()).isCloseTo(30.0, within(1e-9));
        assertThat(RUN.brokerOverFramesOnly()).isCloseTo(1.5, within(1e-9));
        // with the JIT: 12 + 25 against 24
        assertThat(RUN.brokerOverFramesOnlyWithJit()).isCloseTo(37.0 / 24.0, within(1e-9));
        assertThat(RUN.overBare()).isCloseTo(4.0, within(1e-9));
        assertThat(RUN.bare().microsPerFrame()).isCloseTo(100.0, within(1e-9));
        // the bare consumer less its JIT compilers (a tenth of its half core), 90 µs, against the model's 20
        assertThat(RUN.bare().steadyMicrosPerFrame()).isCloseTo(90.0, within(1e-9));
        assertThat(RUN.bareOverModel()).isCloseTo(4.5, within(1e-9));
    }

    @Test
    void backlogTableShowsEachRatio() {
        String table = E2eReport.backlogTable(java.util.List.of(RUN));
        assertThat(table).contains("| float32, batched | 50.0 | 5.0 | 20.0 | 2.25 | 10.0 + 20.0 | 2.0 + 5.0 | 20.0 | 4.0 | 1.50 | 1.54 | 5,000 | 100.0 | 4.00 | 4.50 |");
    }

    /** A machine with a GPU: how busy it was is shown per mode; on one without, the tables say nothing of a GPU. */
    @Test
    void gpuUseIsShownWhereItWasSampled() {
        E2eReport.Result onGpu = new E2eReport.Result("28x28 gray images, batched", 300_000, 400_000, 15.0, 20_000, 9_000, 900, 1.0,
                0.1, 0.5, 0.1, "", 20.0, new E2eReport.Micros(12.0, 2.0), new E2eReport.Micros(24.0, 4.0), null,
                new GpuSampler.GpuUse(120, 37.4, 35, 61, 1_536));
        assertThat(E2eReport.backlogTable(java.util.List.of(RUN, onGpu))).contains(
                "- 28x28 gray images, batched: GPU busy 37 % on average (p50 35 %, max 61 %; 120 samples of 100 ms), up to 1,536 MiB",
                "- float32, batched: not sampled");
        assertThat(E2eReport.backlogTable(java.util.List.of(RUN))).doesNotContain("GPU");
    }

    /**
     * An event's latency shown in its two parts, over the events matched with their frame's score (blank when none was),
     * the JIT's CPU in the window and the latency right after start beside the window's.
     */
    @Test
    void rateTableSplitsTheEventLatencyOverTheMatchedEvents() {
        org.HdrHistogram.Histogram score = histogram(10, 20, 30);
        org.HdrHistogram.Histogram event = histogram(50, 60, 70);
        org.HdrHistogram.Histogram frameScored = histogram(12, 14);
        org.HdrHistogram.Histogram scoreToEvent = histogram(40, 44);
        E2eReport.RateResult matched = new E2eReport.RateResult(1_000, 1_000, 3, score, histogram(5), histogram(6), 3, event,
                frameScored, scoreToEvent, new E2eReport.AfterStart(30, histogram(80, 90), histogram(150, 170)), 0.02, 0.01, 900, 0.5, 0.25);
        assertThat(E2eReport.rateTable(java.util.List.of(matched))).contains(
                "| 1,000 | 1,000 | 3 | 20 | 30 | 30 | 30 | 5 / 5 | 6 / 6 | 3 | 60 | 70 | 70 | 2 | 12 / 14 | 40 / 44 | 90 / 170 | 900 | 0.50 | 0.25 | 0.02 / 0.01 |");
        E2eReport.RateResult none = new E2eReport.RateResult(1_000, 1_000, 3, score, histogram(5), histogram(6), 3, event,
                histogram(), histogram(), new E2eReport.AfterStart(0, histogram(), histogram()), 0.02, 0.01, 900, 0.5, 0.25);
        // no window right after start (no warm-up at the rate): shown as such, not as 0 ms
        assertThat(E2eReport.rateTable(java.util.List.of(none))).contains("| 60 | 70 | 70 | 0 |  |  | — / — | 900 |");
    }

    private static org.HdrHistogram.Histogram histogram(long... values) {
        org.HdrHistogram.Histogram h = new org.HdrHistogram.Histogram(60_000, 3);
        for (long v : values) {
            h.recordValue(v);
        }
        return h;
    }

    @Test
    void ceilingIsWhatTheCoresAllowAtThatCpuPerFrame() {
        // 75 µs a frame: two cores give 2,000,000 µs a second
        assertThat(RUN.ceiling(2)).isCloseTo(2_000_000 / 75.0, within(1e-6));
        assertThat(RUN.ceiling(4)).isCloseTo(2 * RUN.ceiling(2), within(1e-6));
    }
}
