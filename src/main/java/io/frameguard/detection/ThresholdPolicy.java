package io.frameguard.detection;

import io.frameguard.config.FrameguardConfig;
import org.jboss.logging.Logger;

/**
 * The detection rule, per source, one frame at a time.
 *
 * <p><b>Threshold.</b> The model card's threshold (the validation-score quantile at 1 - target FPR) times the source's
 * <em>level factor</em>: how far the typical score of the source's normal frames sits from the model's validation
 * median, {@code exp(level - log(median))}, kept within [{@code floorFactor}, {@code ceilingFactor}]. It follows slow
 * changes of the normal scores (a sensor's gain drifting, a new season) and ignores anomalous ones: {@code level} is a
 * running median of the log scores of the frames judged normal (at most the threshold), moved by
 * {@code adaptRate} x {@value #LEVEL_STEP} per frame towards each one and kept within the factor's bounds. Frames above
 * the threshold never move it, and a median does not move for the few faulty frames below it, so a fault that keeps coming (a third of the frames, even
 * most of them) does not raise the threshold it exceeds. A fault that lasts is all the source sends: its frames under
 * the threshold are faulty too. So, once a source found its level (its first steps made freely, {@value #SETTLING_STEPS}
 * or as many as reach the bounds: a new source may sit anywhere between floor and ceiling, and a fault under way then
 * is learnt), a fault episode ({@link #inEpisode}) starts when a quarter or more of the recent frames exceed and ends
 * only when fewer than an eighth of the last 64 do, and of about the last {@value #EXCEEDING_FRAMES}; its start takes back the rise of the {@value #UNDONE_FRAMES} frames
 * before it (the fault's first frames; at most a quarter of the way from the model's median to its threshold), and in
 * it a level at or above the model's median holds, while one under it (a source back from an idle spell) moves only on
 * frames as far under it as the median is over it or less, up to the median: a machine running normally again sends
 * more of its frames between the level and the median than that far under the level, a fault scoring above the median
 * none. A new model version re-bases the source keeping its exceedances and its episode: one in an episode starts at
 * the new model's median without settling. A sudden change of the normal scores that large is held the same way:
 * reported until it ends or a model trained on it is served. A fault whose first frames stay under the threshold for
 * longer than {@value #UNDONE_FRAMES} frames, or one that exceeds the threshold less often than an episode
 * needs and stepping the level up as often as down can still raise it. The median comes with every score (the scorer copies it from
 * the card), and the level starts there: a new source starts at the card's threshold. Scores without it (a
 * card without quantiles, a scorer older than this rule) and {@code adaptRate} 0 keep the card's threshold.
 *
 * <p><b>Anomaly.</b> With k-of-n hysteresis, a frame is an anomaly when it exceeds the threshold and at least
 * k of the last n frames (itself included) did; the source is in alarm while k of the last n exceeded. k = n = 1
 * reports every exceeding frame.
 */
public record ThresholdPolicy(double adaptRate, double floorFactor, double ceilingFactor, int k, int n) {

