package io.frameguard.datasets;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Synthetic multichannel sensor frames with known structure and injectable faults, for the demo, the tests
 * and the benchmarks.
 *
 * <p>Each channel is a fixed random mix of {@value #FACTORS} slow periodic factors plus a channel offset and
 * white noise, so channels are correlated the way real machine sensors are (temperature, vibration and current
 * moving together). A frame is a pure function of (seed, source, time step): the same call always gives the
 * same frame, so a frozen channel can be frozen at an earlier value and tests can reproduce any frame.
 */
public final class SensorSimulator {

    static final int FACTORS = 3;
    private static final double[] PERIODS = {50, 137, 311};
    /** Noise standard deviation relative to a channel's typical swing. */
    static final double NOISE = 0.05;

    /** Faults a frame can carry; magnitudes are in units of the channel's typical swing. */
    public enum Fault {
        /** One reading far off (e.g. a bad sample, an impact). */
        SPIKE,
        /** A channel offset by a step (e.g. a miscalibrated sensor, a clogged filter). */
        LEVEL_SHIFT,
        /** A channel stuck at an earlier value while the others move (e.g. a dead sensor). */
        FROZEN
    }

    public static final double SPIKE_SIZE = 8.0;
    public static final double SHIFT_SIZE = 4.0;

    private final int dim;
    private final long seed;
    private final double[][] mix;
    private final double[] offset;
    private final double[] swing;

    public SensorSimulator(int dim, long seed) {
        if (dim < 2) {
            throw new IllegalArgumentException("dim must be >= 2");
        }
        this.dim = dim;
        this.seed = seed;
        SplittableRandom r = new SplittableRandom(seed);
        mix = new double[dim][FACTORS];
        offset = new double[dim];
        swing = new double[dim];
        for (int c = 0; c < dim; c++) {
            double norm = 0;
            for (int f = 0; f < FACTORS; f++) {
                mix[c][f] = r.nextDouble(-1, 1);
                norm += mix[c][f] * mix[c][f];
            }
            offset[c] = r.nextDouble(-5, 5);
            swing[c] = Math.sqrt(norm);
        }
    }

    public int dim() {
        return dim;
    }

    /** The normal frame of {@code source} at time step {@code t}. */
    public float[] frame(String source, long t) {
        float[] x = new float[dim];
        long sourceSeed = seed * 31 + source.hashCode();
        SplittableRandom noise = new SplittableRandom(sourceSeed * 1_000_003L + t);
        double[] factor = new double[FACTORS];
        for (int f = 0; f < FACTORS; f++) {
            double phase = new SplittableRandom(sourceSeed + f).nextDouble(0, 2 * Math.PI);
            factor[f] = Math.sin(2 * Math.PI * t / PERIODS[f] + phase);
        }
        for (int c = 0; c < dim; c++) {
            double v = offset[c];
            for (int f = 0; f < FACTORS; f++) {
                v += mix[c][f] * factor[f];
            }
            x[c] = (float) (v + noise.nextGaussian() * NOISE * swing[c]);
        }
        return x;
    }

    /**
     * The frame of {@code source} at step {@code t} with {@code fault} on {@code channel}; a frozen channel keeps
     * the value it had at {@code faultStart}, the step at which the fault began.
     */
    public float[] faulty(String source, long t, Fault fault, int channel, long faultStart) {
        float[] x = frame(source, t);
        switch (fault) {
            case SPIKE -> x[channel] += (float) (SPIKE_SIZE * swing[channel]);
            case LEVEL_SHIFT -> x[channel] += (float) (SHIFT_SIZE * swing[channel]);
            case FROZEN -> x[channel] = frame(source, faultStart)[channel];
        }
        return x;
    }

    /** Normal training data: {@code frames} frames spread over {@code sources} sources, row-major. */
    public float[] trainingData(int frames, int sources) {
        float[] out = new float[frames * dim];
        for (int i = 0; i < frames; i++) {
            float[] x = frame("train-" + (i % sources), i / sources);
            System.arraycopy(x, 0, out, i * dim, dim);
        }
        return out;
    }

    /** Writes {@code frames} normal frames from {@code sources} machines as CSV with a header of channel names (ch0, ch1, ...). */
    public void writeCsv(int frames, int sources, Path out) throws IOException {
        float[] data = trainingData(frames, sources);
        int dim = dim();
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
