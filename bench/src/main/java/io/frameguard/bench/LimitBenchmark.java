package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.InferenceDevice;
import io.frameguard.inference.InferenceThreads;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.TensorFlowLibrary;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The model's ceiling on this machine: isolated scoring throughput (DJL predictor call plus scores and
 * explanations, exactly the scorer's per-batch work after decoding; and the predictor call alone) of the shipped sensor model (dense
 * 1024-128-32-128-1024, frames of 1,024 floats) and image model (dense, 28x28 gray, error maps) at batch sizes
 * 1 to 512. No Kafka, no decoding: what any pipeline around the model can at best reach.
 */
@Command(name = "limit", mixinStandardHelpOptions = true,
        description = "Isolated scoring throughput of the sensor and image models at batch sizes 1..512.")
public final class LimitBenchmark implements Callable<Integer> {

    /** The sensor frame size of the performance targets. */
    static final int SENSOR_DIM = 1024;

    @Option(names = "--batches", split = ",", defaultValue = "1,2,4,8,16,32,64,128,256,512",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(names = "--seconds", defaultValue = "3", description = "Measuring time per batch size (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(names = "--images", defaultValue = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
            description = "Training images for the image model (Debian's dataset-fashion-mnist); skipped when absent.")
    Path images;

    @Option(names = "--models", description = "Directory with already trained artifacts sensor/ and image/ (as this "
            + "benchmark writes them with --keep-models) instead of training here: for a GPU machine, where only TensorFlow's "
            + "CUDA build is loaded and TensorFlow Java (the trainer) is not.")
    Path models;

    @Option(names = "--keep-models", description = "Copy the trained artifacts to this directory (sensor/, image/) for a "
            + "later --models run.")
    Path keepModels;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu or gpu, as frameguard.scorer.device "
            + "(default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--report", description = "Markdown report (e.g. docs/BENCHMARKS.md) whose current figures of this benchmark are replaced; "
            + "the run is also appended to benchmarks-history.md beside it.")
    Path report;

    @Option(names = "--plot", description = "PNG of throughput against batch size (default: next to the report, bench-limit.png).")
    Path plot;

    /**
     * One measured point: {@code framesPerSecond} of the scorer's whole per-batch work (predictor call, scores,
     * explanations), {@code predictOnly} of the DJL predictor call alone, and {@code tensorflowJava} of the same
     * SavedModel function called through TensorFlow Java's own session (the frames copied into a new input tensor and
     * the error maps out of the output, as the predictor does; NaN on a GPU, where TensorFlow Java is not measured): what
     * DJL adds to the model's own work.
     */
    record Point(int batch, double framesPerSecond, double callP50Millis, double callP99Millis, double predictOnly,
            double tensorflowJava) {}

    /** A model's curve. */
    record Curve(String model, List<Point> points) {
        Point best() {
            return points.stream().max((a, b) -> Double.compare(a.framesPerSecond(), b.framesPerSecond())).orElseThrow();
        }
    }

    private String deviceUsed = "cpu()";

