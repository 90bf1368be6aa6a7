package io.frameguard.cli;

import io.frameguard.datasets.SensorSimulator;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Write normal synthetic sensor frames (CSV with a header) to train a model on.")
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "FILE.csv")
    Path out;

    @Option(names = "--frames", defaultValue = "20000", description = "Frames to write (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--dim", defaultValue = "16", description = "Channels per frame (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--sources", defaultValue = "8", description = "Simulated machines the frames come from (default: ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--seed", defaultValue = "7", description = "Simulator seed; the demo's stream uses the same (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        writeCsv(new SensorSimulator(dim, seed), frames, sources, out);
        System.out.printf("wrote %d normal frames x %d channels to %s%n", frames, dim, out);
        return 0;
    }

    static void writeCsv(SensorSimulator sim, int frames, int sources, Path out) throws java.io.IOException {
        float[] data = sim.trainingData(frames, sources);
        int dim = sim.dim();
        try (BufferedWriter w = Files.newBufferedWriter(out)) {
            for (int c = 0; c < dim; c++) {
                w.write((c > 0 ? "," : "") + "ch" + c);
            }
            w.write('\n');
            StringBuilder line = new StringBuilder();
            for (int r = 0; r < frames; r++) {
                line.setLength(0);
                for (int c = 0; c < dim; c++) {
                    if (c > 0) {
                        line.append(',');
                    }
                    line.append(String.format(Locale.ROOT, "%.5f", data[r * dim + c]));
                }
                w.write(line.append('\n').toString());
            }
        }
    }
}
