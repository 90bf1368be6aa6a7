package io.frameguard.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import io.frameguard.events.ChannelError;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ScoreAggregation;
import io.frameguard.model.ValidationDistribution;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded model artifact that scores batches of frames with DJL's TensorFlow engine.
 *
 * <p>The DJL model is thread-safe; predictors are not, so each scoring thread asks for its own
 * {@link Session}. {@link #load} refuses an artifact that DJL cannot load, or whose output does not have the
 * card's shape, or that yields non-finite errors on a canary batch.
 */
public final class ModelRunner implements AutoCloseable {

    /** Channels reported per frame as the explanation of its score. */
    public static final int TOP_CHANNELS = 3;
    private static final String ENGINE = "TensorFlow";

    private final ModelArtifact artifact;
    private final ZooModel<ModelCall, ModelOutputs> model;
    /**
     * The SavedModel's {@code describe} function, which also computes signatures; null when the model has no signature,
     * or when its only function computes both (models exported before the split).
     */
    private ZooModel<ModelCall, ModelOutputs> describer;
    private final ValidationDistribution validation;
    private final ScoreAggregation aggregation;
    /** Sensor models: each channel's name in explanations, from the card or {@code ch<index>} (null for images). */
    private final String[] channelNames;
    private final Object lifecycle = new Object();
    private int openSessions;
    private boolean retired;
    private boolean closed;
    private boolean ownsDirectory;

    private ModelRunner(ModelArtifact artifact, ZooModel<ModelCall, ModelOutputs> model, ValidationDistribution validation) {
        this.artifact = artifact;
        this.model = model;
        this.validation = validation;
        this.aggregation = ScoreAggregation.of(artifact.card());
        this.channelNames = artifact.card().input().image() != null ? null : channelNames(artifact.card().input(),
                aggregation.channels());
    }

    /** The names of {@code channels} channels ({@link ModelCard.Input#channelName}); made once per model. */
    private static String[] channelNames(ModelCard.Input input, int channels) {
        String[] out = new String[channels];
        for (int c = 0; c < channels; c++) {
            out[c] = input.channelName(c);
        }
        return out;
    }

    /** Loads the artifact on the device {@link InferenceDevice#AUTO} picks. */
    public static ModelRunner load(ModelArtifact artifact) throws IOException {
        return load(artifact, InferenceDevice.AUTO);
    }

    /**
     * Loads the artifact on {@code device}, run with the process's {@link InferenceThreads}; a GPU that is asked for and
     * missing fails (not refused as a model).
     */
    public static ModelRunner load(ModelArtifact artifact, InferenceDevice device) throws IOException {
        ValidationDistribution validation;
        try {
            validation = ValidationDistribution.of(artifact.card());
        } catch (IllegalArgumentException e) {
            throw new InvalidModelException(e.getMessage(), e);
        }
        Device on = device.resolve();
        ModelRunner scorer = new ModelRunner(artifact, loadFunction(artifact, on, null), validation);
        try {
            scorer.check(on);
        } catch (IOException e) {
            scorer.close();
            throw e;
        }
        return scorer;
    }

    /**
     * Why a model could not be loaded or run: refused for good ({@link InvalidModelException}), unless the device ran
     * out of memory (TensorFlow's RESOURCE_EXHAUSTED, a GPU holding the serving model and the next at once during a
     * swap, say): the model may load once the memory is free, so a plain IOException, which the registry watcher tries
     * again.
     */
    static IOException cannotLoad(String message, Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof org.tensorflow.exceptions.TFResourceExhaustedException || c instanceof OutOfMemoryError) {
                return new IOException(message + " (out of memory: not refused, tried again later)", e);
            }
        }
        return new InvalidModelException(message, e);
    }

    /** The SavedModel's function of that name (null: {@code serving_default}) through DJL. */
    private static ZooModel<ModelCall, ModelOutputs> loadFunction(ModelArtifact artifact, Device on, String function)
            throws IOException {
        try {
            Criteria.Builder<ModelCall, ModelOutputs> criteria = Criteria.builder()
                    .setTypes(ModelCall.class, ModelOutputs.class)
                    .optModelPath(artifact.savedModelDir())
                    .optEngine(ENGINE)
                    .optDevice(on)
                    .optTranslator(new ReconstructionErrorTranslator(artifact.card().input().errorWidth(),
                            artifact.card().signature() == null ? 0 : artifact.card().signature().length(),
                            attributesByContribution(artifact.card()) ? artifact.card().input().errorWidth() : 0));
            if (function != null) {
                criteria.optOption("SignatureDefKey", function);
            }
            return criteria.build().loadModel();
        } catch (IOException | ModelNotFoundException | MalformedModelException | RuntimeException e) {
            throw cannotLoad("DJL/TensorFlow cannot load model " + artifact.card().version() + " from "
                    + artifact.savedModelDir() + (function != null ? " (function " + function + ")" : "") + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether the card's top channels are ranked by the model's {@code contributions} output. */
    private static boolean attributesByContribution(ModelCard card) {
        return card.input().image() == null && card.input().steps() == 1 && card.scoring() != null
                && ModelCard.Scoring.RECONSTRUCTION_BASED.equals(card.scoring().attribution());
    }

    /**
     * The canary: a batch of two mean frames through the model's functions must give error maps as wide as the card
     * says, finite, and the signatures the card declares (loading the {@code describe} function when
     * {@code serving_default} computes none).
     */
    private void check(Device on) throws IOException {
        try (Session s = newSession()) {
            int dim = artifact.card().input().dim();
            float[] canary = new float[2 * dim];
            float[] mean = artifact.card().preprocessing().mean();
            for (int i = 0; i < canary.length; i++) {
                canary[i] = mean != null && mean.length == dim ? mean[i % dim] : 0f;
            }
            // an output of another shape than the card's fails in the translator ("returned N error values for 2 frames of W")
            ModelOutputs out = s.run(new FrameBatch(canary, 2, dim));
            float[] errors = out.errors();
            int signatureLength = artifact.card().signature() == null ? 0 : artifact.card().signature().length();
            if (signatureLength > 0 && out.signatures() == null) {
                describer = loadFunction(artifact, on, ModelArtifact.DESCRIBE_FUNCTION);
                try (Session d = newSession()) {
                    out = d.describe(new FrameBatch(canary, 2, dim));
                }
            }
            if (signatureLength > 0 && (out.signatures() == null || out.signatures().length != 2 * signatureLength)) {
                throw new InvalidModelException("model " + artifact.card().version() + " returned no signatures of "
                        + signatureLength + " values per frame, which its card declares");
            }
            for (float e : errors) {
                if (!Float.isFinite(e)) {
                    throw new InvalidModelException("model " + artifact.card().version() + " returns non-finite errors");
                }
            }
            if (out.contributions() != null && !finite(out.contributions(), 0, out.contributions().length)) {
                throw new InvalidModelException("model " + artifact.card().version() + " returns non-finite contributions");
            }
        } catch (TranslateException | RuntimeException e) {
            throw cannotLoad("model " + artifact.card().version() + " fails on a canary batch: " + e.getMessage(), e);
        }
    }

    /** The device the model runs on, as DJL names it ({@code cpu()}, {@code gpu(0)}). */
    public Device device() {
        return model.getNDManager().getDevice();
    }

    public ModelCard card() {
        return artifact.card();
    }

    public ModelArtifact artifact() {
        return artifact;
    }

    /** A predictor for one thread; refused once the scorer is retired (a newer model serves instead). */
    public Session newSession() {
        synchronized (lifecycle) {
            if (retired || closed) {
                throw new IllegalStateException("model " + artifact.card().version() + " has been replaced");
            }
            openSessions++;
        }
        return new Session(model.newPredictor(), describer == null ? null : describer.newPredictor());
    }

    /**
     * Makes the artifact's directory this runner's own: deleted once the model is closed (a version unpacked from the
     * registry for it, which nothing else reads), so retired versions do not pile up on the pod's disk.
     */
    public ModelRunner ownsDirectory() {
        synchronized (lifecycle) {
            ownsDirectory = true;
        }
        return this;
    }

    /**
     * Marks this scorer as replaced: its DJL model is closed as soon as the last open session closes (each
     * scoring thread closes its session when it picks up the new model at its next batch), never under a batch.
     */
    public void retire() {
        synchronized (lifecycle) {
            retired = true;
            if (openSessions == 0) {
                closeModel();
            }
        }
    }

    @Override
    public void close() {
        synchronized (lifecycle) {
            closeModel();
        }
    }

    private void closeModel() {
        if (!closed) {
            closed = true;
            model.close();
            if (describer != null) {
                describer.close();
            }
            if (ownsDirectory) {
                org.apache.commons.io.FileUtils.deleteQuietly(artifact.dir().toFile());
            }
        }
    }

    private void sessionClosed() {
        synchronized (lifecycle) {
            openSessions--;
            if (retired && openSessions == 0) {
                closeModel();
            }
        }
    }

    /** One thread's handle on the model. */
    public final class Session implements AutoCloseable {
        private final Predictor<ModelCall, ModelOutputs> predictor;
        /** Null when {@link #run} gives the signatures too, or the model has none. */
        private final Predictor<ModelCall, ModelOutputs> describer;
        /** The frames' way into the model's input tensor, this session's own. */
        private final InputStaging staging = new InputStaging();

        private Session(Predictor<ModelCall, ModelOutputs> predictor, Predictor<ModelCall, ModelOutputs> describer) {
            this.predictor = predictor;
            this.describer = describer;
        }

        public ModelCard card() {
            return artifact.card();
        }

        /**
         * The model's error maps for a batch (and the signatures too, from models whose one function computes both: see
         * {@link #describe}).
         */
        public ModelOutputs run(FrameBatch batch) throws TranslateException {
            checkDim(batch);
            return predictor.predict(new ModelCall(batch, staging));
        }

        /** The model's outputs for a batch with the signatures, when the model has them (its {@code describe} function). */
        public ModelOutputs describe(FrameBatch batch) throws TranslateException {
            checkDim(batch);
            return (describer != null ? describer : predictor).predict(new ModelCall(batch, staging));
        }

        private void checkDim(FrameBatch batch) {
            if (batch.dim() != artifact.card().input().dim()) {
                throw new IllegalArgumentException("batch dim " + batch.dim() + " != model dim " + artifact.card().input().dim());
            }
        }

        /** The error maps, row-major: {@code batch.rows()} rows of {@link ModelCard.Input#errorWidth()} values. */
        public float[] errors(FrameBatch batch) throws TranslateException {
            return run(batch).errors();
        }

        /** Scores each frame of the batch (the signatures only where the model's one function computes them too). */
        public List<ScoredFrame> score(FrameBatch batch) throws TranslateException {
            return explain(run(batch), batch.rows());
        }

        /** Scores each frame of the batch with its signature, when the model has one. */
        public List<ScoredFrame> scoreWithSignatures(FrameBatch batch) throws TranslateException {
            return explain(describe(batch), batch.rows());
        }

        /** Scores, explanations and signatures from outputs this session computed. */
        public List<ScoredFrame> explain(ModelOutputs outputs, int rows) {
            return explain(outputs, rows, EXPLAIN_ALL);
        }

        /**
         * Scores and signatures from outputs this session computed, with explanations for the frames scoring at least
         * {@code explainFrom} ({@link ModelRunner#explain(float[], int, double)}).
         */
        public List<ScoredFrame> explain(ModelOutputs outputs, int rows, double explainFrom) {
            List<ScoredFrame> scored = ModelRunner.this.explain(outputs.errors(), outputs.contributions(), rows, explainFrom);
            if (outputs.signatures() == null) {
                return scored;
            }
            int length = outputs.signatures().length / rows;
            List<ScoredFrame> signed = new ArrayList<>(rows);
            for (int r = 0; r < rows; r++) {
                ScoredFrame f = scored.get(r);
                signed.add(new ScoredFrame(f.score(), f.validationRank(), f.topChannels(), f.region(),
                        java.util.Arrays.copyOfRange(outputs.signatures(), r * length, (r + 1) * length)));
            }
            return signed;
        }

        /** Scores and explanations from error maps this session computed. */
        public List<ScoredFrame> explain(float[] errors, int rows) {
            return ModelRunner.this.explain(errors, rows);
        }

        @Override
        public void close() {
            predictor.close();
            if (describer != null) {
                describer.close();
            }
            sessionClosed();
        }
    }

    /** Frames per predictor call of {@link #scores}. */
    public static final int SCORES_BATCH = 256;

    /**
     * The scores of {@code rows} frames stored back to back in {@code values}, in calls of {@value #SCORES_BATCH} frames
     * on a session of their own: for offline work (comparisons, benchmarks, tests), not the scorer's loop.
     */
    public double[] scores(float[] values, int rows) throws TranslateException {
        int dim = artifact.card().input().dim();
        double[] out = new double[rows];
        try (Session session = newSession()) {
            for (int from = 0; from < rows; from += SCORES_BATCH) {
                int n = Math.min(SCORES_BATCH, rows - from);
                List<ScoredFrame> scored = session.score(new FrameBatch(values, from * dim, n, dim));
                for (int i = 0; i < n; i++) {
                    out[from + i] = scored.get(i).score();
                }
            }
        }
        return out;
    }

    /** The score's rank among the model's validation scores; null when its card has no validation sketch. */
    private Double rank(double score) {
        return validation == null ? null : validation.rank(score);
    }

    /** Turns the error maps of {@code rows} frames into scores with their explanations. */
    public List<ScoredFrame> explain(float[] errors, int rows) {
        return explain(errors, rows, EXPLAIN_ALL);
    }

    /** {@link #explain(float[], int, double)}'s bound that explains every frame. */
    public static final double EXPLAIN_ALL = Double.NEGATIVE_INFINITY;

    /**
     * Turns the error maps of {@code rows} frames into scores, and explains those scoring at least {@code explainFrom}:
     * their top channels (sensors) or their region of largest error (images). The others get an empty list and no
     * region: the scorer explains only the frames the detector could call anomalous, and finding a frame's top channels
     * reads its whole row a second time. A score that is no number is explained (its top channels show which channel
     * overflowed).
     */
    public List<ScoredFrame> explain(float[] errors, int rows, double explainFrom) {
        return explain(errors, null, rows, explainFrom);
    }

    /**
     * {@link #explain(float[], int, double)}, the top channels of one-step frames ranked by {@code contributions} where
     * the model computed them ({@link ModelOutputs#contributions()}), each channel's share then the part of the frame's
     * error that a fault of that channel alone explains.
     */
    private List<ScoredFrame> explain(float[] errors, float[] contributions, int rows, double explainFrom) {
        ModelCard.Input input = artifact.card().input();
        int width = input.errorWidth();
        List<ScoredFrame> out = new ArrayList<>(rows);
        if (input.image() != null) {
            for (int r = 0; r < rows; r++) {
                double score = ScoreAggregation.sum(errors, r * width, width) / width;
                out.add(new ScoredFrame(score, rank(score), List.of(), !(score < explainFrom)
                        ? ImageRegions.find(errors, r * width, input.image().width(), input.image().height()) : null, null));
            }
            return out;
        }
        // windows (channels x steps, time-major): a channel's error is its mean over the steps, named by its channel
        int channelCount = aggregation.channels();
        int steps = aggregation.steps();
        float[] perChannel = steps == 1 ? null : new float[channelCount];
        int[] top = new int[Math.min(TOP_CHANNELS, channelCount)];
        for (int r = 0; r < rows; r++) {
            // a frame of one step is its own channel errors: read in place, not copied
            float[] row = steps == 1 ? errors : perChannel;
            int from = steps == 1 ? r * width : 0;
            double sum = steps == 1 ? ScoreAggregation.sum(errors, from, channelCount) : aggregation.channelErrors(errors, r * width, perChannel);
            double score = aggregation.score(row, from, sum);
            // a score that is no number names the channel that overflowed, by its own error
            List<ChannelError> explained = score < explainFrom ? List.of()
                    : contributions != null && steps == 1 && Double.isFinite(sum) && finite(contributions, from, channelCount)
                    ? contributingChannels(row, contributions, from, sum, top)
                    : topChannels(row, from, sum, steps, top);
            out.add(new ScoredFrame(score, rank(score), explained, null, null));
        }
        return out;
    }

    /** Whether {@code values[from .. from + n)} are all finite numbers. */
    private static boolean finite(float[] values, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    /**
     * The largest of a row's {@link ScoreAggregation#channels()} channel errors from {@code from}, named, each with its
     * share of the row's {@code sum} (a window's sum is over its steps); {@code top} is scratch space of the list's length.
     */
    private List<ChannelError> topChannels(float[] row, int from, double sum, int steps, int[] top) {
        ScoreAggregation.top(row, from, aggregation.channels(), top);
        List<ChannelError> channels = new ArrayList<>(top.length);
        for (int c : top) {
            double e = row[from + c];
            double share = sum > 0 ? e * steps / sum : 0;
            channels.add(new ChannelError(c, channelNames[c], e, share));
        }
        return channels;
    }

    /**
     * The channels of a one-step frame's error row (from {@code from}) whose fault alone would explain most of its error
     * ({@code contributions}, the same layout), named, each with its own error and, as its share, the part of the
     * row's {@code sum} that its contribution is (at most 1).
     */
    private List<ChannelError> contributingChannels(float[] row, float[] contributions, int from, double sum, int[] top) {
        ScoreAggregation.top(contributions, from, aggregation.channels(), top);
        List<ChannelError> channels = new ArrayList<>(top.length);
        for (int c : top) {
            double share = sum > 0 ? Math.max(0, Math.min(1, contributions[from + c] / sum)) : 0;
            channels.add(new ChannelError(c, channelNames[c], row[from + c], share));
        }
        return channels;
    }
}
