package io.frameguard.model;

/**
 * How a frame's error map becomes its score, as its card says: the one rule the trainer (for the card's threshold
 * and quantiles) and the scorer share.
 *
 * <p>A sensor window's channel error is the mean of its values' errors over the window's steps (a frame of one step
 * has one value per channel). The score is the mean of all channel errors ({@value #MEAN}: every model before
 * channel aggregation, and images, whose map is per pixel), or the mean of the {@code top} largest
 * ({@value #TOP_CHANNELS}): a fault on one channel of sixteen would otherwise count a sixteenth.
 */
public final class ScoreAggregation {

    public static final String MEAN = "mean";
    public static final String TOP_CHANNELS = "top-channels";

    private final int channels;
    private final int steps;
    private final int top;

    private ScoreAggregation(int channels, int steps, int top) {
        this.channels = channels;
        this.steps = steps;
        this.top = top;
    }

    /** The card's rule. */
    public static ScoreAggregation of(ModelCard card) {
        return of(card.input(), card.scoring());
    }

    /** The rule of a card with this input and scoring; refuses an aggregation it does not know ({@link #check}). */
    public static ScoreAggregation of(ModelCard.Input input, ModelCard.Scoring s) {
        String problem = check(input, s);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        int width = input.errorWidth();
        int channels = input.image() == null && input.channels() != null && input.channels() > 0 ? input.channels() : width;
        int top = s != null && TOP_CHANNELS.equals(s.aggregation()) ? Math.min(channels, s.topChannels()) : 0;
        return new ScoreAggregation(channels, width / channels, top);
    }

    /**
     * What is wrong with a card's aggregation, or null: it must be absent, {@value #MEAN}, or {@value #TOP_CHANNELS}
     * with {@code topChannels} at least 1 on a sensor card. A card's threshold was measured with its rule, so a rule
     * this scorer does not know must not be replaced by another.
     */
    public static String check(ModelCard.Input input, ModelCard.Scoring s) {
        if (s == null || s.aggregation() == null || MEAN.equals(s.aggregation())) {
            return null;
        }
        if (!TOP_CHANNELS.equals(s.aggregation())) {
            return "scoring.aggregation " + s.aggregation() + " is not one this release knows (" + MEAN + ", " + TOP_CHANNELS + ")";
        }
        if (s.topChannels() == null || s.topChannels() < 1 || input.image() != null) {
            return "scoring.aggregation " + TOP_CHANNELS + " needs scoring.topChannels of at least 1, on a sensor model";
        }
        return null;
    }

    /** Channels per frame (pixels for images): the length of {@link #channelErrors}'s output. */
    public int channels() {
        return channels;
    }

    /** Steps per frame: values of a channel in one row of the error map. */
    public int steps() {
        return steps;
    }

    /**
     * Fills {@code out} (length {@link #channels()}) with the row's channel errors; returns the row's sum. A frame of
     * one step ({@link #steps()} 1) is its own channel errors: a caller may read its row in place instead.
     */
    public double channelErrors(float[] errors, int from, float[] out) {
        System.arraycopy(errors, from, out, 0, channels);
        if (steps == 1) {
            return sum(errors, from, channels);
        }
        for (int s = 1; s < steps; s++) {
            int base = from + s * channels;
            for (int c = 0; c < channels; c++) {
                out[c] += errors[base + c];
            }
        }
        double sum = 0;
        for (int c = 0; c < channels; c++) {
            sum += out[c];
            out[c] /= steps;
        }
        return sum;
    }

    /**
     * The score of a row whose channel errors are {@link #channels()} values of {@code channelErrors} from {@code from}
     * (a frame of one step: its own row of the error map, see {@link #channelErrors}) and whose errors sum to {@code sum}.
     */
    public double score(float[] channelErrors, int from, double sum) {
        if (top == 0) {
            return sum / (channels * steps);
        }
        return topMean(channelErrors, from, channels, top);
    }

    /** The scores of {@code rows} rows of error maps. */
    public double[] scores(float[] errors, int rows) {
        float[] perChannel = new float[channels];
        double[] out = new double[rows];
        int width = channels * steps;
        for (int r = 0; r < rows; r++) {
            out[r] = score(perChannel, 0, channelErrors(errors, r * width, perChannel));
        }
        return out;
    }

