package io.frameguard.bench;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.FrameShape;
import io.frameguard.frames.JsonFrameDecoder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench/json}: CPU per JSON frame of the two readers of {@link JsonFrameDecoder}, side by side in one JVM on the
 * same frames: Jackson's token stream (every frame's reader before) and the byte-level reader of
 * {@code {"values":[...]}} the decoder now tries first; and, as a candidate library, DSL-JSON's reader and number
 * converter over the same shape (no depth or size guards of its own: the fastest a library reads these frames). Frames of 1,024 values (a 64-channel window of 16 steps from
 * the simulator, as JSON producers write them); rounds alternate the readers so that both see the same machine state.
 * Thread CPU time, not wall time: the figure holds on a shared machine.
 */
@Command(name = "json", mixinStandardHelpOptions = true, description = "CPU per JSON frame: Jackson's reader, DSL-JSON's and the byte-level one.")
final class JsonParseBenchmark implements Callable<Integer> {

    @Option(names = "--values", defaultValue = "1024", description = "Values per frame (default: ${DEFAULT-VALUE}).")
    int values;

    @Option(names = "--frames", defaultValue = "2000", description = "Distinct frames, parsed round after round (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--rounds", defaultValue = "15", description = "Rounds per reader, alternating; the median counts (default: ${DEFAULT-VALUE}).")
    int rounds;

    interface Reader {
        void read(byte[] json, float[] out) throws FrameDecodeException;
    }

    @Override
    public Integer call() throws Exception {
        SensorSimulator sim = new SensorSimulator(values, 7);
        List<byte[]> jsons = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < frames; i++) {
            byte[] json = FrameEncoding.json(sim.frame("m" + (i % 8), i));
            jsons.add(json);
            bytes += json.length;
        }
        JsonFrameDecoder decoder = new JsonFrameDecoder();
        FrameShape shape = FrameShape.sensor(values);
        Reader jackson = (json, out) -> JsonFrameDecoder.decodeGeneral(json, out, 0, values);
        Reader current = (json, out) -> decoder.decode(JsonFrameDecoder.CONTENT_TYPE, json, null, out, 0, shape);
        Reader dsl = new DslJsonReader(values);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        double[] jacksonUs = new double[rounds];
        double[] dslUs = new double[rounds];
        double[] currentUs = new double[rounds];
        float[] out = new float[values];
        float[] check = new float[values];
        current.read(jsons.get(0), out);
        dsl.read(jsons.get(0), check);
        if (!Arrays.equals(out, check)) {
            throw new IllegalStateException("DSL-JSON reads the frames' values differently");
        }
        for (int warm = 0; warm < 3; warm++) { // JIT every path first
            run(jackson, jsons, out, cpu);
            run(dsl, jsons, out, cpu);
            run(current, jsons, out, cpu);
        }
        for (int r = 0; r < rounds; r++) {
            jacksonUs[r] = run(jackson, jsons, out, cpu);
            dslUs[r] = run(dsl, jsons, out, cpu);
            currentUs[r] = run(current, jsons, out, cpu);
        }
        double j = median(jacksonUs);
        double d = median(dslUs);
        double c = median(currentUs);
        double meanBytes = (double) bytes / frames;
        System.out.printf(Locale.ROOT, "JSON frame parsing (%s, %d values, %.0f bytes a frame, %d frames x %d rounds, median):%n",
                LocalDate.now(), values, meanBytes, frames, rounds);
        System.out.println("| reader | CPU µs per frame | MB/s per core |");
        System.out.println("|---|---|---|");
        System.out.printf(Locale.ROOT, "| Jackson token stream (before) | %.1f | %.0f |%n", j, meanBytes / j);
        System.out.printf(Locale.ROOT, "| DSL-JSON 2.0.2 reader (candidate) | %.1f | %.0f |%n", d, meanBytes / d);
        System.out.printf(Locale.ROOT, "| byte-level reader + FastDoubleParser (now) | %.1f | %.0f |%n", c, meanBytes / c);
        System.out.printf(Locale.ROOT, "ratio now/before: %.2f; now/DSL-JSON: %.2f%n", c / j, c / d);
        return 0;
    }

    /** {@code {"values":[...]}} through DSL-JSON's reader, each number by its {@code NumberConverter}. */
    private static final class DslJsonReader implements Reader {
        private final com.dslplatform.json.JsonReader<Object> reader = new com.dslplatform.json.DslJson<Object>().newReader();
        private final int dim;

        DslJsonReader(int dim) {
            this.dim = dim;
        }

        @Override
        public void read(byte[] json, float[] out) throws FrameDecodeException {
            try {
                reader.process(json, json.length);
                reader.startObject(); // reads the first token
                reader.getNextToken();
                if (!"values".equals(reader.readKey())) {
                    throw new FrameDecodeException(FrameDecodeException.MALFORMED, "not a values frame");
                }
                if (reader.last() != '[') { // readKey has read the colon and the value's first token
                    throw new FrameDecodeException(FrameDecodeException.MALFORMED, "values is not an array");
                }
                int n = 0;
                for (byte t = reader.getNextToken(); t != ']'; ) {
                    out[n++] = com.dslplatform.json.NumberConverter.deserializeFloat(reader);
                    t = reader.getNextToken();
                    if (t == ',') {
                        t = reader.getNextToken();
                    }
                }
                if (n != dim) {
                    throw new FrameDecodeException(FrameDecodeException.WRONG_DIMENSION, n + " values");
                }
            } catch (java.io.IOException e) {
                throw new FrameDecodeException(FrameDecodeException.MALFORMED, e.getMessage());
            }
        }
    }

    /** Thread CPU µs per frame of one pass over every frame. */
    private static double run(Reader reader, List<byte[]> jsons, float[] out, ThreadMXBean cpu) throws FrameDecodeException {
        long t0 = cpu.getCurrentThreadCpuTime();
        for (byte[] json : jsons) {
            reader.read(json, out);
        }
        return (cpu.getCurrentThreadCpuTime() - t0) / 1000.0 / jsons.size();
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
