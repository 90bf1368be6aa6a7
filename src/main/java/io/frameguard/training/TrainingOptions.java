package io.frameguard.training;

import io.frameguard.model.ModelCard;

/**
 * How to train an autoencoder. Defaults suit sensor frames of a few to a few hundred channels, and small
 * grayscale images such as Fashion-MNIST's 28x28.
 *
 * @param learningRate Adam's learning rate; 0 for {@link #defaultLearningRate} of the architecture
 * @param targetFpr the false-positive rate the initial threshold is set for on held-out normal frames
 * @param validationFraction share of the frames held out; for images, half of them calibrate the per-pixel
 *     error variance and the other half the threshold
 * @param architecture {@value #AUTO} (the default for the frames: {@link #defaultArchitecture}), {@value #DENSE},
 *     {@value #CONV} (images whose sides are multiples of 4) or {@value #CHANNELS} (sensor windows)
 * @param hidden dense and channels: width of the outer hidden layers; conv: filters of the first convolution. 0 picks
 *     a default
 * @param activation {@value #RELU} between the layers, or {@value #LINEAR} (dense and channels: one linear bottleneck,
 *     the hidden layers left out), or {@value #AUTO}: linear for {@value #CHANNELS}, relu otherwise
 * @param latent width of the bottleneck; 0 picks one: measured from the training frames where their values are channels
 *     (the trainer's spectrum rule), else {@link #defaultLatent(int)}
 * @param threads TensorFlow intra-op threads, 0 for one per available processor. Same data, seed and thread
 *     count give bit-identical weights (TensorFlow splits work by thread count, so another count may round
 *     differently)
 * @param smoothingSigma images: Gaussian smoothing of the per-pixel error map, in pixels (0: none)
 * @param pixelVariance images: divide each pixel's smoothed error by its variance on held-out normal images
 * @param varianceFloor images: the per-pixel variance used is at least this share of the mean variance
 * @param structuralWeight images: weight of the structural (1 - SSIM) map added to the smoothed error map, relative
 *     to it (each scaled by the spread of its scores on held-out normal images); 0 for none
 * @param channels sensor windows: channels per time step (a frame is {@code dim / channels} steps, time-major); 0 for
 *     frames of one step, each value a channel of its own
 * @param signature export the signature output (for the anomaly memory); off saves its share of the model's work
 * @param denoise train a denoising autoencoder: corrupt each training input ({@code gaussian:SIGMA}: add Gaussian noise
 *     of SIGMA standard deviations of each feature, or of SIGMA in pixel units for images; {@code mask:SHARE}: set that
 *     share of the values to the feature's mean, 0 for images) and learn to reconstruct the clean frame; null for none
 * @param sparsity weight of an L1 penalty on the latent code (a sparse autoencoder); 0 for none
 */
