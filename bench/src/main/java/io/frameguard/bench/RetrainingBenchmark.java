package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.detection.SourceState;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.retraining.ChampionChallenger;
import io.frameguard.retraining.RecentNormalFrames;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What retraining learns from a fault that lasts: a source's channel stays faulty while the retraining sidecar runs,
 * round after round, and each round's model serves the next.
 *
 * <p>A model is trained on normal rows of a plant ({@link RowsBenchmark}'s). Each round, the frames the sidecar reads
 * ({@code --buffer} of them, from {@code --sources} sources side by side) are fresh normal rows, and for one source its
 * newest {@code --fault-share} are the lasting fault: the next stretch of one fault each round (the same channel, the
 * same stuck value), whose stretch after the last round is what each model is measured on. The serving model scores
 * them and the detector's own rule ({@link ThresholdPolicy#defaults()}) says which are reported, each source's state
 * starting afresh each round. The kept frames are chosen three ways: the
 * unreported ones among the newest {@code --buffer} (the sidecar before 2026-12-05), the unreported ones outside the
 * sources' fault episodes ({@link RecentNormalFrames#inFaultEpisodes}), reading twice as far back while fewer than
 * {@code --buffer} are kept, up to {@link RecentNormalFrames#READ_BACK} times, and keeping the newest {@code --buffer}
 * (the sidecar on 2026-12-05), and all frames outside fault episodes so chosen, the reported ones not learnt but held
 * out as often as the others, so that they set the candidate's threshold (the sidecar since). As {@code RetrainingJob} does, the newest fifth of them is held out, a candidate like the serving model is trained on the rest, {@link ChampionChallenger} compares the two on
 * the held-out frames, and an accepted candidate serves the next round. Reported per round and way: the rows given
 * the trainer to learn (the trainer holds out its own validation share of them, which sets the threshold) and the
 * fault's among them, whether the candidate was accepted, and the serving model's share of a continuation of the fault
 * flagged at its card's threshold, with its false alarms on normal rows.
 *
 * <p>With {@code --verdict false-alarm} the lasting change is judged the new normal: its reports are judged false alarms
 * each round, and the frames judged normal ({@link RecentNormalFrames#judgedNormal}) are learnt. The frames are chosen as
 * the sidecar does now, and held out three ways: the newest fifth of all (the sidecar before 2026-12-06, which held the
 * change out whole), the newest fifth of the judged frames and of the others ({@link RecentNormalFrames#heldOut}), and
 * that with the judged frames learnt as often as the others together ({@link RecentNormalFrames#timesLearnt}, the
 * sidecar since).
 */
@Command(name = "retraining", mixinStandardHelpOptions = true,
        description = "What retraining learns from a fault that lasts: the fault's share flagged after each round, three ways of choosing the frames.")
public final class RetrainingBenchmark implements Callable<Integer> {

    @Option(names = "--plant", defaultValue = "mixed", description = "generate or mixed, as bench/rows (default: ${DEFAULT-VALUE}).")
    String plant;

    @Option(names = "--channels", defaultValue = "8", description = "Channels per row (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--train-rows", defaultValue = "20000", description = "Normal rows of the first model (default: ${DEFAULT-VALUE}).")
    int trainRows;

    @Option(names = "--buffer", defaultValue = "50000", description = "Frames each retraining reads, the newest (default: ${DEFAULT-VALUE}, "
            + "the sidecar's --max-frames).")
    int buffer;

    @Option(names = "--sources", defaultValue = "4", description = "Sources sending them, side by side; one has the fault (default: ${DEFAULT-VALUE}).")
    int sources;

    @Option(names = "--fault-share", defaultValue = "0.6", description = "Share of the faulty source's frames that is the lasting "
            + "fault, its newest (default: ${DEFAULT-VALUE}).")
    double faultShare;

    @Option(names = "--rounds", defaultValue = "3", description = "Retrainings while the fault lasts (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--faults", split = ",", description = "Lasting fault kinds (default: the plant's: mixed stuck, out of step, noisier; "
            + "generate frozen, frequency, decorrelated).")
    List<String> faults;

    @Option(names = "--test", defaultValue = "2000", description = "Rows of the fault's continuation each model is measured on (default: ${DEFAULT-VALUE}).")
    int testRows;

    @Option(names = "--normal-test", defaultValue = "20000", description = "Normal rows each model's false alarms are measured on (default: ${DEFAULT-VALUE}).")
    int normalTestRows;

    @Option(names = "--verdict", defaultValue = "none", description = "none: nobody judges the lasting fault; false-alarm: "
            + "operators judge its incident a false alarm, the new normal, and it is learnt: the frames chosen as the sidecar "
            + "does now, held out and learnt three ways (default: ${DEFAULT-VALUE}).")
    String verdict;

    @Option(names = "--seed", defaultValue = "7", description = "Simulator seed: the plant (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--work", defaultValue = "target/bench/retraining", description = "Where the models are written (default: ${DEFAULT-VALUE}).")
    Path work;

    @Option(names = "--report", description = "Markdown report whose current retraining figures are replaced (history appended beside it).")
    Path report;

    /** Share of the kept frames held out for the comparison, as the sidecar's default {@code --holdout-fraction}. */
    static final double HOLDOUT_FRACTION = 0.2;
    /** Fewest kept frames the sidecar trains on, its default {@code --min-frames}. */
    static final int MIN_FRAMES = 2000;

    /**
     * How the sidecar chooses the frames it trains on among those the serving model scored, holds some out and learns the
     * rest. The first three are compared when nobody judges the fault (no frames judged normal: all three hold out the
     * newest fifth, each frame learnt once); the last three when operators judge it the new normal.
     */
    enum Way {
        UNREPORTED("unreported frames", false, false, false, false, false),
        OUTSIDE_EPISODES("unreported frames outside fault episodes, read further back", true, false, false, false, false),
        REPORTS_FOR_THRESHOLD("frames outside fault episodes, read further back, reports setting the threshold only", true, true,
                true, true, false),
        JUDGED_NEWEST("the newest fifth held out, each learnt once (before 2026-12-06)", true, true, false, false, true),
        JUDGED_OWN_SHARE("the newest fifth of the frames judged normal and of the others held out, each learnt once", true, true,
                true, false, true),
        JUDGED_WEIGHTED("the same, the judged ones learnt as often as the others together (since)", true, true, true, true, true);

        final String label;
        /** Whether fault episodes are left out and the sidecar reads further back while fewer than {@code --buffer} frames are kept. */
        final boolean readsBack;
        /** Whether reports outside fault episodes are kept, not learnt but held out as often as the others (the sidecar since 2026-12-05, night). */
        final boolean keepsReports;
        /** Whether the frames judged normal are held out by their own share ({@link RecentNormalFrames#heldOut}). */
        final boolean ownShare;
        /** Whether the frames judged normal are learnt as often as the others together ({@link RecentNormalFrames#timesLearnt}). */
        final boolean weighted;
        /** Whether this is a way of the runs where operators judge the fault the new normal. */
        final boolean judged;

        Way(String label, boolean readsBack, boolean keepsReports, boolean ownShare, boolean weighted, boolean judged) {
            this.label = label;
            this.readsBack = readsBack;
            this.keepsReports = keepsReports;
            this.ownShare = ownShare;
            this.weighted = weighted;
            this.judged = judged;
        }

        boolean[] kept(boolean[] reported) {
            boolean[] episode = readsBack ? RecentNormalFrames.inFaultEpisodes(reported) : new boolean[reported.length];
            boolean[] out = new boolean[reported.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = (keepsReports || !reported[i]) && !episode[i];
            }
            return out;
        }

        boolean[] heldOut(boolean[] judgedNormal) {
            return RecentNormalFrames.heldOut(ownShare ? judgedNormal : new boolean[judgedNormal.length], HOLDOUT_FRACTION);
        }
    }

    /** One round's figures; round 0 is the first model, before any retraining. */
    record Row(String fault, String chosen, int round, int trained, int faultyTrained, String outcome, double faultFlagged,
            double falseAlarms) {}

    @Override
    public Integer call() throws Exception {
        RowsBenchmark.Plant rowsOf = RowsBenchmark.plant(plant, channels, seed);
        if (!(faultShare > 0 && faultShare < 1) || rounds < 1 || sources < 1 || buffer < 100 * sources) {
            throw new IllegalArgumentException("need 0 < --fault-share < 1, --rounds >= 1, --sources >= 1, --buffer >= 100 x --sources");
        }
        if (!List.of("none", "false-alarm").contains(verdict)) {
            throw new IllegalArgumentException("--verdict must be none or false-alarm, not " + verdict);
        }
        boolean judged = verdict.equals("false-alarm");
        List<Way> ways = Arrays.stream(Way.values()).filter(w -> w.judged == judged).toList();
        int perSource = buffer / sources;
        int faultRows = (int) Math.round(perSource * faultShare);
        List<String> kinds = faults == null || faults.isEmpty() ? rowsOf.lastingFaults() : faults;
        Random random = new Random(seed + 1);
        Path dir = work.resolve("retraining-" + plant + "-" + channels + "-" + seed + "-" + System.currentTimeMillis());
        ModelArtifact first = train(TrainingOptions.builder().name("rows").version("retraining-bench-0"),
                rowsOf.normal(trainRows, random), null, trainRows, dir.resolve("first"));
        float[] normalTest = rowsOf.normal(normalTestRows, random);
        List<Row> rows = new ArrayList<>();
        for (String kind : kinds) {
            int channel = random.nextInt(channels);
            // one fault, lasting: a stretch of it for each round, then the stretch every model is measured on
            float[] fault = rowsOf.run(kind, channel, rounds * faultRows + testRows, random);
            float[] faultTest = Arrays.copyOfRange(fault, rounds * faultRows * channels, fault.length);
            long kindSeed = random.nextLong();
            rows.add(measure(kind, null, 0, 0, 0, "", first, faultTest, normalTest));
            for (Way way : ways) {
                Random r = new Random(kindSeed); // the same frames for every way, as long as their models agree
                ModelArtifact serving = first;
                for (int round = 1; round <= rounds; round++) {
                    // each source's history, oldest first, as far back as the sidecar may read (READ_BACK times its share of
                    // --buffer): fresh normal rows, and for one source its newest faultRows the fault's next stretch; the
                    // detector judges each source's history as it arrives
                    int history = way.readsBack ? RecentNormalFrames.READ_BACK * perSource : perSource;
                    float[][] bySource = new float[sources][];
                    boolean[][] reportedBySource = new boolean[sources][];
                    boolean[][] judgedBySource = new boolean[sources][];
                    try (ModelRunner runner = ModelRunner.load(serving)) {
                        for (int src = 0; src < sources; src++) {
                            bySource[src] = src > 0 ? rowsOf.run(null, channel, history, r)
                                    : concat(rowsOf.run(null, channel, history - faultRows, r),
                                            Arrays.copyOfRange(fault, (round - 1) * faultRows * channels, round * faultRows * channels));
                            reportedBySource[src] = reported(serving.card(), runner.scores(bySource[src], history));
                            // judged a false alarm: the lasting fault's reports are normal data after all, and with
                            // them the frames of the episodes they made
                            boolean[] judgedReports = new boolean[history];
                            for (int t = history - faultRows; judged && src == 0 && t < history; t++) {
                                judgedReports[t] = reportedBySource[src][t];
                                reportedBySource[src][t] = false;
                            }
                            judgedBySource[src] = RecentNormalFrames.judgedNormal(reportedBySource[src], judgedReports);
                        }
                    }
                    // as the sidecar: the newest frames of every source, read twice as far back while fewer than --buffer
                    // of them are kept (now; before, --buffer frames and no further), then the newest --buffer kept
                    int depth = perSource;
                    boolean[][] keptBySource = new boolean[sources][];
                    while (true) {
                        int kept = 0;
                        for (int src = 0; src < sources; src++) {
                            boolean[] read = new boolean[history];
                            boolean[] newest = way.kept(Arrays.copyOfRange(reportedBySource[src], history - depth, history));
                            System.arraycopy(newest, 0, read, history - depth, depth);
                            keptBySource[src] = read;
                            for (boolean x : newest) {
                                kept += x ? 1 : 0;
                            }
                        }
                        if (kept >= buffer || depth == history) {
                            break;
                        }
                        depth = Math.min(history, 2 * depth);
                    }
                    List<int[]> chosen = new ArrayList<>(); // {source, t}, newest first, the sources side by side
                    for (int t = history - 1; t >= 0 && chosen.size() < buffer; t--) {
                        for (int src = sources - 1; src >= 0 && chosen.size() < buffer; src--) {
                            if (keptBySource[src][t]) {
                                chosen.add(new int[] {src, t});
                            }
                        }
                    }
                    java.util.Collections.reverse(chosen);
                    int n = chosen.size();
                    // a fifth of the kept frames held out (as the way says), the rest trained on
                    boolean[] judgedChosen = new boolean[n];
                    for (int k = 0; k < n; k++) {
                        judgedChosen[k] = judgedBySource[chosen.get(k)[0]][chosen.get(k)[1]];
                    }
                    boolean[] held = way.heldOut(judgedChosen);
                    int holdoutRows = 0;
                    for (boolean h : held) {
                        holdoutRows += h ? 1 : 0;
                    }
                    int trained = n - holdoutRows;
                    float[] train = new float[trained * channels];
                    boolean[] notFitted = new boolean[trained];
                    boolean[] judgedTrain = new boolean[trained];
                    float[] holdout = new float[holdoutRows * channels];
                    int faultyTrained = 0;
                    int learnable = trained;
                    for (int k = 0, tk = 0, hk = 0; k < n; k++) {
                        int src = chosen.get(k)[0];
                        int t = chosen.get(k)[1];
                        if (held[k]) {
                            System.arraycopy(bySource[src], t * channels, holdout, hk++ * channels, channels);
                        } else {
                            System.arraycopy(bySource[src], t * channels, train, tk * channels, channels);
                            notFitted[tk] = way.keepsReports && reportedBySource[src][t];
                            judgedTrain[tk] = judgedBySource[src][t];
                            learnable -= notFitted[tk] ? 1 : 0;
                            faultyTrained += src == 0 && t >= history - faultRows && !notFitted[tk] ? 1 : 0;
                            tk++;
                        }
                    }
                    String outcome;
                    if (n < MIN_FRAMES) {
                        outcome = "refused (" + n + " frames kept)";
                    } else {
                        ModelArtifact candidate = train(TrainingOptions.like(serving.card()).version("retraining-bench-"
                                + way.ordinal() + "-" + round), train, notFitted,
                                way.weighted ? RecentNormalFrames.timesLearnt(judgedTrain, notFitted) : null, trained,
                                dir.resolve(kind.replace(' ', '-') + "-" + way + "-" + round));
                        ModelCard.Comparison c;
                        try (ModelRunner champion = ModelRunner.load(serving); ModelRunner challenger = ModelRunner.load(candidate)) {
                            // the seed RetrainingJob gives it: the serving model's training seed
                            c = ChampionChallenger.compare(champion, challenger, holdout, holdoutRows,
                                    serving.card().training() != null ? serving.card().training().seed() : 42L);
                        }
                        outcome = c.accepted() ? "accepted" : "rejected";
                        serving = c.accepted() ? candidate : serving;
                    }
                    rows.add(measure(kind, way.label, round, learnable, faultyTrained, outcome, serving, faultTest, normalTest));
                }
            }
        }
        String table = table(rows);
        System.out.print(table);
        if (report != null) {
            BenchReport.publish(report, "retraining-" + plant + "-" + sources + (judged ? "-new-normal" : ""),
                    (judged ? "A lasting change judged the new normal (" : "Retraining while a fault lasts (") + plant + " plant, "
                    + sources + (sources == 1 ? " source" : " sources") + ")",
                    String.format(Locale.ROOT, "%s (seed %d), %d channels, one faulty channel per kind; first model: %d normal "
                            + "rows, `train`'s defaults; %d retrainings while the fault lasts, each on the newest %d frames of "
                            + "%s (outside fault episodes: read further back, up to %d times as far, while fewer are kept), the "
                            + "newest %.0f %% of one source's frames the lasting fault, reported by "
                            + "the detector's rule (defaults)%s, a fifth of the kept frames held out for the "
                            + "champion/challenger comparison; each model measured on %d further rows of the fault and %d "
                            + "normal rows at its card's threshold", rowsOf.describe(), seed, channels, trainRows, rounds, buffer,
                            sources == 1 ? "one source" : sources + " sources side by side", RecentNormalFrames.READ_BACK, 100 * faultShare,
                            judged ? ", its reports judged a false alarm by operators (learnt)" : "", testRows,
                            normalTestRows), table);
        }
        return 0;
    }

    private ModelArtifact train(TrainingOptions.Builder options, float[] values, boolean[] notFitted, int rows, Path dir) throws Exception {
        return train(options, values, notFitted, null, rows, dir);
    }

    private ModelArtifact train(TrainingOptions.Builder options, float[] values, boolean[] notFitted, int[] timesLearnt, int rows, Path dir) throws Exception {
        return new AutoencoderTrainer(options.build(), TrainingProgress.NONE)
                .train(new FrameFile(channels, rows, values, FrameFile.defaultNames(channels)), notFitted, timesLearnt, dir, "bench/retraining");
    }

    /** Which of a source's frames, in order, the detector's rule (its defaults) reports. */
    static boolean[] reported(ModelCard card, double[] scores) {
        ThresholdPolicy policy = ThresholdPolicy.defaults();
        boolean[] out = new boolean[scores.length];
        SourceState state = null;
        for (int i = 0; i < scores.length; i++) {
            ThresholdPolicy.Decision d = policy.evaluate(state, card.version(), card.threshold().value(), card.validationMedian(), scores[i]);
            state = d.next();
            out[i] = d.anomaly();
        }
        return out;
    }

    private Row measure(String kind, String chosen, int round, int trained, int faultyTrained, String outcome, ModelArtifact model,
            float[] faultTest, float[] normalTest) throws Exception {
        double threshold = model.card().threshold().value();
        try (ModelRunner runner = ModelRunner.load(model)) {
            return new Row(kind, chosen, round, trained, faultyTrained, outcome, RowsBenchmark.flagged(runner.scores(faultTest, testRows), threshold),
                    RowsBenchmark.flagged(runner.scores(normalTest, normalTestRows), threshold));
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static String table(List<Row> rows) {
        StringBuilder s = new StringBuilder("| fault | frames chosen | round | given to learn (faulty) | candidate | "
                + "fault flagged | false alarms |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            s.append(r.round() == 0
                    ? String.format(Locale.ROOT, "| %s | (first model) | 0 | | | %.3f | %.4f |%n", r.fault(), r.faultFlagged(), r.falseAlarms())
                    : String.format(Locale.ROOT, "| %s | %s | %d | %d (%d) | %s | %.3f | %.4f |%n", r.fault(), r.chosen(), r.round(),
                            r.trained(), r.faultyTrained(), r.outcome(), r.faultFlagged(), r.falseAlarms()));
        }
        return s.toString();
    }
}
