package io.frameguard.retraining;

import ai.djl.translate.TranslateException;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelCard;
import io.frameguard.training.Auroc;
import io.frameguard.training.NotEnoughDataException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Champion/challenger: is a retrained candidate no worse than the model it would replace?
 *
 * <p>Both models score the same held-out recent frames (outside fault episodes: normal, but for reports nobody judged,
 * so that each model's false alarms are counted on frames as they came), and corrupted copies of them: in each copy a
 * block of {@value #CORRUPTED_SHARE} of the values (consecutive channels, or consecutive pixel rows), or a window's
 * one to three channels over its last steps, are replaced by the same values of another held-out frame. Each value stays in its normal range, but the frame no longer
 * hangs together, which is what a model that learned the normal structure notices. The rule:
 * <ul>
 *   <li><b>calibration</b>: the candidate's false-alarm rate at its own threshold is at most
 *       max(2 x target, champion's rate + target), where target is the candidate's card target FPR;
 *   <li><b>separation</b>: its AUROC, corrupted copies against the held-out frames, is at least the champion's
 *       minus {@value #AUROC_TOLERANCE}.
 * </ul>
 * The comparison, both models' figures and the verdict go on the candidate's card.
 */
public final class ChampionChallenger {

    /** Share of a frame's values replaced in a corrupted copy. */
    public static final double CORRUPTED_SHARE = 0.25;
    /** How much separation a candidate may lose and still count as no worse (sampling noise on ~1,000 frames). */
    public static final double AUROC_TOLERANCE = 0.02;
    /** Most channels a corrupted window copy takes from another window. */
    public static final int MAX_CORRUPTED_CHANNELS = 3;

    private ChampionChallenger() {}

    /**
     * @param champion the active model, or null when none is active (the candidate is then judged on calibration)
     * @param holdout held-out recent frames, row-major, {@code rows x dim} raw values as decoded from the stream
     * @param seed fixes which frames and blocks the corrupted copies use
     */
    public static ModelCard.Comparison compare(ModelRunner champion, ModelRunner candidate, float[] holdout, int rows,
            long seed) throws TranslateException {
        int dim = candidate.card().input().dim();
        if (rows < 2) {
            throw new NotEnoughDataException("a comparison needs at least 2 held-out frames, got " + rows);
        }
        float[] corrupted = corrupt(candidate.card().input(), holdout, rows, seed);
        ModelCard.Contender cand = measure(candidate, holdout, corrupted, rows, dim);
        ModelCard.Contender champ = champion == null ? null : measure(champion, holdout, corrupted, rows, dim);
        double target = candidate.card().threshold().targetFpr();
        double fprLimit = champ == null ? 2 * target : Math.max(2 * target, champ.falseAlarmRate() + target);
        boolean calibrated = cand.falseAlarmRate() <= fprLimit;
        boolean separates = champ == null || cand.syntheticAuroc() >= champ.syntheticAuroc() - AUROC_TOLERANCE;
        String reason = String.format(Locale.ROOT, "false-alarm rate %.4f %s limit %.4f; synthetic-anomaly AUROC %.4f %s",
                cand.falseAlarmRate(), calibrated ? "within" : "above", fprLimit, cand.syntheticAuroc(),
                champ == null ? "(no champion)" : String.format(Locale.ROOT, "vs champion %.4f (tolerance %.2f)%s",
                        champ.syntheticAuroc(), AUROC_TOLERANCE, separates ? "" : ": separates worse"));
        return new ModelCard.Comparison(Instant.now().toString(), rows, champ, cand, calibrated && separates, reason);
    }

    /** A model's false-alarm rate on the held-out frames and its AUROC, corrupted copies against them. */
    public static ModelCard.Contender measure(ModelRunner model, float[] holdout, float[] corrupted, int rows, int dim)
            throws TranslateException {
        double[] normal = model.scores(holdout, rows);
        double[] broken = model.scores(corrupted, rows);
        double threshold = model.card().threshold().value();
        long alarms = Arrays.stream(normal).filter(s -> s > threshold).count();
        double[] all = new double[2 * rows];
        boolean[] anomalous = new boolean[2 * rows];
        System.arraycopy(normal, 0, all, 0, rows);
        System.arraycopy(broken, 0, all, rows, rows);
        Arrays.fill(anomalous, rows, 2 * rows, true);
        double[] sorted = normal.clone();
        Arrays.sort(sorted);
        return new ModelCard.Contender(model.card().version(), threshold, (double) alarms / rows, Auroc.of(all, anomalous),
                sorted[(int) Math.floor(0.5 * (rows - 1))], sorted[(int) Math.floor(0.99 * (rows - 1))]);
    }

    /**
     * Corrupted copies of held-out frames of this input: for images and one-step frames, {@link #corrupt(float[], int,
     * int, int, long)} with a block of pixel rows or consecutive channels; for sensor windows, one to
     * {@value #MAX_CORRUPTED_CHANNELS} channels taken from another held-out window from a step in the window's first
     * three quarters to its end: each such channel keeps its own range but no longer agrees with the others nor with its
     * own course, as a faulty sensor would.
     */
    public static float[] corrupt(ModelCard.Input input, float[] values, int rows, long seed) {
        int dim = input.dim();
        if (input.image() != null) {
            return corrupt(values, rows, dim, input.image().width() * input.image().channels(), seed);
        }
        int channels = input.channels() == null ? 0 : input.channels();
        if (channels == 0) {
            return corrupt(values, rows, dim, 1, seed);
        }
        int stepCount = dim / channels;
        Random random = new Random(seed);
        float[] out = values.clone();
        for (int r = 0; r < rows; r++) {
            int other = (r + 1 + random.nextInt(rows - 1)) % rows;
            int[] picked = random.ints(0, channels).distinct().limit(1 + random.nextInt(Math.min(MAX_CORRUPTED_CHANNELS, channels)))
                    .toArray();
            // from a step in the window's first three quarters to its end: at least a quarter of the window
            int from = random.nextInt(Math.max(1, (int) Math.round(stepCount * (1 - CORRUPTED_SHARE))));
            for (int t = from; t < stepCount; t++) {
                for (int c : picked) {
                    out[r * dim + t * channels + c] = values[other * dim + t * channels + c];
                }
            }
        }
        return out;
    }

    /** How {@link #corrupt(ModelCard.Input, float[], int, long)} corrupts frames of this input, for people. */
    public static String corruption(ModelCard.Input input) {
        int share = (int) Math.round(100 * CORRUPTED_SHARE);
        if (input.image() != null) {
            return share + " % of the pixel rows from another held-out image";
        }
        if (input.channels() == null || input.channels() == 0) {
            return share + " % of consecutive channels from another held-out frame";
        }
        return "1 to " + MAX_CORRUPTED_CHANNELS + " channels from another held-out window, over at least the last "
                + share + " % of the steps";
    }

    /**
     * Copies of the frames with a block of {@link #CORRUPTED_SHARE} of their values, aligned to {@code unit}
     * values (an image row) and wrapping around, taken from another frame at the same positions.
     */
    static float[] corrupt(float[] values, int rows, int dim, int unit, long seed) {
        Random random = new Random(seed);
        float[] out = values.clone();
        int units = Math.max(1, dim / unit);
        int blockUnits = Math.max(1, (int) Math.round(units * CORRUPTED_SHARE));
        for (int r = 0; r < rows; r++) {
            int other = (r + 1 + random.nextInt(rows - 1)) % rows;
            int start = random.nextInt(units);
            for (int u = 0; u < blockUnits; u++) {
                int from = ((start + u) % units) * unit;
                for (int k = from; k < Math.min(dim, from + unit); k++) {
                    out[r * dim + k] = values[other * dim + k];
                }
            }
        }
        return out;
    }
}