    @Override
    public Integer call() throws Exception {
        InferenceDevice on = InferenceDevice.parse(device);
        // the model run as the service runs it (frameguard.scorer.inference-threads' default), before any training here
        E2eBaselines.pinInferenceThreads(on, InferenceThreads.ON_CALLER);
        Path work = Files.createTempDirectory("bench-limit");
        List<Curve> curves = new ArrayList<>();
        SensorSimulator sim = new SensorSimulator(SENSOR_DIM, 7);
        FrameFile sensorData = new FrameFile(SENSOR_DIM, 2000, sim.trainingData(2000, 8), FrameFile.defaultNames(SENSOR_DIM));
        ModelArtifact sensor = models != null ? ModelArtifact.open(models.resolve("sensor"))
                : keep(new AutoencoderTrainer(TrainingOptions.builder().name("bench").version("sensor-1024")
                        .hidden(128).latent(32).epochs(2).build(), TrainingProgress.NONE)
                        .train(sensorData, work.resolve("sensor"), "simulated 1024-channel frames"), "sensor");
        curves.add(measure("sensor dense 1024-128-32-128-1024", sensor, sensorData, on));
        if (Files.exists(images)) {
            FrameFile imageData = ImageFiles.readIdx(images, Set.of(0));
            ModelArtifact image = models != null ? ModelArtifact.open(models.resolve("image"))
                    : keep(new AutoencoderTrainer(TrainingOptions.builder().name("bench").version("image-784")
                            .epochs(2).validationFraction(0.2).build(), TrainingProgress.NONE)
                            .train(imageData, work.resolve("image"), "Fashion-MNIST class 0"), "image");
            curves.add(measure("image dense 784-128-32-128-784 + error maps", image, imageData, on));
        } else {
            System.out.println("no " + images + ": image model skipped (apt-get install dataset-fashion-mnist)");
        }

        String table = table(curves);
        System.out.print(table);
        StringBuilder line = new StringBuilder("RESULT limit device=" + deviceUsed.replace("()", "").replace("(", "").replace(")", ""));
        for (Curve c : curves) {
            line.append(String.format(Locale.ROOT, " %s_max_frames_per_s=%.0f %s_best_batch=%d", c.model().split(" ")[0],
                    c.best().framesPerSecond(), c.model().split(" ")[0], c.best().batch()));
        }
        if (report != null) {
            Path png = plot != null ? plot : (report.toAbsolutePath().getParent().resolve("bench-limit.png"));
            BenchPlot.lines(png, "Scoring throughput vs batch size (isolated, no Kafka)", "batch size (frames per call)",
                    "frames/s", curves.stream().map(c -> new BenchPlot.Series(c.model(),
                            c.points().stream().map(p -> new double[] {p.batch(), p.framesPerSecond()}).toList())).toList(), true);
            BenchReport.publish(report, "limit", "Model limit: isolated scoring throughput",
                    String.format(Locale.ROOT, "%.0f s per batch size; DJL %s, TensorFlow 2.10.1 (%s); device %s; "
                            + "one thread calling the predictor; oneDNN %s", seconds, ai.djl.engine.Engine.getDjlVersion(),
                            TensorFlowLibrary.isCudaBuild() ? "the CUDA 11.3 build" : "TF Java's CPU build", deviceUsed,
                            "0".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS")) ? "off" : "on (TensorFlow's default)"),
                    table + "\n![throughput vs batch size](" + report.toAbsolutePath().getParent().relativize(png) + ")\n");
        }
        System.out.println(line);
        return 0;
    }

    private ModelArtifact keep(ModelArtifact trained, String name) throws java.io.IOException {
        if (keepModels != null) {
            Path to = keepModels.resolve(name);
            try (var walk = Files.walk(trained.dir())) {
                for (Path from : walk.toList()) {
                    Path target = to.resolve(trained.dir().relativize(from).toString());
                    if (Files.isDirectory(from)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(from, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        }
        return trained;
    }

    private Curve measure(String name, ModelArtifact artifact, FrameFile data, InferenceDevice on) throws Exception {
        int dim = data.dim();
        List<Point> points = new ArrayList<>();
        try (ModelRunner scorer = ModelRunner.load(artifact, on); ModelRunner.Session session = scorer.newSession()) {
            deviceUsed = scorer.device().toString();
            System.out.printf(Locale.ROOT, "%s: on %s, TensorFlow from %s (%s build)%n", name, deviceUsed,
                    TensorFlowLibrary.ensureLocal(), TensorFlowLibrary.isCudaBuild() ? "CUDA" : "CPU");
            for (int batch : batches) {
                float[] values = new float[batch * dim];
                for (int i = 0; i < batch; i++) {
                    System.arraycopy(data.values(), (i % data.rows()) * dim, values, i * dim, dim);
                }
                // error maps into one reused buffer, as the scorer's worker reads them
                FrameBatch frames = new FrameBatch(values, 0, batch, dim, new float[batch * artifact.card().input().errorWidth()]);
                long warmUntil = System.nanoTime() + 500_000_000L;
                while (System.nanoTime() < warmUntil) {
                    session.score(frames);
                }
                double predictOnly = framesPerSecond(batch, seconds * 0.5, () -> session.errors(frames));
                double tensorflowJava = scorer.device().isGpu() ? Double.NaN
                        : tensorflowJavaFramesPerSecond(artifact, values, batch, dim, seconds * 0.5);
                long[] calls = new long[1 << 16];
                int n = 0;
                long start = System.nanoTime();
                long end = start + (long) (seconds * 1e9);
                long t = start;
                while (t < end && n < calls.length) {
                    session.score(frames);
                    long now = System.nanoTime();
                    calls[n++] = now - t;
                    t = now;
                }
                double elapsed = (t - start) / 1e9;
                long[] sorted = Arrays.copyOf(calls, n);
                Arrays.sort(sorted);
                points.add(new Point(batch, (double) n * batch / elapsed, sorted[n / 2] / 1e6, sorted[(int) (0.99 * (n - 1))] / 1e6,
                        predictOnly, tensorflowJava));
                System.out.printf(Locale.ROOT, "%s batch %d: %.0f frames/s%n", name, batch, points.get(points.size() - 1).framesPerSecond());
            }
        }
        return new Curve(name, points);
    }

    /**
     * Frames/s of the SavedModel's {@code serving_default} through TensorFlow Java's own session, one thread, for
     * {@code seconds} after a warm-up: the frames copied into a new input tensor per call and the error maps read out
     * into one reused array.
     */
    private static double tensorflowJavaFramesPerSecond(ModelArtifact artifact, float[] values, int batch, int dim, double seconds)
            throws Exception {
        try (org.tensorflow.SavedModelBundle bundle = org.tensorflow.SavedModelBundle.loader(artifact.savedModelDir().toString())
                .withTags("serve").withConfigProto(InferenceThreads.ON_CALLER.sessionConfig()).load()) {
            org.tensorflow.SessionFunction function = bundle.function(org.tensorflow.Signature.DEFAULT_KEY);
            float[] out = new float[batch * artifact.card().input().errorWidth()];
            org.tensorflow.ndarray.Shape shape = org.tensorflow.ndarray.Shape.of(batch, dim);
            Call call = () -> {
                try (org.tensorflow.types.TFloat32 in = org.tensorflow.types.TFloat32.tensorOf(shape,
                        org.tensorflow.ndarray.buffer.DataBuffers.of(values, true, false));
                        org.tensorflow.Result result = function.call(java.util.Map.of(ModelArtifact.INPUT_NAME, in))) {
                    ((org.tensorflow.types.TFloat32) result.get(0)).asRawTensor().data().asFloats().read(out);
                }
            };
            framesPerSecond(batch, 0.5, call); // warm-up
            return framesPerSecond(batch, seconds, call);
        }
    }

    /** One call of a batch. */
    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /** Frames/s of back-to-back calls of {@code batch} frames for about {@code seconds}. */
    private static double framesPerSecond(int batch, double seconds, Call call) throws Exception {
        long calls = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long t = start;
        while (t < end) {
            call.run();
            calls++;
            t = System.nanoTime();
        }
        return (double) calls * batch / ((t - start) / 1e9);
    }

    private static String table(List<Curve> curves) {
        StringBuilder t = new StringBuilder();
        for (Curve c : curves) {
            t.append("\n**").append(c.model()).append("**\n\n| batch | frames/s (score + explain) | call p50 (ms) | call p99 (ms) "
                    + "| frames/s (predictor call only) | frames/s (TensorFlow Java's session, same function) | predictor / "
                    + "TensorFlow Java |\n|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Point p : c.points()) {
                t.append(String.format(Locale.ROOT, "| %d | %,.0f | %.3f | %.3f | %,.0f | %s | %s |%n", p.batch(), p.framesPerSecond(),
                        p.callP50Millis(), p.callP99Millis(), p.predictOnly(),
                        Double.isNaN(p.tensorflowJava()) ? "-" : String.format(Locale.ROOT, "%,.0f", p.tensorflowJava()),
                        Double.isNaN(p.tensorflowJava()) ? "-" : String.format(Locale.ROOT, "%.2f", p.predictOnly() / p.tensorflowJava())));
            }
            t.append(String.format(Locale.ROOT, "%nBest: %,.0f frames/s at batch %d.%n", c.best().framesPerSecond(), c.best().batch()));
        }
        return t.toString();
    }
}
