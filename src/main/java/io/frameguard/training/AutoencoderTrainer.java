package io.frameguard.training;

import io.frameguard.datasets.FrameFile;
import io.frameguard.frames.ImageGeometry;
import io.frameguard.inference.TensorFlowLibrary;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ScoreAggregation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Trains an autoencoder on normal frames with TensorFlow Java and writes a model artifact.
 *
 * <p>The exported graph maps raw frames to their error map, preprocessing and post-processing included, so the
 * scorer needs nothing but the SavedModel: for sensor frames, the per-feature squared error in standardised units
 * (windows and rows of channels: over each channel's typical error, {@link #channelWeights}); for images, the
 * per-pixel squared error, smoothed and divided by its variance on held-out normal images (see
 * {@link ModelCard.Scoring}). Rows of channels get a second output, {@code contributions}: per channel, the part of the
 * row's error that a fault of the channel alone explains ({@link #faultDirections}), by which the scorer names the
 * channel at fault. A random split of the frames is held out: its errors give the model card's quantile
 * sketch and the initial threshold (the quantile at 1 - target FPR). For images, half of the held-out frames
 * calibrate the per-pixel variance and the other half the threshold, so the threshold is measured on frames the
 * calibration has not seen. Frames the model must not learn (those the model it replaces reported, when the retraining
 * sidecar cannot tell whether they were anomalies) are held out as often as the others and otherwise dropped: the
 * threshold is set on frames as they came, not on those an earlier threshold let through, whose quantile would sit
 * lower with each retraining. Weights are initialised and batches shuffled from the seed alone and the updates run in
 * a fixed order ({@link AdamStep}), so the same data, seed and thread count give the same model, bit for bit.
 */
public final class AutoencoderTrainer {

    /**
     * Refuses a directory that holds a model already: a model is never overwritten (a service or a registry may serve it).
     * A file system error, so that the CLI says it in one line.
     */
    public static void requireNoModel(Path outDir) throws java.nio.file.FileAlreadyExistsException {
        Path savedModel = outDir.resolve(ModelArtifact.SAVED_MODEL_DIR);
        if (Files.exists(savedModel)) {
            throw new java.nio.file.FileAlreadyExistsException(outDir.toString(), null,
                    "holds a model already (" + ModelArtifact.SAVED_MODEL_DIR + "); write to another directory or remove it");
        }
    }

    /**
     * A feature that does not vary is scaled by this share of its level, or by {@link #CONSTANT_STD} where its level is
     * under 1 ({@link #meanAndStd}): a change of it by a millionth of its level (or a millionth of a unit about 0) is as
     * large as a varying feature's typical spread, so any change of it beyond float32's rounding scores as a fault,
     * whatever its units.
     */
    static final double CONSTANT_SCALE = 1e-6;
    /** The scale of a constant feature whose level is under 1 (0, a flag, a setpoint in small units). */
    static final float CONSTANT_STD = 1e-6f;
    /** A spread below this share of a feature's largest magnitude is float32 rounding (a few of its steps), not variation. */
    static final double CONSTANT_SPREAD = 1e-6;
    /**
     * A channel's mean error on normal windows is taken as at least this (in standardised units squared), so a channel
     * the model reconstructs perfectly cannot weigh without bound.
     */
    static final double MIN_CHANNEL_ERROR = 1e-6;
    /**
     * Largest sensor frame without {@code --channels} that is read as one reading of that many channels (a row per
     * time step); larger ones are taken for flattened windows.
     */
    static final int MAX_ROW_CHANNELS = 64;
    /** Rise of a channel's value, in its standard deviations, by which {@link #selfSensitivity} measures it. */
    static final double SENSITIVITY_STEP = 0.5;
    /** Share of a rise of its own value a channel's reconstruction follows from which the channel counts as copied. */
    static final double COPIED_SENSITIVITY = 0.95;
    /** Most training frames {@link #selfSensitivity} measures on. */
    static final int SENSITIVITY_FRAMES = 1000;
    /** KLL accuracy parameter: ~1.3% normalised rank error, a few KB serialised. */
    static final int KLL_K = 200;
    private static final int EVAL_CHUNK = 2048;
    /** Sensor windows' and rows' error map: each value's error over its channel's mean error on normal frames. */
    static final String CHANNEL_NORMALISED = "channel-normalised";
    /** The training-only input of a denoising model: the clean frames its reconstructions are compared with. */
    static final String CLEAN_INPUT_NAME = "clean_frames";
    /**
     * Sensor windows (and rows of channels, as windows of one step) are scored by their worst channel's error: faults
     * come on one to a few channels, and the worst channel ranked faults above normal windows better than the mean over
     * channels and than the mean of the three worst, for every architecture (bench/sensor, docs/BENCHMARKS.md).
     */
    static final int TOP_CHANNELS = 1;

    private final TrainingOptions options;
    private final TrainingProgress progress;
    /** The channels to hide at once ({@link #hiding}); null: decided after a first model. */
    private List<String> hide;
    /** Of the last model trained on channels: which it copied and which never moved (null otherwise). */
    private boolean[] copiedInLastModel;
    private boolean[] constantInLastModel;

    public AutoencoderTrainer(TrainingOptions options, TrainingProgress progress) {
        this.options = options;
        this.progress = progress;
    }

    public ModelArtifact train(FrameFile data, Path outDir, String dataSummary) throws IOException {
        return train(data, null, outDir, dataSummary);
    }

    /**
     * @param notFitted per frame, whether the model must not learn it (frames the model it replaces reported): such a
     *     frame is held out as often as any other, so the threshold is set on frames as they came, and is not trained on
     *     when it is not held out; null: every frame may be learnt
     */
    public ModelArtifact train(FrameFile data, boolean[] notFitted, Path outDir, String dataSummary) throws IOException {
        return train(data, notFitted, null, outDir, dataSummary);
    }

    /**
     * @param notFitted as {@link #train(FrameFile, boolean[], Path, String)}
     * @param timesLearnt per frame, how many times an epoch shows it when it is not held out (at least 1; a frame held out
     *     counts once in the threshold all the same); null: once each
     */
    public ModelArtifact train(FrameFile data, boolean[] notFitted, int[] timesLearnt, Path outDir, String dataSummary)
            throws IOException {
        if (hide != null) { // a retraining: the channels its champion hides, at once
            boolean[] named = named(hide, data);
            return train(data, notFitted, timesLearnt, outDir, dataSummary,
                    named == null ? null : hiddenChannels(named, constantChannels(data.values(), data.dim(), named.length)));
        }
        ModelArtifact seeing = train(data, notFitted, timesLearnt, outDir, dataSummary, null);
        boolean[] hidden = hiddenChannels(copiedInLastModel, constantInLastModel);
        if (hidden == null) {
            return seeing;
        }
        // the model copied these channels: trained again without their own values, it rebuilds them from the others;
        // what the first model wrote goes, and nothing else of the directory (it may hold other things)
        progress.retraining(seeing.card().scoring().copiedChannels());
        org.apache.commons.io.FileUtils.deleteDirectory(outDir.resolve(ModelArtifact.SAVED_MODEL_DIR).toFile());
        Files.delete(outDir.resolve(ModelArtifact.CARD_FILE));
        return train(data, notFitted, timesLearnt, outDir, dataSummary, hidden);
    }

    /**
     * Hides these channels (by name) from the model at once, as the model it replaces did ({@code scoring.hiddenChannels}
     * of the champion's card), without first training one that sees them: the champion's bottleneck was measured on the
     * channels it saw. Empty: hides none, one model that sees every channel. Null (the default): as {@link #train} decides.
     */
    public AutoencoderTrainer hiding(List<String> channels) {
        this.hide = channels == null ? null : List.copyOf(channels);
        return this;
    }

    /**
     * The channels to hide that {@link #hiding} names, per channel of {@code data} (a window's channels are named by its
     * first step's features); null when the frames are no channels or none of those is there.
     */
    private boolean[] named(List<String> channels, FrameFile data) {
        if (data.image() != null) {
            return null;
        }
        int count = options.channels() > 0 ? options.channels() : data.dim();
        boolean[] hidden = new boolean[count];
        boolean any = false;
        for (int c = 0; c < count; c++) {
            String name = data.featureNames() != null && c < data.featureNames().size() ? data.featureNames().get(c) : "ch" + c;
            hidden[c] = channels.contains(name);
            any |= hidden[c];
        }
        return any ? hidden : null;
    }

    /**
     * The channels a model should not see, given which channels one that saw every channel copied through its
     * bottleneck ({@code copied}; null: none) and which never moved ({@code constant}). A copied channel's reconstruction
     * follows its own value, so its own fault (an offset, a freeze, a channel no longer agreeing with the others) barely
     * shows, and what it shows is outweighed by the other channels' errors that leak into it, which then name it. Hidden
     * from the model's input, it is rebuilt from the other channels alone, as well as they predict it: its error is then
     * what they do not explain, which its faults add to, and a channel that follows none of them is judged by how far it
     * is from its usual values. Null when there is none to hide, or when hiding them would leave the model fewer than
     * {@value #FEWEST_SEEN} moving channels to rebuild them from (every channel copied: a bottleneck as wide as the
     * channels, given by {@code --latent}).
     */
    static boolean[] hiddenChannels(boolean[] copied, boolean[] constant) {
        if (copied == null) {
            return null;
        }
        int hidden = 0;
        int seen = 0;
        for (int c = 0; c < copied.length; c++) {
            hidden += copied[c] ? 1 : 0;
            seen += !copied[c] && !constant[c] ? 1 : 0;
        }
        return hidden == 0 || seen < FEWEST_SEEN ? null : copied.clone();
    }

    /** Fewest moving channels a model must see to rebuild the ones hidden from it. */
    static final int FEWEST_SEEN = 2;

    private ModelArtifact train(FrameFile data, boolean[] notFitted, int[] timesLearnt, Path outDir, String dataSummary,
            boolean[] hidden) throws IOException {
        copiedInLastModel = null;
        constantInLastModel = null;
        if (notFitted != null && notFitted.length != data.rows()) {
            throw new IllegalArgumentException("notFitted has " + notFitted.length + " entries for " + data.rows() + " frames");
        }
        if (timesLearnt != null && (timesLearnt.length != data.rows() || Arrays.stream(timesLearnt).anyMatch(t -> t < 1))) {
            throw new IllegalArgumentException("timesLearnt needs one count of at least 1 for each of " + data.rows() + " frames");
        }
        TensorFlowLibrary.ensureLocal(); // the library scoring uses: TF Java's CPU build, or TENSORFLOW_LIBRARY_PATH's
        TrainingOptions options = this.options.resolve(data.image() != null);
        int dim = data.dim();
        ImageGeometry image = data.image();
        int channels = options.channels();
        String architecture = options.architecture();
        if ((TrainingOptions.CHANNELS.equals(architecture) || TrainingOptions.TEMPORAL.equals(architecture)) && channels == 0) {
            throw new IllegalArgumentException("architecture " + architecture + " needs sensor windows: give --channels");
        }
        if (TrainingOptions.CHANNELS.equals(architecture) && channels < 2) {
            throw new IllegalArgumentException("architecture channels needs at least 2 channels to rebuild one from the "
                    + "others; --channels is " + channels);
        }
        if (TrainingOptions.CONV.equals(architecture)
                && (image == null || image.width() % 4 != 0 || image.height() % 4 != 0)) {
            throw new IllegalArgumentException("architecture conv needs images whose width and height are multiples of 4"
                    + (image == null ? "; these are sensor frames" : "; these are " + image));
        }
        if (channels > 0 && (image != null || dim % channels != 0 || dim / channels < Signatures.MIN_WINDOW_STEPS)) {
            throw new IllegalArgumentException("--channels " + channels + " must divide the frame's " + dim + " values into "
                    + "windows of at least " + Signatures.MIN_WINDOW_STEPS + " time steps, on sensor frames"
                    + (image != null ? "; these are images" : ""));
        }
        if (TrainingOptions.TEMPORAL.equals(architecture) && (dim / channels) % 4 != 0) {
            throw new IllegalArgumentException("architecture temporal needs windows of a multiple of 4 steps; these have "
                    + dim / channels);
        }
        int nValidation = (int) Math.round(data.rows() * options.validationFraction());
        boolean structural = image != null && options.structuralWeight() > 0;
        int nCalibration = image != null && options.calibratesImages() ? nValidation / 2 : 0;
        int nThreshold = nValidation - nCalibration;
        Random random = new Random(options.seed());
        int[] order = permutation(data.rows(), random);
        // the frames held out are a random share of all; of the rest, those the model must not learn are dropped
        int notHeldOut = data.rows() - nValidation;
        int[] fitted = Arrays.stream(order, 0, notHeldOut).filter(i -> notFitted == null || !notFitted[i]).toArray();
        // what an epoch shows, as rows of train: each frame as many times as timesLearnt says (the statistics of the
        // frames, their scaling and the channels' weights, are the frames' own, each counted once)
        int[] showings = java.util.stream.IntStream.range(0, fitted.length)
                .flatMap(j -> java.util.stream.IntStream.range(0, timesLearnt == null ? 1 : timesLearnt[fitted[j]]).map(k -> j))
                .toArray();
        int nTrain = fitted.length;
        if (nTrain < TrainingOptions.MIN_TRAIN_FRAMES || nThreshold < TrainingOptions.MIN_VALIDATION_FRAMES) {
            throw new NotEnoughDataException("not enough frames to train: " + data.rows() + " given"
                    + (nTrain < notHeldOut ? " (" + (notHeldOut - nTrain) + " of those not held out not to be learnt)" : "")
                    + ", need at least "
                    + TrainingOptions.MIN_TRAIN_FRAMES + " for training and " + TrainingOptions.MIN_VALIDATION_FRAMES
                    + (nCalibration > 0 ? " twice" : "") + " held out (validation fraction "
                    + options.validationFraction() + ")");
        }
        requireVariation(data, dataSummary);
        float[] train = gather(data, fitted, 0, nTrain);
        float[] calibration = gather(data, order, notHeldOut, notHeldOut + nCalibration);
        float[] validation = gather(data, order, notHeldOut + nCalibration, data.rows());

        requireNoModel(outDir);
        Files.createDirectories(outDir);
        Path savedModel = outDir.resolve(ModelArtifact.SAVED_MODEL_DIR);
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(options.effectiveThreads())
                .setInterOpParallelismThreads(1)
                .build();
        try (Graph g = new Graph(); Session session = new Session(g, config)) {
            Ops tf = Ops.create(g);
            Placeholder<TFloat32> frames = tf.withName(ModelArtifact.INPUT_NAME)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, dim)));
            ModelCard.Preprocessing preprocessing;
            Operand<TFloat32> x;
            // what the network sees: the frame standardised, with the features that never moved in training left out
            Operand<TFloat32> seen;
            if (image == null) {
                float[] mean = new float[dim];
                float[] std = new float[dim];
                meanAndStd(train, dim, mean, std);
                preprocessing = new ModelCard.Preprocessing("standardize", mean, std);
                x = tf.math.div(tf.math.sub(frames, tf.constant(mean)), tf.constant(std));
                // A constant feature's weights never learn (its input is always 0), so a change of it (any change is a
                // fault: its scale is a millionth of its level) would reach every reconstruction through them and blame
                // the other channels; left out, its error is its own alone.
                float[] moved = seenFeatures(movedFeatures(train, dim), hidden, dim);
                seen = moved == null ? x : tf.math.mul(x, tf.constant(moved));
            } else {
                preprocessing = new ModelCard.Preprocessing("unit-scale", null, null);
                x = frames;
                seen = x;
            }
            List<Variable<TFloat32>> weights = new ArrayList<>();
            TrainingOptions shaped = withSpectrumLatent(options, train, preprocessing, dim, hidden);
            Autoencoders.Network network = switch (architecture) {
                case TrainingOptions.CONV -> Autoencoders.conv(tf, seen, image, options, random, weights);
                case TrainingOptions.CHANNELS -> Autoencoders.channels(tf, seen, dim, shaped.layers(channels),
                        options.activation(), random, weights);
                case TrainingOptions.TEMPORAL -> Autoencoders.temporal(tf, seen, channels, dim / channels, options, random,
                        weights);
                case TrainingOptions.VAE -> Autoencoders.variational(tf, seen, shaped.toBuilder().activation(TrainingOptions.RELU)
                        .build().layers(dim), random, weights);
                default -> Autoencoders.dense(tf, seen, shaped.layers(dim), options.activation(), random, weights);
            };
            Operand<TFloat32> perValue = tf.math.squaredDifference(network.reconstruction(), x);
            // a denoising model sees corrupted frames and is scored against the clean ones, fed to a placeholder of their own
            TrainingOptions.Corruption corruption = options.corruption();
            Placeholder<TFloat32> clean = corruption == null ? null : tf.withName(CLEAN_INPUT_NAME)
                    .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, dim)));
            Operand<TFloat32> target = clean == null ? x : image != null ? clean
                    : tf.math.div(tf.math.sub(clean, tf.constant(preprocessing.mean())), tf.constant(preprocessing.std()));
            Operand<TFloat32> learnt = network.trainingReconstruction() != null ? network.trainingReconstruction()
                    : network.reconstruction();
            Operand<TFloat32> loss = tf.math.mean(tf.math.squaredDifference(learnt, target), tf.constant(new int[] {0, 1}));
            if (network.extraLoss() != null) {
                loss = tf.math.add(loss, network.extraLoss());
            }
            if (options.sparsity() > 0) {
                // an L1 penalty on the code: each frame is rebuilt from few of the bottleneck's units
                loss = tf.math.add(loss, tf.math.mul(tf.constant((float) options.sparsity()),
                        tf.math.mean(tf.math.abs(network.code()), tf.constant(new int[] {0, 1}))));
            }
            AdamStep adam = new AdamStep(tf, loss, weights, options.learningRate());
            ErrorMaps.Head head = image == null ? null
                    : ErrorMaps.head(tf, x, network.reconstruction(), image, options.smoothingSigma(), structural);
            session.initialize();

            Corrupter corrupter = corruption == null ? null : new Corrupter(corruption, preprocessing, dim, options.seed() + 2);
            LatentNoise noise = network.noise() == null ? null
                    : new LatentNoise(network.noise(), (int) network.noise().shape().size(1), options.seed() + 3);
            double trainLoss = fit(session, frames, clean, corrupter, noise, adam, train, showings, dim);
            double validationLoss = mean(rowMeans(session, frames, perValue, validation, dim));

            ModelCard.Input input = image == null
                    ? new ModelCard.Input(ModelCard.Input.SENSOR, dim, data.featureNames(), null, channels > 0 ? channels : null)
                    : new ModelCard.Input(ModelCard.Input.IMAGE, dim, null, image);
            Operand<TFloat32> errors;
            Operand<TFloat32> contributions = null;
            ModelCard.Scoring scoring = null;
            if (image == null && (channels > 0 || isRowOfChannels(channels, dim))) {
                // each channel's typical error from the training windows: the held-out ones all go to the threshold,
                // whose 1 % quantile needs every one of them
                int channelCount = channels > 0 ? channels : dim;
                Operand<TFloat32> reconstructionRows = tf.reshape(network.reconstruction(), tf.constant(new long[] {-1, dim}));
                double[][] responses = responses(session, frames, reconstructionRows, train, preprocessing.std(), dim,
                        channelCount);
                boolean[] constant = constantChannels(train, dim, channelCount);
                boolean[] unjudged = unjudged(selfSensitivity(responses, dim), constant);
                float[] weightsPerValue = channelWeights(run(session, frames, perValue, train, dim, dim), dim, channelCount,
                        unjudged);
                errors = tf.withName(ModelArtifact.OUTPUT_NAME).identity(tf.math.mul(perValue, tf.constant(weightsPerValue)));
                if (channels == 0) {
                    // rows: which channel's fault explains a row's error best, for its explanation
                    contributions = tf.withName(ModelArtifact.CONTRIBUTIONS_NAME).identity(contributions(tf,
                            tf.math.sub(reconstructionRows, x), weightsPerValue,
                            faultDirections(responses, weightsPerValue, unjudged)));
                }
                boolean[] copied = new boolean[channelCount];
                for (int c = 0; c < channelCount; c++) {
                    copied[c] = unjudged[c] && !constant[c];
                }
                copiedInLastModel = copied;
                constantInLastModel = constant;
                scoring = new ModelCard.Scoring(CHANNEL_NORMALISED, 0, false, 0, nTrain, 0,
                        ScoreAggregation.TOP_CHANNELS, TOP_CHANNELS, channelNames(input, constant), channelNames(input, copied),
                        contributions != null ? ModelCard.Scoring.RECONSTRUCTION_BASED : null,
                        hidden == null ? null : channelNames(input, hidden));
            } else if (image == null) {
                errors = tf.withName(ModelArtifact.OUTPUT_NAME).identity(perValue);
            } else {
                List<float[]> pixelWeights = options.calibratesImages()
                        ? calibrate(session, frames, head, calibration, dim, image.pixels()) : null;
                errors = head.output(tf, ModelArtifact.OUTPUT_NAME, pixelWeights);
                scoring = new ModelCard.Scoring((options.pixelVariance() ? "smoothed-variance-normalised" : "smoothed")
                        + (structural ? "+structural" : ""), options.smoothingSigma(), options.pixelVariance(),
                        options.varianceFloor(), nCalibration, structural ? options.structuralWeight() : 0);
            }
            double[] validationScores = ScoreAggregation.of(input, scoring)
                    .scores(run(session, frames, errors, validation, dim, input.errorWidth()), validation.length / dim);
            KllDoublesSketch sketch = KllDoublesSketch.newHeapInstance(KLL_K);
            for (double s : validationScores) {
                sketch.update(s);
            }
            // The card's quantiles and threshold are exact (KLL compacts with random coin flips, and a threshold
            // must be reproducible); the sketch carries the whole distribution for later comparisons.
            double[] sorted = validationScores.clone();
            Arrays.sort(sorted);

            float[] centreRows = options.signature() && image != null ? spreadRows(train, dim, Signatures.CENTRE_FRAMES) : null;
            Signatures.Signature similarity = !options.signature() ? null : image != null
                    ? Signatures.image(tf, x, network.reconstruction(), errors, network.code(),
                            (int) network.code().shape().size(1), image,
                            new Signatures.NormalFrames() {
                                @Override
                                public float[] rows(Operand<TFloat32> output) {
                                    return run(session, frames, output, centreRows, dim, (int) output.shape().size(1));
                                }

                                @Override
                                public float[] mean(Operand<TFloat32> output) {
                                    return meanRow(session, frames, output, centreRows, dim, (int) output.shape().size(1));
                                }
                            })
                    : channels > 0
                    ? Signatures.window(tf, x, tf.math.sub(network.reconstruction(), x), channels, dim / channels,
                            Signatures.typicalSteps(train, preprocessing.mean(), preprocessing.std(), channels))
                    : Signatures.sensor(tf, perValue, tf.math.sub(network.reconstruction(), x), dim);
            similarity = Signatures.indexable(similarity);
            // serving_default computes the error maps only; describe computes the signatures too, which the scorer asks
            // for candidate anomalies alone (a signature can cost as much as the autoencoder itself)
            Signature.Builder errorsOnly = Signature.builder()
                    .key(Signature.DEFAULT_KEY)
                    .input(ModelArtifact.INPUT_NAME, frames)
                    .output(ModelArtifact.OUTPUT_NAME, errors);
            if (contributions != null) {
                errorsOnly.output(ModelArtifact.CONTRIBUTIONS_NAME, contributions);
            }
            SavedModelBundle.Exporter exporter = SavedModelBundle.exporter(savedModel.toString())
                    .withFunction(SessionFunction.create(errorsOnly.build(), session));
            if (similarity != null) {
                Signature.Builder describe = Signature.builder()
                        .key(ModelArtifact.DESCRIBE_FUNCTION)
                        .input(ModelArtifact.INPUT_NAME, frames)
                        .output(ModelArtifact.OUTPUT_NAME, errors)
                        .output(ModelArtifact.SIGNATURE_NAME, tf.withName(ModelArtifact.SIGNATURE_NAME).identity(similarity.output()))
                        .output(ModelArtifact.RECONSTRUCTION_NAME, tf.withName(ModelArtifact.RECONSTRUCTION_NAME)
                                .identity(inFrameUnits(tf, network.reconstruction(), preprocessing, dim)));
                if (contributions != null) {
                    describe.output(ModelArtifact.CONTRIBUTIONS_NAME, contributions);
                }
                exporter.withFunction(SessionFunction.create(describe.build(), session));
            }
            exporter.export();

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
                    input,
                    preprocessing,
                    network.architecture(),
                    new ModelCard.Training(nTrain, nThreshold, options.epochs(), Math.min(options.batchSize(), nTrain),
                            options.learningRate(), options.seed(), trainLoss, validationLoss, dataSummary,
                            new ModelCard.ErrorQuantiles(quantile(sorted, 0.5), quantile(sorted, 0.9),
                                    quantile(sorted, 0.99), quantile(sorted, 0.999), sorted[sorted.length - 1],
                                    Base64.getEncoder().encodeToString(sketch.toByteArray())),
                            corruption == null ? null : options.denoise(),
                            options.sparsity() > 0 ? options.sparsity() : null, options.validationFraction()),
                    new ModelCard.Threshold(threshold, options.targetFpr()),
                    scoring,
                    similarity == null ? null : similarity.card(),
                    null,
                    null,
                    null);
            return ModelArtifact.seal(outDir, card);
        }
    }

    /**
     * Per-pixel weights of each of the head's maps from the calibration images: the inverse per-pixel variance (or
     * 1 without pixel variance), and for every map after the first a factor that makes the spread (standard
     * deviation) of its image scores {@code structuralWeight} times the first map's. Scores keep the first map's
     * scale.
     */
    private List<float[]> calibrate(Session session, Placeholder<TFloat32> frames, ErrorMaps.Head head,
            float[] calibration, int dim, int pixels) {
        List<float[]> weights = new ArrayList<>();
        double firstSpread = Double.NaN;
        for (Operand<TFloat32> map : head.maps()) {
            float[] maps = run(session, frames, map, calibration, dim, pixels);
            float[] w = options.pixelVariance() ? ErrorMaps.inverseVariance(maps, pixels, options.varianceFloor())
                    : filled(pixels, 1f);
            double spread = ErrorMaps.scoreSpread(maps, w);
            if (weights.isEmpty()) {
                firstSpread = spread;
            } else if (spread > 0 && firstSpread > 0) {
                float scale = (float) (options.structuralWeight() * firstSpread / spread);
                for (int p = 0; p < pixels; p++) {
                    w[p] *= scale;
                }
            }
            weights.add(w);
        }
        return weights;
    }

    /**
     * How the reconstruction responds to each channel: {@code [c][i]} is the change of value {@code i}'s reconstruction
     * (standardised units) when channel {@code c}'s value is raised by {@value #SENSITIVITY_STEP} standard deviations, at
     * every step, in up to {@value #SENSITIVITY_FRAMES} training frames, summed over the frames and divided by the rise
     * that float32 kept (summed over the frames and steps); 0 where it kept none.
     */
    static double[][] responses(Session session, Placeholder<TFloat32> frames, Operand<TFloat32> reconstruction,
            float[] train, float[] std, int dim, int channels) {
        int rows = Math.min(train.length / dim, SENSITIVITY_FRAMES);
        float[] sample = Arrays.copyOf(train, rows * dim);
        float[] base = run(session, frames, reconstruction, sample, dim, dim);
        double[][] responses = new double[channels][dim];
        for (int c = 0; c < channels; c++) {
            float[] raised = sample.clone();
            for (int i = c; i < raised.length; i += channels) {
                raised[i] += (float) (SENSITIVITY_STEP * std[i % dim]);
            }
            float[] moved = run(session, frames, reconstruction, raised, dim, dim);
            double rise = 0; // as float32 rounded it, in standard units (a value far above its spread can barely rise)
            for (int i = c; i < raised.length; i += channels) {
                rise += ((double) raised[i] - sample[i]) / std[i % dim];
            }
            for (int i = 0; i < moved.length; i++) {
                responses[c][i % dim] += moved[i] - base[i];
            }
            for (int i = 0; i < dim; i++) {
                responses[c][i] = rise > 0 ? responses[c][i] / rise : 0;
            }
        }
        return responses;
    }

    /**
     * Per channel, how far its reconstruction follows its own value ({@link #responses}: the channel's own values'
     * response to its rise). About 1: the channel is copied through the bottleneck; about 0: it is rebuilt from the other
     * channels alone.
     */
    static double[] selfSensitivity(double[][] responses, int dim) {
        int channels = responses.length;
        double[] follows = new double[channels];
        for (int c = 0; c < channels; c++) {
            for (int i = c; i < dim; i += channels) {
                follows[c] += responses[c][i];
            }
        }
        return follows;
    }

    /**
     * The direction in which a fault of each channel moves a row's weighted residual: {@code [i][c]} is how far
     * {@code sqrt(weight[i])} times value {@code i}'s residual (reconstruction minus value) moves per standard deviation
     * that channel {@code c} rises ({@link #responses} less the rise itself). A row's contribution of channel {@code c}
     * (reconstruction-based contribution, as process monitoring diagnoses faults with PCA) is the part of its weighted
     * squared error that a fault along column {@code c} explains: {@code (s . a_c)^2 / |a_c|^2}, {@code s} its weighted
     * residual. A channel's own error does not say this: a fault of one channel leaks into the others' reconstructions,
     * and a channel with little normal error shows the leak largest. An {@code unjudged} channel ({@link #unjudged}:
     * constant in training, or copied) moves only its own residual: a copied channel's measured direction is nearly
     * nothing (its reconstruction follows its rise), and its faults show only far out of its range, on itself; so its
     * contribution is its own weighted error.
     */
    static float[][] faultDirections(double[][] responses, float[] weights, boolean[] unjudged) {
        int dim = weights.length;
        float[][] a = new float[dim][dim];
        for (int i = 0; i < dim; i++) {
            double root = Math.sqrt(weights[i]);
            for (int c = 0; c < dim; c++) {
                double response = unjudged[c] ? 0 : responses[c][i];
                a[i][c] = (float) (root * (response - (i == c ? 1 : 0)));
            }
        }
        return a;
    }

    /**
     * The graph's contributions of each channel to each row's error ({@link #faultDirections}), {@code [-1, dim]}: one
     * product of the residual with the directions scaled to unit length and by each value's root weight
     * ({@code (s . a_c)^2 / |a_c|^2} with {@code s = sqrt(weight) * residual}), squared; 0 for a channel whose fault
     * moves no residual.
     */
    private static Operand<TFloat32> contributions(Ops tf, Operand<TFloat32> residual, float[] weights, float[][] directions) {
        int dim = weights.length;
        float[][] scaled = new float[dim][dim];
        for (int c = 0; c < dim; c++) {
            double norm2 = 0;
            for (float[] row : directions) {
                norm2 += (double) row[c] * row[c];
            }
            double inverseNorm = norm2 > MIN_CHANNEL_ERROR ? 1 / Math.sqrt(norm2) : 0;
            for (int i = 0; i < dim; i++) {
                scaled[i][c] = (float) (Math.sqrt(weights[i]) * directions[i][c] * inverseNorm);
            }
        }
        return tf.math.square(tf.linalg.matMul(residual, tf.constant(scaled)));
    }

    /** The reconstruction in the frame's own units: standardisation undone for sensors; images are in [0, 1] already. */
    private static Operand<TFloat32> inFrameUnits(Ops tf, Operand<TFloat32> reconstruction, ModelCard.Preprocessing p, int dim) {
        Operand<TFloat32> rows = tf.reshape(reconstruction, tf.constant(new long[] {-1, dim}));
        return p.mean() == null ? rows : tf.math.add(tf.math.mul(rows, tf.constant(p.std())), tf.constant(p.mean()));
    }

    /**
     * The channels whose own normal error says nothing of how far a fault takes them from their reconstruction: those
     * that never moved in training ({@code constant}), and those whose reconstruction follows their own value by at
     * least {@value #COPIED_SENSITIVITY} of a rise ({@code follows}, {@link #selfSensitivity}): copied through the
     * bottleneck (a channel that moves with none of the others). The normal error of either is only what other
     * channels leak into its reconstruction, tiny, so over it another channel's fault would name this one. Copied
     * channels count only while some channel is rebuilt from the others (a model that copies every channel has each
     * one's error to go by, and nothing else).
     */
    static boolean[] unjudged(double[] follows, boolean[] constant) {
        boolean[] copied = new boolean[follows.length];
        boolean rebuiltAny = false;
        for (int c = 0; c < follows.length; c++) {
            copied[c] = follows[c] >= COPIED_SENSITIVITY;
            rebuiltAny |= !copied[c];
        }
        boolean[] out = new boolean[follows.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = constant[c] || rebuiltAny && copied[c];
        }
        return out;
    }

    /** The names of the channels {@code which} marks, or null when it marks none (the card then leaves the list out). */
    static List<String> channelNames(ModelCard.Input input, boolean[] which) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < which.length; c++) {
            if (which[c]) {
                names.add(input.channelName(c));
            }
        }
        return names.isEmpty() ? null : List.copyOf(names);
    }

    /** The channels none of whose values varied in training (to float32's rounding of their level). */
    static boolean[] constantChannels(float[] train, int dim, int channels) {
        boolean[] constantFeature = constantFeatures(train, dim);
        boolean[] constant = new boolean[channels];
        Arrays.fill(constant, true);
        for (int i = 0; i < dim; i++) {
            constant[i % channels] &= constantFeature[i];
        }
        return constant;
    }

    /** Per feature whether it did not vary in training, to float32's rounding of its level ({@link #meanAndStd}). */
    private static boolean[] constantFeatures(float[] values, int dim) {
        float[] mean = new float[dim];
        double[] spread = new double[dim];
        float[] level = new float[dim];
        featureStats(values, dim, mean, spread, level);
        boolean[] constant = new boolean[dim];
        for (int c = 0; c < dim; c++) {
            constant[c] = !varies(spread[c], level[c]);
        }
        return constant;
    }

    /**
     * Per value of a window (time-major), 1 / its channel's mean error over the given windows' steps, so that
     * every channel's error is about 1 on normal frames whatever its noise. An {@code unjudged} channel's mean error
     * ({@link #unjudged}) counts as at least the median of the other channels': it is judged as a typical channel of
     * the frame is, so that a fault of its own still shows (a constant channel that moves, a copied one far out of its
     * range) and what leaks into it from another channel's fault does not outweigh that channel's own error.
     */
    static float[] channelWeights(float[] errorRows, int dim, int channels, boolean[] unjudged) {
        double[] mean = new double[channels];
        for (int i = 0; i < errorRows.length; i++) {
            mean[i % channels] += errorRows[i];
        }
        long perChannel = errorRows.length / channels;
        double[] judged = new double[channels];
        int n = 0;
        for (int c = 0; c < channels; c++) {
            mean[c] /= perChannel;
            if (!unjudged[c]) {
                judged[n++] = mean[c];
            }
        }
        double typical = 0;
        if (n > 0) {
            Arrays.sort(judged, 0, n);
            typical = judged[n / 2];
        }
        float[] w = new float[dim];
        for (int i = 0; i < dim; i++) {
            int c = i % channels;
            w[i] = (float) (1.0 / Math.max(unjudged[c] ? Math.max(mean[c], typical) : mean[c], MIN_CHANNEL_ERROR));
        }
        return w;
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    /**
     * Corrupts training batches for a denoising autoencoder: Gaussian noise of {@code amount} standard deviations of
     * each feature (pixel units for images), or a share {@code amount} of the values set to the feature's mean (0 for
     * images). Drawn from its own seed, so training stays repeatable.
     */
    static final class Corrupter {
        private final TrainingOptions.Corruption corruption;
        private final float[] mean;
        private final float[] std;
        private final Random random;

        Corrupter(TrainingOptions.Corruption corruption, ModelCard.Preprocessing preprocessing, int dim, long seed) {
            this.corruption = corruption;
            this.mean = preprocessing.mean() != null ? preprocessing.mean() : new float[dim];
            this.std = preprocessing.std() != null ? preprocessing.std() : filled(dim, 1f);
            this.random = new Random(seed);
        }

        /** Writes the corrupted copy of {@code n} frames of {@code clean} into {@code out}. */
        void corrupt(float[] clean, float[] out, int n, int dim) {
            boolean gaussian = TrainingOptions.Corruption.GAUSSIAN.equals(corruption.kind());
            for (int i = 0; i < n * dim; i++) {
                int c = i % dim;
                out[i] = gaussian ? clean[i] + (float) (corruption.amount() * std[c] * random.nextGaussian())
                        : random.nextDouble() < corruption.amount() ? mean[c] : clean[i];
            }
        }
    }

    /**
     * Whether a frame is one reading of its channels (a row per time step, a value per channel): a sensor frame of at
     * most {@value #MAX_ROW_CHANNELS} values without {@code --channels}. Such a frame is treated as a window of one
     * step: its bottleneck measured from the data ({@link #withSpectrumLatent}), each value's error divided by its
     * channel's typical error and the frame scored by its worst channel, as windows are.
     */
    static boolean isRowOfChannels(int channels, int dim) {
        return channels == 0 && dim <= MAX_ROW_CHANNELS;
    }

    /**
     * {@code options} with the bottleneck as wide as the directions the channels move in together ({@link
     * ChannelSpectrum#latent}) where the user gave no {@code --latent} and the frames are channels: each step of a
     * {@value TrainingOptions#CHANNELS} model's windows, or a whole frame that is one reading of its channels ({@link
     * #isRowOfChannels}). A fixed share of the row ({@link TrainingOptions#defaultLatent}) leaves out directions of a
     * plant whose channels follow more independent rhythms than that: normal rows then reconstruct badly and the
     * threshold sits above most faults. Larger frames without {@code --channels} (windows, flattened) keep the fixed
     * share.
     */
    private static TrainingOptions withSpectrumLatent(TrainingOptions options, float[] train, ModelCard.Preprocessing preprocessing,
            int dim, boolean[] hidden) {
        if (preprocessing.mean() == null) { // images
            return options;
        }
        int channels = TrainingOptions.CHANNELS.equals(options.architecture()) ? options.channels()
                : isRowOfChannels(options.channels(), dim) ? dim : 0;
        if (channels == 0) {
            return options;
        }
        if (options.latent() > 0) { // given: but never as wide as the moving channels seen, which it would copy
            boolean[] constant = hidden == null ? null : constantChannels(train, dim, hidden.length);
            int seen = hidden == null ? Integer.MAX_VALUE : (int) java.util.stream.IntStream.range(0, hidden.length)
                    .filter(c -> !hidden[c] && !constant[c]).count();
            return seen > options.latent() ? options : options.toBuilder().latent(Math.max(1, seen - 1)).build();
        }
        return options.toBuilder().latent(ChannelSpectrum.latent(train, preprocessing.mean(), preprocessing.std(), channels,
                hidden)).build();
    }

    /** Standard normal noise for a variational model's samples, one value per latent unit, drawn from its own seed. */
    record LatentNoise(Placeholder<TFloat32> placeholder, int width, Random random) {
        LatentNoise(Placeholder<TFloat32> placeholder, int width, long seed) {
            this(placeholder, width, new Random(seed));
        }

        TFloat32 draw(int rows) {
            float[] e = new float[rows * width];
            for (int i = 0; i < e.length; i++) {
                e[i] = (float) random.nextGaussian();
            }
            return TFloat32.tensorOf(Shape.of(rows, width), DataBuffers.of(e, true, false));
        }
    }

    /**
     * The epochs of minibatch Adam; returns the last epoch's mean training loss. With a corrupter, each batch is fed
     * corrupted to {@code frames} and as it is to {@code clean}.
     */
    private double fit(Session session, Placeholder<TFloat32> frames, Placeholder<TFloat32> clean, Corrupter corrupter,
            LatentNoise noise, AdamStep adam, float[] train, int[] showings, int dim) {
        int nTrain = showings.length;
        Random random = new Random(options.seed() + 1);
        int batch = Math.min(options.batchSize(), nTrain);
        int steps = (nTrain + batch - 1) / batch;
        progress.start(options.epochs(), steps);
        double trainLoss = Double.NaN;
        float[] batchBuf = new float[batch * dim];
        float[] noisyBuf = corrupter == null ? null : new float[batch * dim];
        int[] trainOrder = permutation(nTrain, random);
        for (int epoch = 1; epoch <= options.epochs(); epoch++) {
            shuffle(trainOrder, random);
            double sum = 0;
            long seen = 0;
            for (int s = 0; s < steps; s++) {
                int from = s * batch;
                int n = Math.min(batch, nTrain - from);
                for (int r = 0; r < n; r++) {
                    System.arraycopy(train, showings[trainOrder[from + r]] * dim, batchBuf, r * dim, dim);
                }
                if (corrupter != null) {
                    corrupter.corrupt(batchBuf, noisyBuf, n, dim);
                }
                try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, dim),
                                DataBuffers.of(corrupter != null ? noisyBuf : batchBuf, true, false).narrow(n * dim));
                        TFloat32 y = corrupter == null ? null
                                : TFloat32.tensorOf(Shape.of(n, dim), DataBuffers.of(batchBuf, true, false).narrow(n * dim));
                        TFloat32 e = noise == null ? null : noise.draw(n)) {
                    Session.Runner runner = session.runner().feed(frames, x);
                    if (y != null) {
                        runner.feed(clean, y);
                    }
                    if (e != null) {
                        runner.feed(noise.placeholder(), e);
                    }
                    sum += (double) adam.run(runner) * n;
                }
                seen += n;
                progress.step(epoch, sum / seen);
            }
            trainLoss = sum / seen;
            progress.epochDone(epoch, trainLoss);
        }
        progress.done();
        return trainLoss;
    }

    /** Runs {@code output} (width values per frame) over all frames in chunks; returns the rows back to back. */
    private static float[] run(Session session, Placeholder<TFloat32> frames, Operand<TFloat32> output, float[] values,
            int dim, int width) {
        float[] out = new float[values.length / dim * width];
        eachChunk(session, frames, output, values, dim, chunkRows(dim, width),
                (from, n, result) -> result.asRawTensor().data().asFloats().read(out, from * width, n * width));
        return out;
    }

    /** Takes the output of one chunk of frames: {@code n} rows from row {@code from}. */
    private interface ChunkOutput {
        void take(int from, int n, TFloat32 result);
    }

    /** Runs {@code output} on the frames {@code chunkRows} rows at a time, each chunk's result to {@code sink}. */
    private static void eachChunk(Session session, Placeholder<TFloat32> frames, Operand<TFloat32> output, float[] values,
            int dim, int chunkRows, ChunkOutput sink) {
        int rows = values.length / dim;
        for (int from = 0; from < rows; from += chunkRows) {
            int n = Math.min(chunkRows, rows - from);
            try (TFloat32 x = TFloat32.tensorOf(Shape.of(n, dim),
                    DataBuffers.of(values, true, false).slice((long) from * dim, (long) n * dim));
                    Result r = session.runner().feed(frames, x).fetch(output).run()) {
                sink.take(from, n, (TFloat32) r.get(0));
            }
        }
    }

    /**
     * Values of a chunk of frames run at once, at most, in or out (16 MB of floats): large pictures go a few at a time,
     * since the graph's own tensors for a chunk are many times its frames.
     */
    private static final int CHUNK_VALUES = 1 << 22;

    /** Frames run at once: {@link #EVAL_CHUNK}, fewer where their values in or out would pass {@link #CHUNK_VALUES}. */
    private static int chunkRows(int dim, int width) {
        return Math.max(1, Math.min(EVAL_CHUNK, CHUNK_VALUES / Math.max(width, dim)));
    }

    /** The mean of {@code output}'s rows over the frames, a chunk of them at a time (the rows are never all held). */
    private static float[] meanRow(Session session, Placeholder<TFloat32> frames, Operand<TFloat32> output, float[] values,
            int dim, int width) {
        int rows = values.length / dim;
        int chunkRows = chunkRows(dim, width);
        double[] sum = new double[width];
        float[] chunk = new float[chunkRows * width];
        eachChunk(session, frames, output, values, dim, chunkRows, (from, n, result) -> {
            result.asRawTensor().data().asFloats().read(chunk, 0, n * width);
            for (int i = 0; i < n * width; i++) {
                sum[i % width] += chunk[i];
            }
        });
        float[] mean = new float[width];
        for (int i = 0; i < width; i++) {
            mean[i] = (float) (sum[i] / Math.max(1, rows));
        }
        return mean;
    }

    /** At most {@code max} of the frames' rows, evenly spaced through them (all of them when there are no more). */
    static float[] spreadRows(float[] values, int dim, int max) {
        int rows = values.length / dim;
        if (rows <= max) {
            return values;
        }
        float[] out = new float[max * dim];
        for (int i = 0; i < max; i++) {
            System.arraycopy(values, (int) ((long) i * rows / max) * dim, out, i * dim, dim);
        }
        return out;
    }

    /** Mean of each frame's row of {@code output}: the frames' scores. */
    private static double[] rowMeans(Session session, Placeholder<TFloat32> frames, Operand<TFloat32> output,
            float[] values, int dim) {
        int rows = values.length / dim;
        int width = (int) output.shape().size(1);
        float[] flat = run(session, frames, output, values, dim, width);
        double[] means = new double[rows];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < width; c++) {
                sum += flat[r * width + c];
            }
            means[r] = sum / width;
        }
        return means;
    }

    private static double mean(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    /** Nearest-rank quantile of sorted values: at most a share 1 - q of them lie above it. */
    static double quantile(double[] sorted, double q) {
        // rank ceil(q (n + 1)): a new value from the same distribution exceeds the k-th smallest of n with probability
        // (n + 1 - k) / (n + 1), so this rank gives it at most 1 - q (ceil(q n) would give up to 1.5 % for q = 0.99, n = 200)
        int rank = (int) Math.ceil(q * (sorted.length + 1));
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    /**
     * Each of the {@code dim} features' mean and standard deviation over the rows of {@code values}: the
     * standardisation the trainer folds into the graph. A feature that does not vary beyond float32's resolution of its
     * level ({@value #CONSTANT_SPREAD} of its largest magnitude) is constant and gets {@value #CONSTANT_SCALE} of that
     * level (at least {@value #CONSTANT_STD}), so it cannot divide by zero and any change of it is a fault; any other keeps its own spread however small, so a feature measured in small units (millionths of
     * a volt, say) is judged by its own variation, where a floor in the data's units would flatten it and every fault on
     * it. Deviations are summed about the mean, so a small spread around a large level is not lost to cancellation.
     */
    public static void meanAndStd(float[] values, int dim, float[] mean, float[] std) {
        double[] spread = new double[dim];
        float[] level = new float[dim];
        featureStats(values, dim, mean, spread, level);
        for (int c = 0; c < dim; c++) {
            // within float32's resolution of its level a feature is constant
            std[c] = (float) (varies(spread[c], level[c]) ? Math.max(spread[c], Float.MIN_NORMAL)
                    : Math.max(CONSTANT_SCALE * level[c], CONSTANT_STD));
        }
    }

    /** Per feature 1 where it varied in training ({@link #meanAndStd}), 0 where it was constant; null when none was. */
    /**
     * What the network sees of each feature (1 or 0): the features that moved ({@code moved}, null: all), less every
     * feature of a {@code hidden} channel (time-major: feature {@code i} is channel {@code i % hidden.length}); null when
     * it sees every feature.
     */
    static float[] seenFeatures(float[] moved, boolean[] hidden, int dim) {
        if (hidden == null) {
            return moved;
        }
        float[] seen = moved != null ? moved.clone() : filled(dim, 1f);
        for (int i = 0; i < dim; i++) {
            if (hidden[i % hidden.length]) {
                seen[i] = 0;
            }
        }
        return seen;
    }

    static float[] movedFeatures(float[] values, int dim) {
        boolean[] constant = constantFeatures(values, dim);
        float[] moved = new float[dim];
        boolean anyConstant = false;
        for (int c = 0; c < dim; c++) {
            moved[c] = constant[c] ? 0 : 1;
            anyConstant |= constant[c];
        }
        return anyConstant ? moved : null;
    }

    /** Each feature's mean, spread (deviations summed about the mean) and largest magnitude over the rows of {@code values}. */
    private static void featureStats(float[] values, int dim, float[] mean, double[] spread, float[] level) {
        int rows = values.length / dim;
        double[] sum = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                float v = values[r * dim + c];
                sum[c] += v;
                level[c] = Math.max(level[c], Math.abs(v));
            }
        }
        double[] sq = new double[dim];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                double d = values[r * dim + c] - sum[c] / rows;
                sq[c] += d * d;
            }
        }
        for (int c = 0; c < dim; c++) {
            mean[c] = (float) (sum[c] / rows);
            spread[c] = Math.sqrt(sq[c] / rows);
        }
    }

    /** Whether a feature of this spread and largest magnitude varies beyond float32's rounding of its level. */
    private static boolean varies(double spread, float level) {
        return spread > CONSTANT_SPREAD * level;
    }

    /**
     * Refuses frames that are all the same (a stopped machine's, a file of one row repeated), to float32's rounding as
     * {@link #meanAndStd} tells a constant feature: an autoencoder learns how normal frames vary, and its threshold comes
     * from how well it rebuilds them.
     *
     * @param dataSummary what the frames are, for the message (null: "the frames")
     */
    public static void requireVariation(FrameFile data, String dataSummary) {
        if (allTheSame(data)) {
            throw new NotEnoughDataException("nothing to learn: " + (dataSummary != null ? "the " + dataSummary : "the frames")
                    + " are all the same (an autoencoder learns how normal frames vary, and a threshold from how well it "
                    + "rebuilds them)");
        }
    }

    /** Whether no feature of the frames varies (as {@link #meanAndStd} tells a constant one). */
    static boolean allTheSame(FrameFile data) {
        int dim = data.dim();
        double[] spread = new double[dim];
        float[] level = new float[dim];
        featureStats(data.values(), dim, new float[dim], spread, level);
        for (int c = 0; c < dim; c++) {
            if (varies(spread[c], level[c])) {
                return false;
            }
        }
        return true;
    }

    private static float[] gather(FrameFile data, int[] order, int from, int to) {
        int dim = data.dim();
        float[] out = new float[(to - from) * dim];
        for (int i = from; i < to; i++) {
            System.arraycopy(data.values(), order[i] * dim, out, (i - from) * dim, dim);
        }
        return out;
    }

    /** 0..n-1 in an order drawn from {@code random}. */
    public static int[] permutation(int n, Random random) {
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
