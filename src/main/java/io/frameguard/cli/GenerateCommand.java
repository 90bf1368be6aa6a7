package io.frameguard.cli;

import io.frameguard.datasets.SensorSimulator;
import java.nio.file.Path;
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

    @Option(names = "--seed", defaultValue = "7", description = "Simulator seed: the plant itself (how its machines' channels move together) follows from it, so "
            + "frames of another seed are another plant's; the demo's stream uses the same (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        CommandOptions.atLeastOne("--frames", frames);
        if (dim < SensorSimulator.MIN_DIM) {
            throw new IllegalArgumentException("--dim must be at least " + SensorSimulator.MIN_DIM + ", got " + dim);
        }
        CommandOptions.atLeastOne("--sources", sources);
        CommandOptions.createParent(out);
        new SensorSimulator(dim, seed).writeCsv(frames, sources, out);
        System.out.printf("wrote %d normal frames x %d channels to %s%n", frames, dim, out);
        return 0;
    }
}