    /**
     * The running sums of {@link #sum} (one sum would make every addition wait for the one before it), and the values
     * {@link #top} tests at once.
     */
    private static final int LANES = 8;

    /** The sum of {@code n} errors from {@code from}, in doubles, in the same order whoever asks (trainer and scorer). */
    public static double sum(float[] errors, int from, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double s5 = 0;
        double s6 = 0;
        double s7 = 0;
        int i = from;
        int end = from + n;
        for (; i + LANES - 1 < end; i += LANES) {
            s0 += errors[i];
            s1 += errors[i + 1];
            s2 += errors[i + 2];
            s3 += errors[i + 3];
            s4 += errors[i + 4];
            s5 += errors[i + 5];
            s6 += errors[i + 6];
            s7 += errors[i + 7];
        }
        for (; i < end; i++) {
            s0 += errors[i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * Fills {@code top} with the indices (from {@code from}) of the largest of the {@code n} values from {@code from},
     * largest first and the earlier of equal values first; its first {@code min(top.length, n)} entries are filled.
     * Once {@code top} is full, {@value #LANES} values cost one test of whether any of them beats the k-th so far (a
     * frame has thousands of channels and three are kept). A NaN is never listed after the first {@code top.length}
     * values.
     */
    public static void top(float[] values, int from, int n, int[] top) {
        int k = Math.min(top.length, n);
        if (k == 0) {
            return;
        }
        for (int c = 0; c < k; c++) {
            insert(values, from, top, c, c);
        }
        float kth = values[from + top[k - 1]];
        int i = from + k; // values before this one are in top already
        int end = from + n;
        for (; i + LANES - 1 < end; i += LANES) {
            // one branch per eight values: the non-short-circuit | compares them all without a jump each
            if (values[i] > kth | values[i + 1] > kth | values[i + 2] > kth | values[i + 3] > kth
                    | values[i + 4] > kth | values[i + 5] > kth | values[i + 6] > kth | values[i + 7] > kth) {
                kth = admit(values, from, top, k, i, i + LANES, kth);
            }
        }
        admit(values, from, top, k, i, end, kth);
    }

    /** Lists among the {@code k} in {@code top} each value of {@code [start, end)} that beats the k-th so far; returns the new k-th. */
    private static float admit(float[] values, int from, int[] top, int k, int start, int end, float kth) {
        for (int i = start; i < end; i++) {
            if (values[i] > kth) { // NaN never does
                insert(values, from, top, k, i - from);
                kth = values[from + top[k - 1]];
            }
        }
        return kth;
    }

    /**
     * Puts value {@code c} among the first {@code filled} indices of {@code top} (largest first, after those at least
     * as large); when {@code top} is full its last index drops out.
     */
    private static void insert(float[] values, int from, int[] top, int filled, int c) {
        float e = values[from + c];
        int pos = Math.min(filled, top.length);
        while (pos > 0 && values[from + top[pos - 1]] < e) {
            if (pos < top.length) {
                top[pos] = top[pos - 1];
            }
            pos--;
        }
        if (pos < top.length) {
            top[pos] = c;
        }
    }

    /**
     * Mean of the {@code k} largest of the {@code n} values from {@code from} (k small: one pass keeping them in order);
     * NaN when any value is NaN, so that a frame the model cannot score is never taken for a normal one (the scorer
     * dead-letters it).
     */
    static double topMean(float[] values, int from, int n, int k) {
        float[] best = new float[k];
        java.util.Arrays.fill(best, Float.NEGATIVE_INFINITY);
        for (int i = from, end = from + n; i < end; i++) {
            float v = values[i];
            if (Float.isNaN(v)) {
                return Double.NaN;
            }
            if (v <= best[k - 1]) {
                continue;
            }
            int pos = k - 1;
            while (pos > 0 && best[pos - 1] < v) {
                best[pos] = best[pos - 1];
                pos--;
            }
            best[pos] = v;
        }
        double sum = 0;
        for (float b : best) {
            sum += b;
        }
        return sum / k;
    }
}