    /** Score / threshold ratios from which an anomaly is "major" or "critical" rather than "minor". */
    public static final double MAJOR_RATIO = 2.0;
    public static final double CRITICAL_RATIO = 4.0;
    /** The level's step per frame, in log units, is this times {@code adaptRate}. */
    static final double LEVEL_STEP = 0.5;
    /** The newest frames whose exceedances tell a fault's start ({@link #faultEpisode}): few, to tell it soon. */
    static final int ONSET_FRAMES = 16;
    /**
     * The share of the newest frames over the threshold from which a fault episode starts ({@link #faultEpisode}): 25
     * times the usual target rate, and low enough that a fault detected only part of the time holds the level.
     */
    static final double HOLD_SHARE = 0.25;
    /**
     * The share of the newest 64 frames over the threshold under which a fault episode ends ({@link #inEpisode}): half
     * the share that starts one, and five times a card's usual target rate.
     */
    static final double RELEASE_SHARE = HOLD_SHARE / 2;
    /**
     * The frames over which a source's share of frames exceeding is averaged ({@link SourceState#exceeding()}), which
     * holds a fault episode ({@link #inEpisode}) through runs of frames under the threshold longer than the 64 the
     * exceedances' bits hold: a fault's scores wander as a machine's state does, and a run of 64 of them under the
     * threshold let the episode end and its frames under the threshold raise the level. About a minute of frames at ten
     * a second; a source's normal frames exceeding at the card's rate never bring it near an eighth.
     */
    static final int EXCEEDING_FRAMES = 512;
    /**
     * The level's steps a source (new, or re-based to a new model) makes freely before the rules that keep a fault from
     * moving it apply: enough to go from the model's median to the floor's or the ceiling's level and settle there.
     */
    static final int SETTLING_STEPS = 256;
    /**
     * The most an episode's start takes back, as a share of the log distance from the model's median to its threshold
     * (about 2.3 spreads of its log scores at a 1 % target): a fault's first frames rarely raise it further before the
     * episode shows, and a level taken back further would leave the source's normal frames over the threshold often
     * enough to hold the episode, and the level, for ever (at a fast adapt-rate, or for a model whose scores spread
     * little).
     */
    static final double MOST_TAKEN_BACK = 0.25;
    /**
     * The newest frames whose steps of the level a fault episode's start takes back: a fault's first frames under the
     * threshold, before a quarter of the newest exceeded (within a few frames for a fault that exceeds half the time,
     * a few dozen for one exceeding a fifth of it). Taken back rather than delayed: a level that lags its frames swings
     * wider on scores that run high or low for a while, as a machine's do, and alarms more often.
     */
    static final int UNDONE_FRAMES = 32;

    public ThresholdPolicy {
        if (k < 1 || n < k || n > 64) {
            throw new IllegalArgumentException("k-of-n needs 1 <= k <= n <= 64, got k=" + k + " n=" + n);
        }
        if (!(floorFactor > 0 && floorFactor <= 1 && ceilingFactor >= 1)) {
            throw new IllegalArgumentException("need 0 < floorFactor <= 1 <= ceilingFactor");
        }
    }

    @SuppressWarnings("deprecation")
    public static ThresholdPolicy from(FrameguardConfig.Detector d) {
        if (d.targetRate().isPresent()) {
            Logger.getLogger(ThresholdPolicy.class).warn("frameguard.detector.target-rate is no longer used and is ignored: the "
                    + "threshold is the model card's (set by its target FPR) scaled by the level of each source's normal scores");
        }
        return new ThresholdPolicy(d.adaptRate(), d.floorFactor(), d.ceilingFactor(), d.k(), d.n());
    }

    public static ThresholdPolicy defaults() {
        return new ThresholdPolicy(0.02, 0.5, 2.0, 1, 1);
    }

    /** Outcome for one frame: the state to store, the threshold the frame was judged against, the verdict. */
    public record Decision(SourceState next, double threshold, boolean exceeded, boolean anomaly, int exceededInWindow) {}

