package io.frameguard.training;

/**
 * How to train an autoencoder. Defaults suit sensor frames of a few to a few hundred channels.
 *
 * @param hidden width of the outer hidden layers; 0 picks {@link #defaultHidden(int)}
 * @param latent width of the bottleneck; 0 picks {@link #defaultLatent(int)}
 * @param targetFpr the false-positive rate the initial threshold is set for on held-out normal frames
 * @param threads TensorFlow intra-op threads, 0 for one per available processor. Same data, seed and thread
 *     count give bit-identical weights (TensorFlow splits work by thread count, so another count may round
 *     differently)
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
        int hidden,
        int latent,
        int threads) {

    /** Fewer held-out frames than this and the threshold quantile means nothing. */
    public static final int MIN_VALIDATION_FRAMES = 20;
    /** Fewer training frames than this and the model learns nothing worth serving. */
    public static final int MIN_TRAIN_FRAMES = 100;

    public static TrainingOptions defaults() {
        return new TrainingOptions("sensor", null, 30, 64, 1e-3f, 42L, 0.01, 0.1, 0, 0, 0);
    }

    public TrainingOptions {
        require(epochs >= 1, "epochs must be >= 1");
        require(batchSize >= 1, "batch size must be >= 1");
        require(learningRate > 0, "learning rate must be > 0");
        require(targetFpr > 0 && targetFpr < 0.5, "target FPR must be in (0, 0.5)");
        require(validationFraction > 0 && validationFraction < 0.9, "validation fraction must be in (0, 0.9)");
        require(hidden >= 0 && latent >= 0, "layer widths must be >= 0");
        require(threads >= 0, "threads must be >= 0");
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

    public int[] layers(int dim) {
        int h = hidden > 0 ? hidden : defaultHidden(dim);
        int z = latent > 0 ? latent : defaultLatent(dim);
        return new int[] {dim, h, z, h, dim};
    }

    /** The thread count to give TensorFlow: {@link #threads()}, or one per available processor when 0. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public TrainingOptions withVersion(String v) {
        return new TrainingOptions(name, v, epochs, batchSize, learningRate, seed, targetFpr, validationFraction,
                hidden, latent, threads);
    }
}
