package io.frameguard.training;

import io.frameguard.frames.FrameFile;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.framework.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Trains a dense autoencoder on normal frames with TensorFlow Java and writes a model artifact.
 *
 * <p>The exported graph maps raw frames to per-feature squared reconstruction errors in standardised units,
 * standardisation included, so the scorer needs nothing but the SavedModel. A random split of the frames is
 * held out: its reconstruction errors give the model card's quantile sketch and the initial threshold (the
 * quantile at 1 - target FPR). Weights are initialised and batches shuffled from the seed alone and the updates
 * run in a fixed order ({@link AdamStep}), so the same data and seed give the same model, bit for bit.
 */
public final class AutoencoderTrainer {

    /** Standard deviations below this are treated as this, so a constant channel cannot divide by zero. */
    static final float MIN_STD = 1e-3f;
    /** KLL accuracy parameter: ~1.3% normalised rank error, a few KB serialised. */
    static final int KLL_K = 200;
    private static final int EVAL_CHUNK = 4096;

    private final TrainingOptions options;
    private final TrainingProgress progress;

    public AutoencoderTrainer(TrainingOptions options, TrainingProgress progress) {
        this.options = options;
        this.progress = progress;
    }

    public ModelArtifact train(FrameFile data, Path outDir, String dataSummary) throws IOException {
        int dim = data.dim();
        int nValidation = (int) Math.round(data.rows() * options.validationFraction());
        int nTrain = data.rows() - nValidation;
        if (nTrain < TrainingOptions.MIN_TRAIN_FRAMES || nValidation < TrainingOptions.MIN_VALIDATION_FRAMES) {
            throw new NotEnoughDataException("not enough frames to train: " + data.rows() + " given, need at least "
                    + TrainingOptions.MIN_TRAIN_FRAMES + " for training and " + TrainingOptions.MIN_VALIDATION_FRAMES
                    + " held out (validation fraction " + options.validationFraction() + ")");
        }
        Random random = new Random(options.seed());
        int[] order = permutation(data.rows(), random);
        float[] train = gather(data, order, 0, nTrain);
        float[] validation = gather(data, order, nTrain, data.rows());
        float[] mean = new float[dim];
        float[] std = new float[dim];
        meanAndStd(train, dim, mean, std);
        int[] layers = options.layers(dim);

        Files.createDirectories(outDir);
        Path savedModel = outDir.resolve(ModelArtifact.SAVED_MODEL_DIR);
        if (Files.exists(savedModel)) {
            throw new IOException("refusing to overwrite existing SavedModel in " + savedModel);
        }
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(options.effectiveThreads())
                .setInterOpParallelismThreads(1)
                .build();
        try (Graph g = new Graph(); Session session = new Session(g, config)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> frames = tf.withName(ModelArtifact.INPUT_NAME)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, dim)));
            Operand<TFloat32> z = tf.math.div(tf.math.sub(frames, tf.constant(mean)), tf.constant(std));
            Operand<TFloat32> h = z;
            List<Variable<TFloat32>> weights = new ArrayList<>();
            for (int i = 0; i + 1 < layers.length; i++) {
                Variable<TFloat32> w = tf.variable(tf.constant(glorot(layers[i], layers[i + 1], random)));
                Variable<TFloat32> b = tf.variable(tf.constant(new float[layers[i + 1]]));
                weights.add(w);
                weights.add(b);
                h = tf.math.add(tf.linalg.matMul(h, w), b);
                if (i + 2 < layers.length) {
                    h = tf.nn.relu(h);
                }
            }
            Operand<TFloat32> errors = tf.withName(ModelArtifact.OUTPUT_NAME).math.squaredDifference(h, z);
            Operand<TFloat32> loss = tf.math.mean(errors, tf.constant(new int[] {0, 1}));
            AdamStep adam = new AdamStep(tf, loss, weights, options.learningRate());
            session.initialize();

            int batch = Math.min(options.batchSize(), nTrain);
            int steps = (nTrain + batch - 1) / batch;
            progress.start(options.epochs(), steps);
            double trainLoss = Double.NaN;
            float[] batchBuf = new float[batch * dim];
            int[] trainOrder = permutation(nTrain, random);
            for (int epoch = 1; epoch <= options.epochs(); epoch++) {
                shuffle(trainOrder, random);
                double sum = 0;
                long seen = 0;
                for (int s = 0; s < steps; s++) {
                    int from = s * batch;
                    int n = Math.min(batch, nTrain - from);
                    for (int r = 0; r < n; r++) {
                        System.arraycopy(train, trainOrder[from + r] * dim, batchBuf, r * dim, dim);
                    }
                    try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, dim), DataBuffers.of(batchBuf, true, false).narrow(n * dim))) {
                        sum += (double) adam.run(session.runner().feed(frames, x)) * n;
                        seen += n;
                    }
                    progress.step(epoch, sum / seen);
                }
                trainLoss = sum / seen;
                progress.epochDone(epoch, trainLoss);
            }
            progress.done();

            double[] validationScores = frameScores(session, frames, errors, validation, dim);
            KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(KLL_K);
            double validationLoss = 0;
            for (double s : validationScores) {
                sketch.update(s);
                validationLoss += s;
            }
            validationLoss /= validationScores.length;
            // The card's quantiles and threshold are exact (KLL compacts with random coin flips, and a threshold
            // must be reproducible); the sketch carries the whole distribution for later comparisons.
            double[] sorted = validationScores.clone();
            java.util.Arrays.sort(sorted);

            Signature signature = Signature.builder()
                    .key(Signature.DEFAULT_KEY)
                    .input(ModelArtifact.INPUT_NAME, frames)
                    .output(ModelArtifact.OUTPUT_NAME, errors)
                    .build();
            SavedModelBundle.exporter(savedModel.toString())
                    .withFunction(SessionFunction.create(signature, session))
                    .export();

            String created = Instant.now().toString();
            String version = options.version() != null ? options.version()
                    : options.name() + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                            .withZone(ZoneOffset.UTC).format(Instant.now());
            double threshold = quantile(sorted, 1.0 - options.targetFpr());
            ModelCard card = new ModelCard(
                    ModelCard.CARD_VERSION,
                    options.name(),
                    version,
                    created,
                    new ModelCard.Input("sensor", dim, data.featureNames()),
                    new ModelCard.Preprocessing("standardize", mean, std),
                    new ModelCard.Architecture("dense-autoencoder", layers, "relu"),
                    new ModelCard.Training(nTrain, nValidation, options.epochs(), batch, options.learningRate(),
                            options.seed(), trainLoss, validationLoss, dataSummary,
                            new ModelCard.ErrorQuantiles(quantile(sorted, 0.5), quantile(sorted, 0.9),
                                    quantile(sorted, 0.99), quantile(sorted, 0.999), sorted[sorted.length - 1],
                                    Base64.getEncoder().encodeToString(sketch.toByteArray()))),
                    new ModelCard.Threshold(threshold, options.targetFpr()),
                    null);
            return ModelArtifact.seal(outDir, card);
        }
    }

    /** Mean over features of each frame's squared error: the frame's score. */
    private static double[] frameScores(Session session, Placeholder<TFloat32> frames, Operand<TFloat32> errors,
            float[] values, int dim) {
        int rows = values.length / dim;
        double[] scores = new double[rows];
        for (int from = 0; from < rows; from += EVAL_CHUNK) {
            int n = Math.min(EVAL_CHUNK, rows - from);
            float[] chunk = new float[n * dim];
            System.arraycopy(values, from * dim, chunk, 0, n * dim);
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, dim), DataBuffers.of(chunk, true, false));
                    Result out = session.runner().feed(frames, x).fetch(errors).run()) {
                TFloat32 e = (TFloat32) out.get(0);
                float[] flat = new float[n * dim];
                e.asRawTensor().data().asFloats().read(flat);
                for (int r = 0; r < n; r++) {
                    double sum = 0;
                    for (int c = 0; c < dim; c++) {
                        sum += flat[r * dim + c];
                    }
                    scores[from + r] = sum / dim;
                }
            }
        }
        return scores;
    }

    /** Nearest-rank quantile of sorted values: at most a share 1 - q of them lie above it. */
    static double quantile(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    private static float[][] glorot(int in, int out, Random random) {
        double limit = Math.sqrt(6.0 / (in + out));
        float[][] w = new float[in][out];
        for (float[] row : w) {
            for (int j = 0; j < out; j++) {
                row[j] = (float) ((random.nextDouble() * 2 - 1) * limit);
            }
        }
        return w;
    }

    private static void meanAndStd(float[] values, int dim, float[] mean, float[] std) {
        int rows = values.length / dim;
        double[] sum = new double[dim];
        double[] sq = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                double v = values[r * dim + c];
                sum[c] += v;
                sq[c] += v * v;
            }
        }
        for (int c = 0; c < dim; c++) {
            double m = sum[c] / rows;
            double var = Math.max(0, sq[c] / rows - m * m);
            mean[c] = (float) m;
            std[c] = (float) Math.max(MIN_STD, Math.sqrt(var));
        }
    }

    private static float[] gather(FrameFile data, int[] order, int from, int to) {
        int dim = data.dim();
        float[] out = new float[(to - from) * dim];
        for (int i = from; i < to; i++) {
            System.arraycopy(data.values(), order[i] * dim, out, (i - from) * dim, dim);
        }
        return out;
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        shuffle(p, random);
        return p;
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