    /**
     * @param modelMedian the model's validation median, from the score record; null when it has none
     */
    public Decision evaluate(SourceState state, String modelVersion, double modelThreshold, Double modelMedian, double score) {
        if (state == null) {
            state = SourceState.fresh(modelVersion, modelThreshold);
        } else if (!modelVersion.equals(state.modelVersion())) {
            state = rebased(state, modelVersion, modelThreshold, modelMedian);
        }
        long window = n == 64 ? -1L : (1L << n) - 1;
        // the stored threshold within this detector's bounds: they may have changed since it was stored (a new
        // floor-factor, a state of an earlier release), and the scorer explains the frames from this floor up
        double t = Math.min(state.baseThreshold() * ceilingFactor, Math.max(lowestThreshold(state.baseThreshold(), floorFactor),
                state.threshold()));
        boolean exceeded = score > t;
        // the last 64 frames' exceedances, whatever n: k-of-n counts the newest n, the level's hold all 64
        long recent = (state.recent() << 1) | (exceeded ? 1L : 0L);
        int inWindow = Long.bitCount(recent & window);
        boolean anomaly = exceeded && inWindow >= k;

        double level = state.level();
        int levelFrames = state.levelFrames();
        long recentSteps = state.recentSteps();
        double exceeding = state.exceeding() + ((exceeded ? 1 : 0) - state.exceeding()) / EXCEEDING_FRAMES;
        int episodeFrames = inEpisode(state.episode(), recent, exceeding) ? saturated(state.episodeFrames()) : 0;
        double next = state.baseThreshold();
        // a median that is no finite positive number (a hand-written score record's) cannot scale a threshold
        boolean adapts = adaptRate > 0 && modelMedian != null && modelMedian > 0 && Double.isFinite(modelMedian);
        if (adapts) {
            // a running median: a step up for a score above it, down for one below; it starts at the model's median, so
            // a source like the validation data keeps the card's threshold from its first frame
            double reference = Math.log(modelMedian);
            double from = levelFrames == 0 ? reference : level;
            // kept where the factor's bounds are: a source quiet for a long time (an idle machine) would otherwise take
            // as long to bring its threshold back up from the floor once it runs again
            double lowest = reference + Math.log(floorFactor);
            double highest = reference + Math.log(ceilingFactor);
            double step = adaptRate * LEVEL_STEP;
            // frames over the threshold never move the level
            int direction = exceeded || !(score > 0) ? 0 : (int) Math.signum(Math.log(score) - from);
            if (levelFrames < settlingSteps()) {
                // a new source (or one re-based to a new model) finds its level first: its frames may sit anywhere
                // between the floor and the ceiling of the validation's, a quarter or more of them over the card's
                // threshold (a machine the model was not trained on), which the rules below would hold
                recentSteps = 0;
                if (direction != 0) {
                    level = Math.min(highest, Math.max(lowest, from + step * direction));
                    levelFrames = saturated(levelFrames);
                }
            } else if (episodeFrames > 0) {
                if (!state.episode()) {
                    // the episode's start: the steps of the frames before it showed were the fault's first frames',
                    // taken back where they raised the level (a level they lowered judges the fault more strictly)
                    double most = MOST_TAKEN_BACK * Math.max(0, Math.log(state.baseThreshold()) - reference);
                    from = Math.min(highest, Math.max(lowest, from - Math.min(most, step * Math.max(0, netSteps(recentSteps)))));
                    level = from;
                    recentSteps = 0;
                }
                // The frames under the threshold are the fault's too. A level at or above the model's median holds, both
                // ways (held only against rising, the normal frames among them would ratchet it down). One under it (a
                // source back from an idle spell with its threshold still low) moves on frames as far under it as the
                // median is over it, or less, up to the median: a machine running normally again sends more of its frames
                // between the level and the median than as far under the level, a quiet one as many, and a fault scoring
                // above the median moves nothing.
                double x = Math.log(score);
                if (from < reference && (direction > 0 && x <= reference || direction < 0 && x >= 2 * from - reference)) {
                    level = Math.min(reference, Math.max(lowest, from + step * direction));
                    levelFrames = saturated(levelFrames);
                }
            } else {
                long shifted = recentSteps << 1; // each half a frame on
                recentSteps = shifted & RECENT_STEPS | shifted & ~RECENT_STEPS & ~(1L << UNDONE_FRAMES);
                if (direction != 0) {
                    level = Math.min(highest, Math.max(lowest, from + step * direction));
                    levelFrames = saturated(levelFrames);
                    if (Math.abs(level - from) > step / 2) { // a step against a bound moved little or nothing to take back
                        recentSteps |= direction > 0 ? 1L | 1L << UNDONE_FRAMES : 1L;
                    }
                }
            }
        }
        if (adapts && levelFrames > 0) {
            next = state.baseThreshold() * Math.min(ceilingFactor, Math.max(floorFactor, Math.exp(level - Math.log(modelMedian))));
        }
        return new Decision(new SourceState(state.modelVersion(), state.baseThreshold(), next, recent, level, levelFrames,
                recentSteps, episodeFrames, exceeding), t, exceeded, anomaly, inWindow);
    }

    /** The low half of {@link SourceState#recentSteps()}: which of the newest frames stepped (the high half: up). */
    private static final long RECENT_STEPS = (1L << UNDONE_FRAMES) - 1;

    /**
     * The steps a new or re-based source makes freely: {@value #SETTLING_STEPS}, or as many as the level needs to reach
     * the floor's or the ceiling's level at this adapt-rate and back.
     */
    int settlingSteps() {
        double farthest = Math.max(Math.log(ceilingFactor), -Math.log(floorFactor));
        return (int) Math.min(Integer.MAX_VALUE, Math.max(SETTLING_STEPS, Math.ceil(2 * farthest / (adaptRate * LEVEL_STEP))));
    }

