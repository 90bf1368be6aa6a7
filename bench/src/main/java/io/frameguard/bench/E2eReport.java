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
     * those first frames. CPU in cores and the service's busiest threads over the measured frames; {@code jitCores},
     * the part of the service's CPU its JIT compiler threads spent (still compiling after the warm-up: start-up work,
     * which the model alone is measured without too).
     *
     * {@code brokerCpuCores} likewise for the broker, {@code brokerJitCores} its JIT compilers' part.
     *
     * <p>The same run's comparisons: {@code modelMicros}, the model's own CPU per frame (its predictor calls alone at the
     * mode's batch size); {@code brokerProduce}, the broker's CPU per frame while the backlog was produced;
     * {@code brokerFramesOnly}, the broker's CPU per frame to take the frames in and hand them to one plain
     * consumer, nobody scoring them; {@code bare}, the bare batched consumer on the same backlog (null where not run);
     * {@code gpu}, how busy the GPU was over the measured frames (null where the machine has none).
     */
    record Result(String mode, int frames, int warmupFrames, double seconds, double framesPerSecond, double coldFramesPerSecond,
            long peakRssMiB, double cpuCores, double jitCores, double brokerCpuCores, double brokerJitCores, String busiestThreads,
            double modelMicros, Micros brokerProduce, Micros brokerFramesOnly, E2eBaselines.BareResult bare, GpuSampler.GpuUse gpu) {

        /** The service's CPU time per measured frame. */
        double serviceMicrosPerFrame() {
            return cpuCores / framesPerSecond * 1e6;
        }

        /** The part of {@link #serviceMicrosPerFrame} that its JIT compilers spent. */
        double jitMicrosPerFrame() {
            return jitCores / framesPerSecond * 1e6;
        }

        /** The service's CPU time per measured frame but its JIT compilers': what the model alone is compared on. */
        double steadyServiceMicrosPerFrame() {
            return serviceMicrosPerFrame() - jitMicrosPerFrame();
        }

        /** The broker's CPU time per measured frame. */
        double brokerMicrosPerFrame() {
            return brokerCpuCores / framesPerSecond * 1e6;
        }

        /** The broker's CPU time per measured frame: in all, and its JIT compilers' part. */
        Micros brokerPipeline() {
            return new Micros(brokerMicrosPerFrame(), brokerJitCores / framesPerSecond * 1e6);
        }

        /** This result with the bare consumer's run on the same backlog. */
        Result withBare(E2eBaselines.BareResult run) {
            return new Result(mode, frames, warmupFrames, seconds, framesPerSecond, coldFramesPerSecond, peakRssMiB, cpuCores,
                    jitCores, brokerCpuCores, brokerJitCores, busiestThreads, modelMicros, brokerProduce, brokerFramesOnly, run, gpu);
        }

        /** The service's CPU per frame over the model's own, both without their JIT compilers' CPU. */
        double serviceOverModel() {
            return steadyServiceMicrosPerFrame() / modelMicros;
        }

        /**
         * The broker's whole work per frame with frameguard, its JIT compilers' CPU left out as on every side of
         * these ratios: taking the frame in, then everything the pipeline reads and writes for it.
         */
        double brokerWorkMicros() {
            return brokerProduce.steady() + brokerPipeline().steady();
        }

        /** The broker's work per frame with frameguard over its work to move the frames alone, both less JIT. */
        double brokerOverFramesOnly() {
            return brokerWorkMicros() / brokerFramesOnly.steady();
        }

        /** {@link #brokerOverFramesOnly} with the broker's JIT compilers' CPU counted on both sides. */
        double brokerOverFramesOnlyWithJit() {
            return (brokerProduce.all() + brokerPipeline().all()) / brokerFramesOnly.all();
        }

        /**
         * The bare consumer's CPU per frame less its JIT compilers' over the model's own: what a pipeline with no detector,
         * no transactions and no explanations costs beside the model, the floor under {@link #serviceOverModel}; NaN where
         * it was not run.
         */
        double bareOverModel() {
            return bare == null ? Double.NaN : bare.steadyMicrosPerFrame() / modelMicros;
        }

        /** frameguard's rate over the bare consumer's; NaN where that was not run. */
        double overBare() {
            return bare == null ? Double.NaN : framesPerSecond / bare.framesPerSecond();
        }

        /** Frames per second that {@code cores} would allow at this CPU per frame, service and broker together. */
        double ceiling(int cores) {
            return cores * 1e6 / (serviceMicrosPerFrame() + brokerMicrosPerFrame());
        }
    }

    /**
     * CPU µs per frame of one process over one phase: {@code all} of it and its JIT compilers' part ({@code jit}), which
     * a process started for the benchmark still spends compiling after its warm-up and a long-running one does not.
     */
    record Micros(double all, double jit) {
        double steady() {
            return all - jit;
        }
    }

    /**
     * One offered rate's result; latencies in ms, events = anomaly events received in the measured period. An event's
     * latency in two parts, over the events whose frame's score the reader had first (their count is
     * {@code scoreToEvent}'s): its frame's score latency ({@code eventFrameScore}: until the reader had the frame's score)
     * and the detector's share ({@code scoreToEvent}: from the reader having the score to it having the event). The
     * measured window follows a warm-up at the offered rate; {@code afterStart} is the latency of its first seconds, right
     * after the service's backlog. CPU is over the measured window, in cores: {@code cpuCores} and {@code brokerCpuCores}
     * the two processes', {@code serviceJitCores} and {@code brokerJitCores} their JIT compilers' share of it (near zero
     * when the window is steady).
     */
    record RateResult(int offered, double sent, long scored, Histogram scoreLatency, Histogram toScored, Histogram scoredToRead,
            long events, Histogram eventLatency, Histogram eventFrameScore, Histogram scoreToEvent, AfterStart afterStart,
            double serviceJitCores, double brokerJitCores, long peakRssMiB, double cpuCores, double brokerCpuCores) {}

    /** Latency of the frames offered in the first {@code seconds} of a rate, right after the service's start and backlog, ms. */
    record AfterStart(int seconds, Histogram scoreLatency, Histogram eventLatency) {}

    /** A histogram's p99 as text; a dash when it holds nothing (no window, or nothing came in it). */
    static String p99(Histogram h) {
        return h.getTotalCount() == 0 ? "—" : Long.toString(h.getValueAtPercentile(99));
    }

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
        t.append("\nPer frame against this run's baselines (CPU µs per frame; targets of issue #26: service ≤ 2× the model, "
                + "broker ≤ 1.5× frames only, JSON ≥ 2× the bare consumer):\n\n"
                + "| mode | service | of it JIT compiling | model alone | service less JIT / model "
                + "| broker with frameguard less JIT (produce + pipeline) | its JIT compiling besides "
                + "| broker, frames only less JIT (produce + one reader) | its JIT compiling besides | broker / frames only, less JIT "
                + "| the same with JIT | bare consumer (frames/s) "
                + "| bare consumer CPU per frame | frameguard / bare | bare consumer less JIT / model |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            t.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.2f | %.1f + %.1f | %.1f + %.1f | %.1f | %.1f | %.2f | %.2f | %s | %s | %s | %s |%n",
                    r.mode(), r.serviceMicrosPerFrame(), r.jitMicrosPerFrame(), r.modelMicros(), r.serviceOverModel(),
                    r.brokerProduce().steady(), r.brokerPipeline().steady(), r.brokerProduce().jit(), r.brokerPipeline().jit(),
                    r.brokerFramesOnly().steady(), r.brokerFramesOnly().jit(), r.brokerOverFramesOnly(), r.brokerOverFramesOnlyWithJit(),
                    r.bare() == null ? "" : String.format(Locale.ROOT, "%,.0f", r.bare().framesPerSecond()),
                    r.bare() == null ? "" : String.format(Locale.ROOT, "%.1f", r.bare().microsPerFrame()),
                    r.bare() == null ? "" : String.format(Locale.ROOT, "%.2f", r.overBare()),
                    r.bare() == null ? "" : String.format(Locale.ROOT, "%.2f", r.bareOverModel())));
        }
        t.append("\nThe ceiling is what the measured CPU per frame (service and broker together) allows if every core did "
                + "nothing else; the bench's own reader and the operating system are left out.\n");
        t.append("\nThe service's busiest threads over the measured frames, CPU seconds (Linux thread names, digits as #):\n\n");
        for (Result r : results) {
            t.append("- ").append(r.mode()).append(": ").append(r.busiestThreads()).append('\n');
        }
        if (results.stream().anyMatch(r -> r.gpu() != null)) {
            t.append("\nThe GPU over the measured frames (nvidia-smi's utilisation: the share of time in which a kernel ran):\n\n");
            for (Result r : results) {
                t.append("- ").append(r.mode()).append(": ").append(r.gpu() == null ? "not sampled" : r.gpu().toString()).append('\n');
            }
        }
        return t.toString();
    }

    static String rateTable(List<RateResult> results) {
        StringBuilder t = new StringBuilder("| offered (frames/s) | sent (frames/s) | scored | score p50 (ms) | score p99 (ms) "
                + "| score p99.9 (ms) | score max (ms) | until scored p50/p99 (ms) | scored to reader p50/p99 (ms) | anomaly events "
                + "| event p50 (ms) | event p99 (ms) | event p99.9 (ms) | events matched with their score "
                + "| their frame scored p50/p99 (ms) | score to event p50/p99 (ms) "
                + "| right after start: score / event p99 (ms) | peak RSS (MiB) | service CPU in the window (cores) "
                + "| broker CPU in the window (cores) | of it JIT compiling, service / broker (cores) |\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (RateResult r : results) {
            Histogram s = r.scoreLatency();
            Histogram e = r.eventLatency();
            boolean matched = r.scoreToEvent().getTotalCount() > 0;
            t.append(String.format(Locale.ROOT, "| %,d | %,.0f | %,d | %d | %d | %d | %d | %d / %d | %d / %d | %,d | %d | %d | %d | %,d | %s | %s "
                    + "| %s / %s | %,d | %.2f | %.2f | %.2f / %.2f |%n",
                    r.offered(), r.sent(), r.scored(), s.getValueAtPercentile(50), s.getValueAtPercentile(99),
                    s.getValueAtPercentile(99.9), s.getMaxValue(), r.toScored().getValueAtPercentile(50), r.toScored().getValueAtPercentile(99),
                    r.scoredToRead().getValueAtPercentile(50), r.scoredToRead().getValueAtPercentile(99), r.events(), e.getValueAtPercentile(50),
                    e.getValueAtPercentile(99), e.getValueAtPercentile(99.9), r.scoreToEvent().getTotalCount(),
                    matched ? r.eventFrameScore().getValueAtPercentile(50) + " / " + r.eventFrameScore().getValueAtPercentile(99) : "",
                    matched ? r.scoreToEvent().getValueAtPercentile(50) + " / " + r.scoreToEvent().getValueAtPercentile(99) : "",
                    p99(r.afterStart().scoreLatency()), p99(r.afterStart().eventLatency()), r.peakRssMiB(), r.cpuCores(),
                    r.brokerCpuCores(), r.serviceJitCores(), r.brokerJitCores()));
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

    /**
     * The scaling grid's table; with {@code plotDir}, its two plots (throughput against partitions for each of
     * {@code workerCounts} at the base shape's frame size, and against frame size at its workers and partitions).
     */
    static String scalingTable(List<ScalingResult> results, Path plotDir, List<Integer> workerCounts, Shape base) throws IOException {
        int dim = base.dim();
        int workers = base.workers();
        int partitions = base.partitions();
        boolean gpu = results.stream().anyMatch(sr -> sr.result().gpu() != null);
        StringBuilder t = new StringBuilder("| workers | partitions | floats per frame | frames | frames/s | first frames/s (cold) "
                + "| MB/s of frames | peak RSS (MiB) | service CPU (cores) | broker CPU (cores) |" + (gpu ? " GPU busy (mean %) |" : "") + "\n"
                + "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|" + (gpu ? "---:|" : "") + "\n");
        for (ScalingResult sr : results) {
            Shape s = sr.shape();
            Result r = sr.result();
            t.append(String.format(Locale.ROOT, "| %d | %d | %,d | %,d | %,.0f | %,.0f | %.1f | %,d | %.2f | %.2f |", s.workers(),
                    s.partitions(), s.dim(), r.frames(), r.framesPerSecond(), r.coldFramesPerSecond(),
                    r.framesPerSecond() * s.dim() * 4 / 1e6, r.peakRssMiB(), r.cpuCores(), r.brokerCpuCores()));
            if (gpu) {
                t.append(r.gpu() == null ? " |" : String.format(Locale.ROOT, " %.0f |", r.gpu().meanUtilisation()));
            }
            t.append('\n');
        }
        if (plotDir != null) {
            List<BenchPlot.Series> byPartitions = new ArrayList<>();
            for (int w : workerCounts) {
                List<double[]> points = results.stream().filter(sr -> sr.shape().workers() == w && sr.shape().dim() == dim)
                        .map(sr -> new double[] {sr.shape().partitions(), sr.result().framesPerSecond()}).toList();
                byPartitions.add(new BenchPlot.Series(w + " worker(s)", points));
            }
            Path partitionsPng = plotDir.resolve("bench-e2e-partitions.png");
            BenchPlot.lines(partitionsPng, "float32 frames/s after the service's warm-up, " + dim + " floats per frame", "partitions of the frames topic",
                    "frames/s", byPartitions, false);
            List<double[]> bySize = results.stream().filter(sr -> sr.shape().workers() == workers && sr.shape().partitions() == partitions)
                    .sorted((a, b) -> Integer.compare(a.shape().dim(), b.shape().dim()))
                    .map(sr -> new double[] {sr.shape().dim(), sr.result().framesPerSecond()}).toList();
            Path sizePng = plotDir.resolve("bench-e2e-frame-size.png");
            BenchPlot.lines(sizePng, "float32 frames/s after the service's warm-up, " + workers + " worker(s), " + partitions + " partitions",
                    "floats per frame", "frames/s", List.of(new BenchPlot.Series("frames/s", bySize)), true);
            t.append("\n![throughput against partitions](").append(partitionsPng.getFileName()).append(")\n")
                    .append("\n![throughput against frame size](").append(sizePng.getFileName()).append(")\n");
        }
        return t.toString();
    }

    /** The scaling grid's RESULT line. */
    static String scalingResultLine(List<ScalingResult> results) {
        StringBuilder line = new StringBuilder("RESULT e2e-scaling");
        for (ScalingResult sr : results) {
            Shape s = sr.shape();
            line.append(String.format(Locale.ROOT, " w%d_p%d_d%d_frames_per_s=%.0f", s.workers(), s.partitions(), s.dim(),
                    sr.result().framesPerSecond()));
        }
        return line.toString();
    }
}
