package io.frameguard.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The end-to-end benchmark's results and the tables and plots it reports them in. */
final class E2eReport {

    /** This machine's cores, which the broker, the service and the bench share. */
    static final int CORES = Runtime.getRuntime().availableProcessors();

    private E2eReport() {}

    /**
     * One backlog mode's result: {@code framesPerSecond} over the {@code frames} measured frames, which the service
     * scores after {@code warmupFrames} others of the same backlog (a fresh JVM's JIT compiles the hot paths for
     * the first minute or so: that is start-up, not what a running service does); {@code coldFramesPerSecond} over
     * those first frames. CPU in cores and the service's busiest threads over the measured frames.
     */
    record Result(String mode, int frames, int warmupFrames, double seconds, double framesPerSecond, double coldFramesPerSecond,
            long peakRssMiB, double cpuCores, double brokerCpuCores, String busiestThreads) {

        /** The service's CPU time per measured frame. */
        double serviceMicrosPerFrame() {
            return cpuCores / framesPerSecond * 1e6;
        }

        /** The broker's CPU time per measured frame. */
        double brokerMicrosPerFrame() {
            return brokerCpuCores / framesPerSecond * 1e6;
        }

        /** Frames per second that {@code cores} would allow at this CPU per frame, service and broker together. */
        double ceiling(int cores) {
            return cores * 1e6 / (serviceMicrosPerFrame() + brokerMicrosPerFrame());
        }
    }

    /** One offered rate's result; latencies in ms, events = anomaly events received in the measured period. */
    record RateResult(int offered, double sent, long scored, Histogram scoreLatency, Histogram toScored, Histogram scoredToRead,
            long events, Histogram eventLatency, long peakRssMiB, double cpuCores, double brokerCpuCores) {}

    /** What a run's throughput depends on besides the mode: scorer workers, partitions of the frames topic, floats per frame. */
    record Shape(int workers, int partitions, int dim) {}

    /** One scaling run's result. */
    record ScalingResult(Shape shape, Result result) {}

    static String backlogTable(List<Result> results) {
        double perRecord = results.stream().filter(r -> r.mode().equals(E2eBenchmark.Mode.PER_RECORD.label)).mapToDouble(Result::framesPerSecond)
                .findFirst().orElse(Double.NaN);
        StringBuilder t = new StringBuilder("| mode | warm-up frames | frames/s over them (cold JVM) | measured frames | span (s) "
                + "| frames/s | × per-record | peak RSS (MiB) | service CPU (cores) | broker CPU (cores) "
                + "| CPU per frame, service + broker (µs) | CPU-bound ceiling on " + CORES + " cores (frames/s) |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            t.append(String.format(Locale.ROOT, "| %s | %,d | %,.0f | %,d | %.1f | %,.0f | %s | %,d | %.2f | %.2f | %.0f + %.0f | %,.0f |%n",
                    r.mode(), r.warmupFrames(), r.coldFramesPerSecond(), r.frames(), r.seconds(), r.framesPerSecond(),
                    Double.isNaN(perRecord) ? "" : String.format(Locale.ROOT, "%.1f", r.framesPerSecond() / perRecord),
                    r.peakRssMiB(), r.cpuCores(), r.brokerCpuCores(), r.serviceMicrosPerFrame(), r.brokerMicrosPerFrame(),
                    r.ceiling(CORES)));
        }
        t.append("\nThe ceiling is what the measured CPU per frame (service and broker together) allows if every core did "
                + "nothing else; the bench's own reader and the operating system are left out.\n");
        t.append("\nThe service's busiest threads over the measured frames, CPU seconds (Linux thread names, digits as #):\n\n");
        for (Result r : results) {
            t.append("- ").append(r.mode()).append(": ").append(r.busiestThreads()).append('\n');
        }
        return t.toString();
    }

    static String rateTable(List<RateResult> results) {
        StringBuilder t = new StringBuilder("| offered (frames/s) | sent (frames/s) | scored | score p50 (ms) | score p99 (ms) "
                + "| score p99.9 (ms) | score max (ms) | until scored p50/p99 (ms) | scored to reader p50/p99 (ms) | anomaly events "
                + "| event p50 (ms) | event p99 (ms) | event p99.9 (ms) | peak RSS (MiB) | service CPU (cores) | broker CPU (cores) |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RateResult r : results) {
            Histogram s = r.scoreLatency();
            Histogram e = r.eventLatency();
            t.append(String.format(Locale.ROOT, "| %,d | %,.0f | %,d | %d | %d | %d | %d | %d / %d | %d / %d | %,d | %d | %d | %d | %,d | %.2f | %.2f |%n",
                    r.offered(), r.sent(), r.scored(), s.getValueAtPercentile(50), s.getValueAtPercentile(99),
                    s.getValueAtPercentile(99.9), s.getMaxValue(), r.toScored().getValueAtPercentile(50), r.toScored().getValueAtPercentile(99),
                    r.scoredToRead().getValueAtPercentile(50), r.scoredToRead().getValueAtPercentile(99), r.events(), e.getValueAtPercentile(50),
                    e.getValueAtPercentile(99), e.getValueAtPercentile(99.9), r.peakRssMiB(), r.cpuCores(), r.brokerCpuCores()));
        }
        return t.toString();
    }

    static void plotLatency(Path png, List<RateResult> results) throws IOException {
        List<BenchPlot.Series> series = new ArrayList<>();
        for (double p : new double[] {50, 99, 99.9}) {
            List<double[]> points = new ArrayList<>();
            for (RateResult r : results) {
                points.add(new double[] {r.offered(), r.scoreLatency().getValueAtPercentile(p)});
            }
            series.add(new BenchPlot.Series(String.format(Locale.ROOT, "score p%s", p == 99.9 ? "99.9" : Integer.toString((int) p)), points));
        }
        List<double[]> events = new ArrayList<>();
        for (RateResult r : results) {
            events.add(new double[] {r.offered(), r.eventLatency().getValueAtPercentile(99)});
        }
        series.add(new BenchPlot.Series("anomaly event p99", events));
        BenchPlot.lines(png, "Frame to score / anomaly event latency (read_committed consumer)", "offered frames/s",
                "latency (ms)", series, false);
        System.out.println("plot written to " + png + " (" + Arrays.toString(results.stream().mapToInt(RateResult::offered).toArray()) + ")");
    }
}