    /**
     * A source's state for a new model version: the model's threshold, and the source's recent exceedances and fault
     * episode carried over. A source in an episode starts at the model's median without settling (a fault under way would
     * otherwise be learnt in the free steps: every source re-bases at once when a new model serves); one out of one
     * settles as a new source does, the new model scoring its normal frames on a scale of its own.
     */
    private SourceState rebased(SourceState old, String modelVersion, double modelThreshold, Double modelMedian) {
        boolean held = old.episode() && modelMedian != null && modelMedian > 0;
        return new SourceState(modelVersion, modelThreshold, modelThreshold, old.recent(), held ? Math.log(modelMedian) : 0,
                held ? settlingSteps() : 0, 0L, old.episodeFrames(), old.exceeding());
    }

    /** Steps up less steps down in {@link SourceState#recentSteps()}. */
    static int netSteps(long recentSteps) {
        int up = Long.bitCount(recentSteps >>> UNDONE_FRAMES);
        return up - (Long.bitCount(recentSteps & RECENT_STEPS) - up);
    }

    /**
     * Whether a source is in a fault episode after a frame: one starts as {@link #faultEpisode} says, and ends only when
     * fewer than {@value #RELEASE_SHARE} of the newest 64 frames exceeded (far fewer than started it) and of its frames
     * over about the last {@value #EXCEEDING_FRAMES}: a fault whose frames exceed about as often as the start's count
     * holds the level throughout, where counts going under it by chance (or a run of the fault's frames under the
     * threshold) let its frames under the threshold raise the level, fewer of them exceed, and the count fall more often.
     *
     * @param was whether it was in one before the frame
     * @param recent the exceedances with the frame's
     * @param exceeding the share of frames exceeding over about the last {@value #EXCEEDING_FRAMES}, the frame's included
     */
    public static boolean inEpisode(boolean was, long recent, double exceeding) {
        return exceedingLately(was, recent) || was && exceeding >= RELEASE_SHARE;
    }

    /**
     * Whether a source's newest 64 frames are a fault episode's, after a frame: one starts as {@link #faultEpisode} says
     * and goes on while at least {@value #RELEASE_SHARE} of them exceeded. The frames the drift monitor leaves out: those
     * after a fault, while the threshold's episode still holds on the share over the longer run ({@link #inEpisode}), are
     * counted, so a drift after a fault shows within its windows.
     *
     * @param was whether the source was in an episode before the frame ({@link SourceState#episode()})
     */
    public static boolean exceedingLately(boolean was, long recent) {
        return faultEpisode(recent) || was && Long.bitCount(recent) >= RELEASE_SHARE * Long.SIZE;
    }

    /**
     * Whether at least {@value #HOLD_SHARE} of the newest {@value #ONSET_FRAMES} frames, or of the newest 64, exceeded
     * their threshold: far more than the card's target rate, a fault under way (or a change too sudden to be the slow
     * drift the level follows). The short count sees a fault's start within a few frames; the long one does not let go
     * while a fault has a run of frames under the threshold (once the level rose on them, fewer of the fault's frames
     * would exceed, and it would rise on more).
     */
    public static boolean faultEpisode(long recent) {
        return exceedingNow(recent) || Long.bitCount(recent) >= HOLD_SHARE * Long.SIZE;
    }

    /**
     * Whether at least {@value #HOLD_SHARE} of the newest {@value #ONSET_FRAMES} frames exceeded their threshold: a fault
     * episode under way now, which a run of normal frames ends sooner than the long count of {@link #faultEpisode} (a
     * fault starting a few dozen frames after another is another fault).
     */
    public static boolean exceedingNow(long recent) {
        return Long.bitCount(recent & ((1L << ONSET_FRAMES) - 1)) >= HOLD_SHARE * ONSET_FRAMES;
    }

    /**
     * The least threshold a frame of a model with this card threshold is judged against, with this floor factor: no
     * frame scoring less becomes an anomaly (the scorer explains the frames from here up).
     */
    public static double lowestThreshold(double cardThreshold, double floorFactor) {
        return cardThreshold * floorFactor;
    }

    private static int saturated(int frames) {
        return frames == Integer.MAX_VALUE ? frames : frames + 1;
    }

    public static String severity(double score, double threshold) {
        double ratio = score / threshold;
        return ratio >= CRITICAL_RATIO ? "critical" : ratio >= MAJOR_RATIO ? "major" : "minor";
    }
}
