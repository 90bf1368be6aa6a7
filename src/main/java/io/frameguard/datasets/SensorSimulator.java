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
 * moving together). A {@link #machine} adds a fast rhythm that every channel carries with its own weight (a shaft's
 * rotation felt by several sensors), so that a window of steps has a rhythm whose change can be seen. A frame is a
 * pure function of (seed, source, time step): the same call always gives the same frame, so a frozen channel can be
 * frozen at an earlier value and tests can reproduce any frame.
 *
 * <p>Frames come one step at a time ({@link #frame}: {@code dim} channels) or as windows ({@link #window}: the
 * channels of {@code steps} consecutive steps, time-major, as a producer of windowed frames sends them).
 */
public final class SensorSimulator {

    static final int FACTORS = 3;
    private static final double[] PERIODS = {50, 137, 311};
    /** Noise standard deviation relative to a channel's typical swing. */
    static final double NOISE = 0.05;

    /** Faults a frame can carry on a channel; magnitudes are in units of the channel's typical swing. */
    public enum Fault {
        /** One reading far off (e.g. a bad sample, an impact). */
        SPIKE,
        /** A channel offset by a step (e.g. a miscalibrated sensor, a clogged filter). */
        LEVEL_SHIFT,
        /** A channel stuck at an earlier value while the others move (e.g. a dead sensor). */
        FROZEN,
        /** A channel's rhythms run {@value #FREQUENCY_RATIO} times as fast (e.g. a bearing or a belt slipping). */
        FREQUENCY,
        /**
         * A channel that stops agreeing with the others: its rhythms keep their periods and sizes but run a quarter
         * period out of step with the machine's, so it no longer correlates with what it moved with (e.g. a sensor
         * moved to another machine, a wire swapped).
         */
        DECORRELATED
    }

    public static final double SPIKE_SIZE = 8.0;
    public static final double SHIFT_SIZE = 4.0;
    public static final double FREQUENCY_RATIO = 2.3;
    /** Period, in steps, of a machine's fast rhythm. */
    static final double FAST_PERIOD = 9.3;
    /** A machine's speed swings by this share around its nominal speed. */
    static final double SPEED_SWING = 0.2;
    /** A machine's load swings by this share around its mean. */
    static final double LOAD_SWING = 0.4;
    /** Waves in a machine's process signal. */
    static final int PROCESS_WAVES = 8;
    /** Range of the periods, in steps, of the waves of a machine's process signal. */
    static final double[] PROCESS_PERIODS = {6, 150};
    /** Range of the periods, in steps, of a machine's speed and load swings (each source draws its own). */
    static final double[] SWING_PERIODS = {300, 900};

    private final int dim;
    private final long seed;
    private final double[][] mix;
    /** Each channel's weight of the fast rhythm; all zero for a plain simulator. */
    private final double[] fast;
    private final double[] offset;
    private final double[] swing;
    /** Each channel's weight of the machine's process signal; all zero for a plain simulator. */
    private final double[] process;
    /** A machine: speed and load swing, and a fast rhythm. */
    private final boolean machine;

    /** Frames of {@code dim} channels moved by slow rhythms only. */
    /** The fewest channels a simulated machine has (they move together: one alone could not). */
    public static final int MIN_DIM = 2;

    public SensorSimulator(int dim, long seed) {
        this(dim, seed, false);
    }

    private SensorSimulator(int dim, long seed, boolean fastRhythm) {
        if (dim < MIN_DIM) {
            throw new IllegalArgumentException("dim must be >= " + MIN_DIM);
        }
        this.dim = dim;
        this.seed = seed;
        this.machine = fastRhythm;
        SplittableRandom r = new SplittableRandom(seed);
        mix = new double[dim][FACTORS];
        fast = new double[dim];
        process = new double[dim];
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
        if (fastRhythm) {
            SplittableRandom rf = new SplittableRandom(seed ^ 0x5eed);
            for (int c = 0; c < dim; c++) {
                fast[c] = rf.nextDouble(0.3, 1.0) * (rf.nextBoolean() ? 1 : -1);
                process[c] = rf.nextDouble(-1, 1);
                swing[c] = Math.sqrt(swing[c] * swing[c] + fast[c] * fast[c] / 2 + process[c] * process[c]);
            }
        }
    }

    /**
     * A machine of {@code channels} sensors: slow rhythms and a fast one (period {@value #FAST_PERIOD} steps) that
     * every channel carries with its own weight. For windowed frames ({@link #window}).
     */
    public static SensorSimulator machine(int channels, long seed) {
        return new SensorSimulator(channels, seed, true);
    }

    public int dim() {
        return dim;
    }

    /** The normal frame of {@code source} at time step {@code t}. */
    public float[] frame(String source, long t) {
        float[] x = new float[dim];
        long sourceSeed = seed * 31 + source.hashCode();
        SplittableRandom noise = new SplittableRandom(sourceSeed * 1_000_003L + t);
        for (int c = 0; c < dim; c++) {
            x[c] = (float) (rhythms(sourceSeed, c, t, 0) + noise.nextGaussian() * NOISE * swing[c]);
        }
        return x;
    }

    /**
     * Channel {@code c}'s value at step {@code t} without noise, its rhythms in the phases of {@code phaseSeed} shifted
     * by {@code shift} radians.
     */
    private double rhythms(long phaseSeed, int c, double t, double shift) {
        double v = offset[c];
        // a machine's rhythms follow its shaft: their phase advances with the shaft's turning (tau), not with the clock
        double tau = machine ? shaftTime(phaseSeed, t) : t;
        for (int f = 0; f < FACTORS; f++) {
            v += mix[c][f] * Math.sin(2 * Math.PI * tau / PERIODS[f] + phase(phaseSeed, f) + shift);
        }
        if (fast[c] != 0) {
            v += fast[c] * load(phaseSeed, t) * Math.sin(2 * Math.PI * tau / FAST_PERIOD + phase(phaseSeed, FACTORS) + shift);
        }
        if (process[c] != 0) {
            v += process[c] * process(phaseSeed, tau, shift);
        }
        return v;
    }

    /**
     * A machine's process: what it is working on, felt by every channel with its own weight. Unlike the rhythms it has
     * no period: a sum of {@value #PROCESS_WAVES} waves of periods each source draws at random between
     * {@link #PROCESS_PERIODS}, so two sources' windows (or one source's, far apart) share no shape over time, while at
     * each step the channels still move together. Unit variance.
     */
    private static double process(long phaseSeed, double tau, double shift) {
        SplittableRandom r = new SplittableRandom(phaseSeed ^ 0x165667b1L);
        double v = 0;
        for (int i = 0; i < PROCESS_WAVES; i++) {
            double period = r.nextDouble(PROCESS_PERIODS[0], PROCESS_PERIODS[1]);
            v += Math.sin(2 * Math.PI * tau / period + r.nextDouble(0, 2 * Math.PI) + shift);
        }
        return v * Math.sqrt(2.0 / PROCESS_WAVES);
    }

    /**
     * A machine's shaft position at step {@code t}, in steps at its nominal speed: its speed swings by
     * {@value #SPEED_SWING} around nominal over a period of its own ({@link #SWING_PERIODS}), so the shape of a window
     * differs from one window to the next while the channels keep moving together at each step.
     */
    private static double shaftTime(long phaseSeed, double t) {
        SplittableRandom r = new SplittableRandom(phaseSeed ^ 0x5bd1e995L);
        double period = r.nextDouble(SWING_PERIODS[0], SWING_PERIODS[1]);
        double phase = r.nextDouble(0, 2 * Math.PI);
        // the integral of 1 + swing * sin(2 pi t / period + phase)
        return t - SPEED_SWING * period / (2 * Math.PI) * (Math.cos(2 * Math.PI * t / period + phase) - Math.cos(phase));
    }

    /** A machine's load at step {@code t}: it scales the fast rhythm (vibration grows with load), by up to {@value #LOAD_SWING}. */
    private static double load(long phaseSeed, double t) {
        SplittableRandom r = new SplittableRandom(phaseSeed ^ 0x27d4eb2dL);
        double period = r.nextDouble(SWING_PERIODS[0], SWING_PERIODS[1]);
        return 1 + LOAD_SWING * Math.sin(2 * Math.PI * t / period + r.nextDouble(0, 2 * Math.PI));
    }

    private static double phase(long phaseSeed, int factor) {
        return new SplittableRandom(phaseSeed + factor).nextDouble(0, 2 * Math.PI);
    }

    /**
     * The frame of {@code source} at step {@code t} with {@code fault} on {@code channel}, a fault that began at step
     * {@code faultStart}: a frozen channel keeps the value it had then; a changed frequency or lost phase applies
     * from then on (a spike and a level shift at any step given).
     */
    public float[] faulty(String source, long t, Fault fault, int channel, long faultStart) {
        float[] x = frame(source, t);
        long sourceSeed = seed * 31 + source.hashCode();
        double normal = rhythms(sourceSeed, channel, t, 0);
        switch (fault) {
            case SPIKE -> x[channel] += (float) (SPIKE_SIZE * swing[channel]);
            case LEVEL_SHIFT -> x[channel] += (float) (SHIFT_SIZE * swing[channel]);
            case FROZEN -> x[channel] = frame(source, faultStart)[channel];
            case FREQUENCY -> x[channel] += (float) (rhythms(sourceSeed, channel, faultStart + (t - faultStart) * FREQUENCY_RATIO, 0)
                    - normal);
            // a quarter period out of step: uncorrelated with every rhythm it followed
            case DECORRELATED -> x[channel] += (float) (rhythms(sourceSeed, channel, t, Math.PI / 2) - normal);
        }
        return x;
    }

    /** The normal window of {@code source}: steps {@code t0 .. t0 + steps - 1}, each step's channels in turn. */
    public float[] window(String source, long t0, int steps) {
        float[] w = new float[steps * dim];
        for (int i = 0; i < steps; i++) {
            System.arraycopy(frame(source, t0 + i), 0, w, i * dim, dim);
        }
        return w;
    }

    /**
     * The window of {@code source} from step {@code t0} with {@code fault} on each of {@code channels}, beginning at
     * step {@code t0 + at} (a spike: only there; the others: from there to the window's end).
     */
    public float[] faultyWindow(String source, long t0, int steps, Fault fault, int[] channels, int at) {
        float[] w = window(source, t0, steps);
        for (int i = fault == Fault.SPIKE ? at : Math.max(0, at); i < (fault == Fault.SPIKE ? at + 1 : steps); i++) {
            for (int c : channels) {
                w[i * dim + c] = faulty(source, t0 + i, fault, c, t0 + at)[c];
            }
        }
        return w;
    }

    /**
     * {@code window} (steps of this simulator's channels, time-major) with every channel's swing around its offset scaled
     * by {@code gain}: what a slow drift of the machine's amplitude (wear, a sensor's gain) looks like. The channels
     * still move together; scores of a window model grow with the gain.
     */
    public float[] withGain(float[] window, double gain) {
        float[] out = new float[window.length];
        for (int i = 0; i < window.length; i++) {
            int c = i % dim;
            out[i] = (float) (offset[c] + gain * (window[i] - offset[c]));
        }
        return out;
    }

    /** A faulty window and what is wrong with it. */
    public record FaultyWindow(float[] values, Fault fault, int[] channels, int at) {}

    /** Most channels {@link #randomFaultyWindow} puts a fault on: faults come on one to a few sensors. */
    public static final int MAX_FAULTY_CHANNELS = 3;
    /** A lasting fault drawn by {@link #randomFaultyWindow} shows on at least this many steps of its window. */
    public static final int MIN_FAULT_STEPS = 8;

    /**
     * A window of {@code source} at a random time (within the first million steps) with {@code fault} on one to
     * {@value #MAX_FAULTY_CHANNELS} random channels from a random step (a lasting fault at least
     * {@value #MIN_FAULT_STEPS} steps before the end): how the benchmarks and tests draw faulty windows.
     */
    public FaultyWindow randomFaultyWindow(String source, int steps, Fault fault, java.util.Random random) {
        int[] channels = random.ints(0, dim).distinct().limit(1 + random.nextInt(Math.min(MAX_FAULTY_CHANNELS, dim))).toArray();
        int at = fault == Fault.SPIKE ? random.nextInt(steps) : random.nextInt(Math.max(1, steps - MIN_FAULT_STEPS));
        long t0 = random.nextInt(1_000_000);
        return new FaultyWindow(faultyWindow(source, t0, steps, fault, channels, at), fault, channels, at);
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