public record TrainingOptions(
        String name,
        String version,
        int epochs,
        int batchSize,
        float learningRate,
        long seed,
        double targetFpr,
        double validationFraction,
        String architecture,
        int hidden,
        String activation,
        int latent,
        int threads,
        double smoothingSigma,
        boolean pixelVariance,
        double varianceFloor,
        double structuralWeight,
        int channels,
        boolean signature,
        String denoise,
        double sparsity) {

    /** The architecture measured best for the kind of frames: see {@link #defaultArchitecture}. */
    public static final String AUTO = "auto";
    public static final String DENSE = "dense";
    public static final String CONV = "conv";
    /**
     * Sensor windows: each time step's channel vector through a bottleneck (a 1x1 convolution autoencoder), the same
     * weights for every step, so a channel that stops agreeing with the others cannot be reconstructed.
     */
    public static final String CHANNELS = "channels";
    /**
     * Sensor windows: 1-D convolutions over time that mix the channels, a dense bottleneck and transposed convolutions
     * back (windows of a multiple of 4 steps).
     */
    public static final String TEMPORAL = "temporal";
    /** A variational autoencoder, fully connected (sensors and images): reparameterised latent, KL term. */
    public static final String VAE = "vae";
    public static final String RELU = "relu";
    public static final String LINEAR = "linear";
    /**
     * The structural map counts twice the smoothed error map: chosen on held-out training images of Fashion-MNIST,
     * never on its test set (bench/fashion-mnist --validation; the runs are in docs/benchmarks-history.md).
     */
    public static final double DEFAULT_STRUCTURAL_WEIGHT = 2.0;
    /** Largest structural weight accepted: beyond it the smoothed error map would no longer count. */
    public static final double MAX_STRUCTURAL_WEIGHT = 100;

    /** Largest L1 weight accepted: beyond it the code is all zeros and the model reconstructs nothing. */
    public static final double MAX_SPARSITY = 10;

    /**
     * A corruption of training inputs for a denoising autoencoder.
     *
     * @param kind {@value #GAUSSIAN} or {@value #MASK}
     * @param amount the noise's standard deviation (in feature standard deviations, pixel units for images), or the
     *     share of values masked
     */
    public record Corruption(String kind, double amount) {
        public static final String GAUSSIAN = "gaussian";
        public static final String MASK = "mask";

        /** {@code gaussian:SIGMA} (0 < SIGMA <= 5) or {@code mask:SHARE} (0 < SHARE < 1); null when it is neither. */
        public static Corruption parse(String spec) {
            int colon = spec.indexOf(':');
            if (colon < 0) {
                return null;
            }
            String kind = spec.substring(0, colon);
            double amount;
            try {
                amount = Double.parseDouble(spec.substring(colon + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (GAUSSIAN.equals(kind) && amount > 0 && amount <= 5 || MASK.equals(kind) && amount > 0 && amount < 1) {
                return new Corruption(kind, amount);
            }
            return null;
        }
    }

    /** The denoising corruption; null when the model learns to reconstruct its inputs as they are. */
    public Corruption corruption() {
        return denoise == null ? null : Corruption.parse(denoise);
    }

    /** Fewer held-out frames than this and the threshold quantile means nothing. */
    public static final int MIN_VALIDATION_FRAMES = 20;
    /** Fewer training frames than this and the model learns nothing worth serving. */
    public static final int MIN_TRAIN_FRAMES = 100;

    public static TrainingOptions defaults() {
        return new TrainingOptions("sensor", null, 30, 64, 0f, 42L, 0.01, 0.1, AUTO, 0, AUTO, 0, 0, 1.0, true, 0.1, DEFAULT_STRUCTURAL_WEIGHT, 0, true, null, 0);
    }

    public TrainingOptions {
        require(epochs >= 1, "epochs must be >= 1");
        require(batchSize >= 1, "batch size must be >= 1");
        require(learningRate >= 0, "learning rate must be > 0 (0: the architecture's default)");
        require(targetFpr > 0 && targetFpr < 0.5, "target FPR must be in (0, 0.5)");
        require(validationFraction > 0 && validationFraction < 0.9, "validation fraction must be in (0, 0.9)");
        require(AUTO.equals(architecture) || DENSE.equals(architecture) || CONV.equals(architecture)
                || CHANNELS.equals(architecture) || TEMPORAL.equals(architecture) || VAE.equals(architecture),
                "architecture must be auto, dense, conv, channels, temporal or vae");
        require(AUTO.equals(activation) || RELU.equals(activation) || LINEAR.equals(activation),
                "activation must be auto, relu or linear");
        require(hidden >= 0 && latent >= 0, "layer widths must be >= 0");
        require(threads >= 0, "threads must be >= 0");
        require(smoothingSigma >= 0 && smoothingSigma <= 10, "smoothing sigma must be in [0, 10] pixels");
        require(varianceFloor > 0 && varianceFloor <= 1, "variance floor must be in (0, 1]");
        require(structuralWeight >= 0 && structuralWeight <= MAX_STRUCTURAL_WEIGHT,
                "structural weight must be in [0, " + (int) MAX_STRUCTURAL_WEIGHT + "]");
        require(channels >= 0, "channels must be >= 0");
        require(denoise == null || Corruption.parse(denoise) != null, "denoise must be gaussian:SIGMA or mask:SHARE");
        require(sparsity >= 0 && sparsity <= MAX_SPARSITY, "sparsity must be in [0, " + MAX_SPARSITY + "]");
    }

    /** Images: whether a share of the held-out images calibrates the error maps (per-pixel variance, map weights). */
    public boolean calibratesImages() {
        return calibratesImages(pixelVariance, structuralWeight);
    }

    /** {@link #calibratesImages()} before the options exist (the default validation fraction depends on it). */
    public static boolean calibratesImages(boolean pixelVariance, double structuralWeight) {
        return pixelVariance || structuralWeight > 0;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public static int defaultHidden(int dim) {
        return Math.max(8, Math.min(128, 2 * dim));
    }

    public static int defaultLatent(int dim) {
        return Math.max(2, Math.min(32, dim / 4));
    }

    /**
     * The architecture {@value #AUTO} stands for: {@value #CHANNELS} for sensor windows of at least
     * {@value #MIN_CHANNELS_FOR_CHANNELS} channels, {@value #DENSE} otherwise. Chosen by measurement (bench/sensor, docs/BENCHMARKS.md).
     */
    public static String defaultArchitecture(boolean image, int channels) {
        return !image && channels >= MIN_CHANNELS_FOR_CHANNELS ? CHANNELS : DENSE;
    }

    /**
     * Fewest channels {@value #CHANNELS} is the default for: with fewer, a step has one or two values to rebuild the
     * others from, and the dense model over the whole window sees more.
     */
    public static final int MIN_CHANNELS_FOR_CHANNELS = 4;

    /** Adam's learning rate for most architectures. */
    public static final float DEFAULT_LEARNING_RATE = 1e-3f;
    /**
     * Adam's learning rate for {@value #CHANNELS}: its few weights see a window's every step in each gradient step, and
     * at the general rate it had not converged in 15 epochs on 2,000 windows (bench/sensor, docs/benchmarks-history.md).
     */
    public static final float CHANNELS_LEARNING_RATE = 3e-3f;

    /**
     * These options with every default that depends on the frames resolved: the architecture ({@link
     * #defaultArchitecture}), its activation ({@link #defaultActivation}) and learning rate ({@link
     * #defaultLearningRate}).
     */
    public TrainingOptions resolve(boolean image) {
        String a = AUTO.equals(architecture) ? defaultArchitecture(image, channels) : architecture;
        return toBuilder().architecture(a).activation(AUTO.equals(activation) ? defaultActivation(a) : activation)
                .learningRate(learningRate > 0 ? learningRate : defaultLearningRate(a)).build();
    }

    /**
     * Linear for {@value #CHANNELS}: as good at finding faults as relu, and a drift of the machine's amplitude scales its
     * scores without changing their shape, which the rolling threshold follows (relu's tail grows faster than its
     * median: bench/sensor, docs/BENCHMARKS.md). Relu otherwise.
     */
    public static String defaultActivation(String architecture) {
        return CHANNELS.equals(architecture) ? LINEAR : RELU;
    }

    public static float defaultLearningRate(String architecture) {
        return CHANNELS.equals(architecture) ? CHANNELS_LEARNING_RATE : DEFAULT_LEARNING_RATE;
    }

    /**
     * Dense layer widths, input first: dim, hidden, latent, hidden, dim; linear: dim, latent, dim. For
     * {@value #CHANNELS}, {@code dim} is the channel count (the layers apply to each step).
     */
    public int[] layers(int dim) {
        int z = latent > 0 ? latent : defaultLatent(dim);
        if (LINEAR.equals(activation)) {
            return new int[] {dim, z, dim};
        }
        int h = hidden > 0 ? hidden : defaultHidden(dim);
        return new int[] {dim, h, z, h, dim};
    }

    /** The thread count to give TensorFlow: {@link #threads()}, or one per available processor when 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /**
     * Options that train another model of the same kind as {@code card}'s: its architecture and widths, its
     * training schedule, its target FPR and image scoring. Name kept; version left to generate.
     */
    public static Builder like(ModelCard card) {
        Builder b = builder().name(card.name()).version(null).targetFpr(card.threshold().targetFpr());
        ModelCard.Architecture a = card.architecture();
        if (a != null && a.layers() != null) {
            if ((a.kind().startsWith("conv") || a.kind().startsWith(TEMPORAL)) && a.layers().length >= 4) {
                b.architecture(a.kind().startsWith(TEMPORAL) ? TEMPORAL : CONV).hidden(a.layers()[1])
                        .latent(a.layers()[a.layers().length - 1]);
            } else if (a.layers().length >= 3) {
                b.architecture(a.kind().startsWith(CHANNELS) ? CHANNELS : a.kind().startsWith("variational") ? VAE : DENSE)
                        .activation(LINEAR.equals(a.activation()) ? LINEAR : RELU)
                        .hidden(a.layers().length > 3 ? a.layers()[1] : 0).latent(a.layers()[a.layers().length / 2]);
            }
        }
        ModelCard.Training t = card.training();
        if (t != null) {
            b.epochs(t.epochs()).batchSize(t.batchSize()).learningRate(t.learningRate()).seed(t.seed())
                    .denoise(t.denoise()).sparsity(t.sparsity() != null ? t.sparsity() : 0);
            if (t.validationFraction() != null) {
                b.validationFraction(t.validationFraction());
            } else if (t.trainFrames() > 0 && t.validationFrames() > 0) {
                // a card from before the fraction was written: as near as its counts tell
                double f = (double) t.validationFrames() / (t.trainFrames() + t.validationFrames());
                b.validationFraction(Math.min(0.5, Math.max(0.05, f)));
            }
        }
        if (card.input().channels() != null) {
            b.channels(card.input().channels());
        }
        ModelCard.Scoring s = card.scoring();
        if (s != null && card.input().image() != null) {
            b.smoothingSigma(s.smoothingSigma()).pixelVariance(s.pixelVariance()).varianceFloor(s.varianceFloor())
                    .structuralWeight(s.structuralWeight());
        }
        return b;
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.version = version;
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.learningRate = learningRate;
        b.seed = seed;
        b.targetFpr = targetFpr;
        b.validationFraction = validationFraction;
        b.architecture = architecture;
        b.hidden = hidden;
        b.activation = activation;
        b.latent = latent;
        b.threads = threads;
        b.smoothingSigma = smoothingSigma;
        b.pixelVariance = pixelVariance;
        b.varianceFloor = varianceFloor;
        b.structuralWeight = structuralWeight;
        b.channels = channels;
        b.signature = signature;
        b.denoise = denoise;
        b.sparsity = sparsity;
        return b;
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    /** Options that differ from the defaults, by name. */
    public static final class Builder {
        private String name;
        private String version;
        private int epochs;
        private int batchSize;
        private float learningRate;
        private long seed;
        private double targetFpr;
        private double validationFraction;
        private String architecture;
        private int hidden;
        private String activation;
        private int latent;
        private int threads;
        private double smoothingSigma;
        private boolean pixelVariance;
        private double varianceFloor;
        private double structuralWeight;
        private int channels;
        private boolean signature;
        private String denoise;
        private double sparsity;

        public Builder name(String v) { name = v; return this; }
        public Builder version(String v) { version = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder learningRate(float v) { learningRate = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder targetFpr(double v) { targetFpr = v; return this; }
        public Builder validationFraction(double v) { validationFraction = v; return this; }
        public Builder architecture(String v) { architecture = v; return this; }
        public Builder hidden(int v) { hidden = v; return this; }
        public Builder activation(String v) { activation = v; return this; }
        public Builder latent(int v) { latent = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder smoothingSigma(double v) { smoothingSigma = v; return this; }
        public Builder pixelVariance(boolean v) { pixelVariance = v; return this; }
        public Builder varianceFloor(double v) { varianceFloor = v; return this; }
        public Builder channels(int v) { channels = v; return this; }
        public Builder signature(boolean v) { signature = v; return this; }
        public Builder denoise(String v) { denoise = v; return this; }
        public Builder sparsity(double v) { sparsity = v; return this; }
        public Builder structuralWeight(double v) { structuralWeight = v; return this; }

        public TrainingOptions build() {
            return new TrainingOptions(name, version, epochs, batchSize, learningRate, seed, targetFpr,
                    validationFraction, architecture, hidden, activation, latent, threads, smoothingSigma, pixelVariance,
                    varianceFloor, structuralWeight, channels, signature, denoise, sparsity);
        }
    }
}
