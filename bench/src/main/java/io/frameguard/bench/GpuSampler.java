package io.frameguard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How busy the machine's NVIDIA GPU is while the benchmark measures: {@code nvidia-smi} queried every
 * {@value #EVERY_MS} ms from {@link #start} to {@link #stop}. Its utilisation is the share of each sample period in
 * which at least one kernel ran (the driver's figure, not the share of the chip in use): what issue #26's "keeps the
 * GPU busy" is read on. Where there is no {@code nvidia-smi} (every CPU-only machine), {@link #start} returns null and
 * the tables leave the GPU out.
 */
final class GpuSampler implements AutoCloseable {

    /** The sample period: nvidia-smi's utilisation is averaged by the driver over about this long. */
    static final int EVERY_MS = 100;

    /** What the GPU did over the measured span: utilisation per sample, memory in use at most. */
    record GpuUse(int samples, double meanUtilisation, int p50Utilisation, int maxUtilisation, int maxMemoryMiB) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "GPU busy %.0f %% on average (p50 %d %%, max %d %%; %d samples of %d ms), "
                    + "up to %,d MiB of its memory", meanUtilisation, p50Utilisation, maxUtilisation, samples, EVERY_MS, maxMemoryMiB);
        }
    }

    private final Process process;
    private final List<int[]> samples = new ArrayList<>();
    private final Thread reader;

    private GpuSampler(Process process) {
        this.process = process;
        this.reader = new Thread(this::read, "gpu-sampler");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts sampling the first GPU, or returns null where nvidia-smi is not there or sees no GPU. */
    static GpuSampler start() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--id=0", "--query-gpu=utilization.gpu,memory.used",
                    "--format=csv,noheader,nounits", "-lms", Integer.toString(EVERY_MS)).redirectErrorStream(true).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy)); // a run that fails midway leaves no sampler behind
            return new GpuSampler(p);
        } catch (IOException e) {
            return null; // no nvidia-smi: no GPU to sample
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                String[] parts = line.split(",");
                if (parts.length == 2) {
                    try {
                        int[] s = {Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip())};
                        synchronized (samples) {
                            samples.add(s);
                        }
                    } catch (NumberFormatException e) {
                        // "[N/A]" or a message rather than a sample: not counted
                    }
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    /** Stops sampling; null where nvidia-smi gave no sample (no GPU it could read). */
    GpuUse stop() throws InterruptedException {
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
        reader.join(TimeUnit.SECONDS.toMillis(5));
        List<int[]> taken;
        synchronized (samples) {
            taken = List.copyOf(samples);
        }
        if (taken.isEmpty()) {
            return null;
        }
        int[] utilisation = taken.stream().mapToInt(s -> s[0]).sorted().toArray();
        return new GpuUse(utilisation.length, Arrays.stream(utilisation).average().orElse(0),
                utilisation[utilisation.length / 2], utilisation[utilisation.length - 1],
                taken.stream().mapToInt(s -> s[1]).max().orElse(0));
    }

    @Override
    public void close() {
        process.destroy();
    }
}
