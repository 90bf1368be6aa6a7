package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training with TensorFlow Java, scoring the result with DJL: the train/serve contract of the model artifact. */
class AutoencoderTrainerTest {

    private static final String VARIABLES = "variables/variables.data-00000-of-00001";

    @TempDir
    Path tmp;

    @Test
    void sameSeedSameModelAndScoresSeparateFaultsFromNormal() throws Exception {
        ModelArtifact a = TestModels.trainSensorModel(tmp.resolve("a"), 3000, 5, 11);
        ModelArtifact b = TestModels.trainSensorModel(tmp.resolve("b"), 3000, 5, 11);
        // Same data, seed and threads: the same weights bit for bit, hence the same card figures.
        assertThat(a.savedModelDir().resolve(VARIABLES))
                .hasSameBinaryContentAs(b.savedModelDir().resolve(VARIABLES));
        assertThat(a.card().threshold().value()).isEqualTo(b.card().threshold().value());
        assertThat(a.card().training().trainLoss()).isEqualTo(b.card().training().trainLoss());
        ModelArtifact c = TestModels.trainSensorModel(tmp.resolve("c"), 3000, 5, 12);
        assertThat(c.card().threshold().value()).isNotEqualTo(a.card().threshold().value());
        assertThat(a.card().training().validationErrors().kllSketch()).isNotBlank();
        assertThat(a.card().threshold().value()).isGreaterThan(a.card().training().validationErrors().p50());

        SensorSimulator sim = TestModels.simulator();
        int n = 200;
        float[] frames = new float[(n + 1) * TestModels.DIM];
        for (int t = 0; t < n; t++) {
            System.arraycopy(sim.frame("unseen", 5000 + t), 0, frames, t * TestModels.DIM, TestModels.DIM);
        }
        System.arraycopy(sim.faulty("unseen", 6000, SensorSimulator.Fault.SPIKE, 7, 6000), 0, frames, n * TestModels.DIM, TestModels.DIM);
        try (ModelRunner sa = ModelRunner.load(a); ModelRunner sb = ModelRunner.load(b);
                ModelRunner.Session ssa = sa.newSession(); ModelRunner.Session ssb = sb.newSession()) {
            List<ScoredFrame> ra = ssa.score(new FrameBatch(frames, n + 1, TestModels.DIM));
            List<ScoredFrame> rb = ssb.score(new FrameBatch(frames, n + 1, TestModels.DIM));
            for (int i = 0; i <= n; i++) {
                assertThat(ra.get(i).score()).isEqualTo(rb.get(i).score());
            }
            // A batch that starts inside a shared buffer scores the frames at its offset (to float rounding: TF's
            // matmul blocks by batch size, so a 50-frame call rounds differently from a 201-frame one).
            int from = 37;
            List<ScoredFrame> slice = ssa.score(new FrameBatch(frames, from * TestModels.DIM, 50, TestModels.DIM));
            for (int i = 0; i < 50; i++) {
                assertThat(slice.get(i).score()).isCloseTo(ra.get(from + i).score(), withinPercentage(0.001));
            }
            double threshold = a.card().threshold().value();
            long falseAlarms = ra.subList(0, n).stream().filter(s -> s.score() > threshold).count();
            assertThat(falseAlarms).isLessThanOrEqualTo(n / 20);
            ScoredFrame spike = ra.get(n);
            assertThat(spike.score()).isGreaterThan(10 * threshold);
            assertThat(spike.topChannels().get(0).index()).isEqualTo(7);
            assertThat(spike.topChannels().get(0).share()).isGreaterThan(0.5);
        }
    }

    @Test
    void refusesTooLittleData() {
        FrameFile tiny = new FrameFile(4, 50, new float[200], FrameFile.defaultNames(4));
        assertThatThrownBy(() -> new AutoencoderTrainer(TrainingOptions.defaults(), TrainingProgress.NONE).train(tiny, tmp.resolve("m"), "tiny"))
                .isInstanceOf(NotEnoughDataException.class)
                .hasMessageContaining("not enough frames");
    }

    @Test
    void tamperedArtifactIsRefused() throws Exception {
        ModelArtifact a = TestModels.trainSensorModel(tmp.resolve("t"), 1000, 1, 3);
        Path variables = a.savedModelDir().resolve("variables");
        try (var files = Files.list(variables)) {
            Path data = files.filter(p -> p.getFileName().toString().startsWith("variables.data")).findFirst().orElseThrow();
            byte[] bytes = Files.readAllBytes(data);
            bytes[bytes.length / 2] ^= 0x5a;
            Files.write(data, bytes);
        }
        assertThatThrownBy(() -> ModelArtifact.open(a.dir()))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("checksum mismatch");
    }

    @Test
    void eachChannelIsStandardisedByItsOwnSpreadWhateverItsUnits() {
        // per row: a tiny signal, a large offset with a small spread, constants (1, 0, far from zero, small, tiny), and a
        // level of 0.5 moving by a hundred-thousandth
        int rows = 1000;
        int dim = 8;
        float[] values = new float[rows * dim];
        java.util.Random random = new java.util.Random(4);
        for (int r = 0; r < rows; r++) {
            values[r * dim] = (float) (7e-7 * random.nextGaussian());
            values[r * dim + 1] = (float) (101_325 + 50 * random.nextGaussian());
            values[r * dim + 2] = 1f;
            values[r * dim + 3] = 0f;
            values[r * dim + 4] = 2e6f;
            values[r * dim + 5] = 0.01f;
            values[r * dim + 6] = 1e-6f;
            values[r * dim + 7] = (float) (0.5 + 1e-5 * random.nextGaussian());
        }
        float[] mean = new float[dim];
        float[] std = new float[dim];
        AutoencoderTrainer.meanAndStd(values, dim, mean, std);
        assertThat((double) std[0]).isCloseTo(7e-7, withinPercentage(10));
        assertThat((double) std[1]).isCloseTo(50, withinPercentage(10));
        assertThat((double) mean[1]).isCloseTo(101_325, withinPercentage(0.01));
        // a channel that never moved: a millionth of its level, or of a unit under a level of 1, so that any change of it
        // beyond float32's rounding is as large as a varying channel's typical spread, whatever its units
        float[] constantStd = {1e-6f, 1e-6f, 2f, 1e-6f, 1e-6f};
        for (int c = 2; c <= 6; c++) {
            assertThat(std[c]).as("constant channel " + c).isEqualTo(constantStd[c - 2]);
        }
        assertThat((double) std[7]).isCloseTo(1e-5, withinPercentage(10));
    }

    /**
     * Eight channels that mix two rhythms (as many as the default bottleneck's units) are learnt from any seed: a code
     * with ReLU lost one of its two units from some seeds (a unit at zero for every frame learns nothing more), and the
     * model then reconstructed one rhythm only, its loss stuck an order of magnitude above the noise.
     */
    @Test
    void twoRhythmsInEightChannelsAreLearntFromEverySeed() throws Exception {
        int rows = 6000;
        int dim = 8;
        java.util.Random random = new java.util.Random(1);
        double[][] mix = new double[dim][2];
        for (double[] m : mix) {
            m[0] = random.nextGaussian();
            m[1] = random.nextGaussian();
        }
        float[] values = new float[rows * dim];
        for (int t = 0; t < rows; t++) {
            double a = Math.sin(2 * Math.PI * t / 50.0);
            double b = Math.cos(2 * Math.PI * t / 173.0);
            for (int c = 0; c < dim; c++) {
                values[t * dim + c] = (float) (mix[c][0] * a + mix[c][1] * b + 0.05 * random.nextGaussian());
            }
        }
        FrameFile data = new FrameFile(dim, rows, values, FrameFile.defaultNames(dim));
        for (long seed = 40; seed < 46; seed++) {
            ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("rhythms").version("r-" + seed).seed(seed)
                    .threads(1).build(), TrainingProgress.NONE).train(data, tmp.resolve("r-" + seed), "two rhythms");
            // the noise's share of a standardised channel's variance is about 0.003
            assertThat(model.card().training().validationLoss()).as("validation loss from seed %d", seed).isLessThan(0.01);
        }
    }
    /**
     * A row per time step whose six channels follow three independent rhythms: the default bottleneck must keep all
     * three. One of a quarter of the channels (two) left a rhythm out, so normal rows reconstructed badly and the
     * threshold sat above most faults (on a simulated plant like it, a stuck channel was flagged on 4 % of its rows).
     */
    @Test
    void everyDirectionTheChannelsMoveInIsKept() throws Exception {
        ModelArtifact model = trainOnRows(6, Seventh.NONE);
        int[] layers = model.card().architecture().layers();
        assertThat(layers[layers.length / 2]).as("bottleneck of %s", java.util.Arrays.toString(layers)).isEqualTo(3);
        assertThat(model.card().training().validationLoss()).isLessThan(0.01);
        assertThat(model.card().scoring().constantChannels()).as("none constant").isNull();
        assertThat(model.card().scoring().copiedChannels()).as("none copied: each moves with others").isNull();
    }

    /**
     * Six channels of three rhythms and a seventh that follows none (an ambient sensor): the bottleneck keeps the
     * seventh's direction as well as the three rhythms, and rows are scored by their worst channel against its own
     * typical error, so the seventh's large normal error does not hide a stuck channel among the others, and the stuck
     * channel is the one named. (A stuck channel is near its true value part of the time, so not every row is flagged.)
     * With a quarter of the row as the bottleneck and the mean error as the score, 2.6 % of the stuck rows were flagged.
     */
    @Test
    void aChannelOfItsOwnDoesNotHideTheOthersFaults() throws Exception {
        ModelArtifact model = trainOnRows(7, Seventh.OWN);
        assertFlagsAndNamesTheStuckChannel(model, Seventh.OWN);
        assertThat(model.card().scoring().aggregation()).isEqualTo(io.frameguard.model.ScoreAggregation.TOP_CHANNELS);
        // the first model copied the seventh through its bottleneck: trained again without seeing it, it rebuilds it
        assertThat(model.card().scoring().hiddenChannels()).as("the card says which channel it does not see")
                .containsExactly("ch6");
        assertThat(model.card().scoring().copiedChannels()).as("none copied now").isNull();
        assertThat(model.card().scoring().constantChannels()).isNull();
        int rows = 100;
        // a fault of the seventh's own within its range (five of its standard deviations up) shows and is named on it:
        // copied, its reconstruction followed most of the rise, and 244 of these rows were flagged
        float[] raised = plantRows(7, Seventh.OWN, 41, 1000, false);
        for (int r = 0; r < 1000; r++) {
            raised[r * 7 + 6] += 5f;
        }
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            List<ScoredFrame> scored = session.score(new FrameBatch(raised, 1000, 7));
            List<ScoredFrame> flagged = scored.stream().filter(f -> f.score() > model.card().threshold().value()).toList();
            assertThat(flagged.size()).as("rows flagged of 1000 whose seventh channel rose by 5 sd").isGreaterThan(500);
            assertThat(flagged).as("named first").allSatisfy(f -> assertThat(f.topChannels().get(0).index()).isEqualTo(6));
        }
        // and far out of its range

        float[] out = plantRows(7, Seventh.OWN, 40, rows, false);
        for (int r = 0; r < rows; r++) {
            out[r * 7 + 6] = 20f;
        }
        double threshold = model.card().threshold().value();
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            List<ScoredFrame> scored = session.score(new FrameBatch(out, rows, 7));
            assertThat(scored).as("rows whose seventh channel is far out of range").allSatisfy(f -> {
                assertThat(f.score()).isGreaterThan(threshold);
                assertThat(f.topChannels().get(0).index()).as("named first").isEqualTo(6);
            });
        }
    }

    /**
     * Training again with a copied channel hidden replaces only what the first model wrote: the output directory may hold
     * other things (it was deleted whole). A retraining hides the channels its champion hid at once, in one model.
     */
    @Test
    void aSecondModelReplacesOnlyTheFirstsFilesAndARetrainingHidesAtOnce() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("shared-out"));
        Files.writeString(out.resolve("notes.txt"), "kept");
        Files.createDirectories(out.resolve("older-model"));
        int rows = 6000;
        FrameFile data = new FrameFile(7, rows, plantRows(7, Seventh.OWN, 0, rows, false), FrameFile.defaultNames(7));
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("rows").version("rows-out").threads(1).build(),
                TrainingProgress.NONE).train(data, out, "three rhythms");
        assertThat(model.card().scoring().hiddenChannels()).containsExactly("ch6");
        assertThat(out.resolve("notes.txt")).hasContent("kept");
        assertThat(out.resolve("older-model")).isDirectory();
        assertThat(ModelArtifact.open(out).card().version()).isEqualTo("rows-out");

        List<String> trained = new java.util.ArrayList<>();
        ModelArtifact retrained = new AutoencoderTrainer(TrainingOptions.like(model.card()).version("rows-again").threads(1).build(),
                new TrainingProgress() {
                    @Override
                    public void start(int epochs, int stepsPerEpoch) {
                        trained.add("model");
                    }
                }).hiding(model.card().scoring().hiddenChannels()).train(data, tmp.resolve("retrained"), "three rhythms");
        assertThat(trained).as("one model trained").hasSize(1);
        assertThat(retrained.card().scoring().hiddenChannels()).containsExactly("ch6");
        assertThat(retrained.card().architecture().layers()).isEqualTo(model.card().architecture().layers());
    }

    /**
     * A seventh channel that never moved in training (a setpoint): its normal error is only what the other channels
     * leak into it, so it is judged against the row's typical channel, not its own tiny error. A fault elsewhere is
     * still named where it is, and the setpoint moving is still a fault.
     */
    @Test
    void aConstantChannelIsJudgedAsATypicalChannel() throws Exception {
        ModelArtifact model = trainOnRows(7, Seventh.CONSTANT);
        assertFlagsAndNamesTheStuckChannel(model, Seventh.CONSTANT);
        assertThat(model.card().scoring().constantChannels()).containsExactly("ch6");
        assertThat(model.card().scoring().copiedChannels()).isNull();
        int rows = 100;
        float[] moved = plantRows(7, Seventh.CONSTANT, 30, rows, false);
        for (int r = 0; r < rows; r++) {
            moved[r * 7 + 6] *= 1.01f;
        }
        double threshold = model.card().threshold().value();
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            assertThat(session.score(new FrameBatch(moved, rows, 7))).as("rows whose setpoint moved by 1 %")
                    .allSatisfy(f -> {
                        assertThat(f.score()).isGreaterThan(threshold);
                        assertThat(f.topChannels().get(0).index()).as("named first").isEqualTo(6);
                    });
            // a move of five millionths of the setpoint (2e-4): a fault too, named, where a fixed scale of 1e-3 in the
            // data's units judged it as large as a typical channel's normal error
            float[] crept = plantRows(7, Seventh.CONSTANT, 31, rows, false);
            for (int r = 0; r < rows; r++) {
                crept[r * 7 + 6] += 2e-4f;
            }
            assertThat(session.score(new FrameBatch(crept, rows, 7))).as("rows whose setpoint moved by 2e-4")
                    .allSatisfy(f -> {
                        assertThat(f.score()).isGreaterThan(threshold);
                        assertThat(f.topChannels().get(0).index()).as("named first").isEqualTo(6);
                    });
        }
    }

    /**
     * Channels are judged against the median channel's typical error when they never moved, or when the model copies
     * them (its reconstruction follows nearly all of a rise of its own value) while it rebuilds some other channel.
     */
    @Test
    void constantAndCopiedChannelsAreJudgedAsTypicalOnes() {
        boolean[] none = new boolean[4];
        assertThat(AutoencoderTrainer.unjudged(new double[] {0.3, 0.5, 0.96, 0.94}, none)).containsExactly(false, false, true, false);
        assertThat(AutoencoderTrainer.unjudged(new double[] {0.99, 1.0}, new boolean[2])).as("a model that copies everything")
                .containsExactly(false, false);
        assertThat(AutoencoderTrainer.unjudged(new double[] {0.99, 1.0}, new boolean[] {false, true})).containsExactly(false, true);
        assertThat(AutoencoderTrainer.constantChannels(new float[] {1, 5, 0, 2, 5, 1, 3, 5, 2}, 3, 3)).containsExactly(false, true, false);
        // mean errors per channel 1, 4, 0.01 (copied) and 2: the copied one counts as the median of the others, 2
        float[] weights = AutoencoderTrainer.channelWeights(new float[] {1f, 4f, 0.01f, 2f}, 4, 4,
                new boolean[] {false, false, true, false});
        assertThat(weights).containsExactly(1f, 0.25f, 0.5f, 0.5f);
    }

    /**
     * A channel that stops agreeing with the others (its values from another run of the plant) is the channel named:
     * its fault leaks into the reconstruction of every channel that shares its rhythms, and ranked by their own errors
     * those channels are named as often as it is; ranked by the part of the row's error that a fault of the channel
     * alone explains, it is named. (Ranked by their own errors, channel 2, which carries a rhythm nearly alone, was named
     * on 6 % of its flagged rows, channel 5 on 39 %.)
     */
    @Test
    void aChannelThatStopsAgreeingWithTheOthersIsTheOneNamed() throws Exception {
        ModelArtifact model = trainOnRows(6, Seventh.NONE);
        int rows = 1000;
        double threshold = model.card().threshold().value();
        assertThat(model.card().scoring().attribution()).isEqualTo(ModelCard.Scoring.RECONSTRUCTION_BASED);
        double worstByOwnError = 1;
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            for (int c = 0; c < 6; c++) {
                float[] values = plantRows(6, Seventh.NONE, 20, rows, false);
                float[] other = plantRows(6, Seventh.NONE, 21, rows, false);
                for (int r = 0; r < rows; r++) {
                    values[r * 6 + c] = other[r * 6 + c];
                }
                FrameBatch batch = new FrameBatch(values, rows, 6);
                List<ScoredFrame> byContribution = session.score(batch);
                List<ScoredFrame> byOwnError = runner.explain(session.errors(batch), rows);
                long flagged = 0, named = 0, namedByOwnError = 0;
                for (int r = 0; r < rows; r++) {
                    if (byContribution.get(r).score() > threshold) {
                        flagged++;
                        named += byContribution.get(r).topChannels().get(0).index() == c ? 1 : 0;
                        namedByOwnError += byOwnError.get(r).topChannels().get(0).index() == c ? 1 : 0;
                    }
                }
                assertThat(flagged).as("rows flagged with channel %d out of step", c).isGreaterThan(rows / 4);
                assertThat(named / (double) flagged).as("flagged rows that name channel %d first (by their own errors: %.3f)",
                        c, namedByOwnError / (double) flagged).isGreaterThan(0.85);
                worstByOwnError = Math.min(worstByOwnError, namedByOwnError / (double) flagged);
            }
            assertThat(worstByOwnError).as("the ranking by channels' own errors, for comparison").isLessThan(0.5);
        }
    }

    /** The seventh channel of a plant's rows. */
    private enum Seventh { NONE, OWN, CONSTANT }

    /** How slowly each of the plant's three rhythms wanders: AR(1) coefficients. */
    private static final double[] PLANT_RHYTHMS = {0.98, 0.9, 0.995};
    /** Each mixed channel's own noise, in the rhythms' units. */
    private static final double[] PLANT_NOISE = {0.05, 0.08, 0.04, 0.06, 0.05, 0.07};
    private static final int STUCK_CHANNEL = 3;
    private static final float SETPOINT = 42.5f;

    /** How much of each of the plant's rhythms each of its six mixed channels carries. */
    private static double[][] plantMix() {
        java.util.Random mixing = new java.util.Random(3);
        double[][] mix = new double[6][PLANT_RHYTHMS.length];
        for (double[] m : mix) {
            for (int j = 0; j < m.length; j++) {
                m[j] = mixing.nextGaussian();
            }
        }
        return mix;
    }

    /**
     * Rows of a plant whose channels 0-5 mix three slowly wandering rhythms (AR(1) processes of unit variance) plus a
     * little noise each, and a seventh channel unless {@code seventh} is NONE: OWN wanders on its own and follows none
     * of them, CONSTANT stays at a setpoint. {@code stuck}: channel {@value #STUCK_CHANNEL} frozen at its first value.
     */
    private static float[] plantRows(int dim, Seventh seventh, long seed, int rows, boolean stuck) {
        double[][] mix = plantMix();
        java.util.Random noise = new java.util.Random(seed);
        double[] rhythm = new double[PLANT_RHYTHMS.length];
        double own = 0;
        float[] values = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < rhythm.length; j++) {
                rhythm[j] = PLANT_RHYTHMS[j] * rhythm[j] + Math.sqrt(1 - PLANT_RHYTHMS[j] * PLANT_RHYTHMS[j]) * noise.nextGaussian();
            }
            own = 0.9 * own + Math.sqrt(1 - 0.81) * noise.nextGaussian();
            for (int c = 0; c < 6; c++) {
                double v = PLANT_NOISE[c] * noise.nextGaussian();
                for (int j = 0; j < rhythm.length; j++) {
                    v += mix[c][j] * rhythm[j];
                }
                values[r * dim + c] = (float) v;
            }
            if (seventh != Seventh.NONE) {
                values[r * dim + 6] = seventh == Seventh.OWN ? (float) own : SETPOINT;
            }
            if (stuck) {
                values[r * dim + STUCK_CHANNEL] = values[STUCK_CHANNEL];
            }
        }
        return values;
    }

    /**
     * A model retrained on what its predecessor did not report sets its threshold lower than the predecessor's: the
     * predecessor's false alarms, the top of the normal frames' errors, are missing from its held-out frames, so it
     * reports more than the target share of normal frames (half as much again here), and more with each retraining. Frames given as not to be
     * learnt are held out as often as the others: the threshold is set on frames as they came.
     */
    @Test
    void framesNotLearntStillSetTheThreshold() throws Exception {
        int dim = 6;
        int rows = 20_000;
        ModelArtifact first = new AutoencoderTrainer(TrainingOptions.builder().name("rows").version("first").threads(1).build(),
                TrainingProgress.NONE).train(new FrameFile(dim, rows, independentRows(0, rows),
                FrameFile.defaultNames(dim)), tmp.resolve("first"), "three rhythms");
        float[] recent = independentRows(1, rows);
        boolean[] reported = new boolean[rows];
        float[] unreported = new float[rows * dim];
        int kept = 0;
        try (ModelRunner runner = ModelRunner.load(first)) {
            double[] scores = runner.scores(recent, rows);
            for (int i = 0; i < rows; i++) {
                reported[i] = scores[i] > first.card().threshold().value();
                if (!reported[i]) {
                    System.arraycopy(recent, i * dim, unreported, kept++ * dim, dim);
                }
            }
        }
        assertThat(rows - kept).as("the first model's reports").isBetween(rows / 200, rows / 25);
        TrainingOptions options = TrainingOptions.builder().name("rows").version("next").threads(1).build();
        ModelArtifact withReports = new AutoencoderTrainer(options, TrainingProgress.NONE).train(new FrameFile(dim, rows, recent,
                FrameFile.defaultNames(dim)), reported, tmp.resolve("with-reports"), "recent frames, reports not learnt");
        ModelArtifact unreportedOnly = new AutoencoderTrainer(options, TrainingProgress.NONE).train(new FrameFile(dim, kept,
                java.util.Arrays.copyOf(unreported, kept * dim), FrameFile.defaultNames(dim)), tmp.resolve("unreported"),
                "recent unreported frames");
        // not learnt: fewer frames trained on than the frames not held out
        long notHeldOut = rows - Math.round(rows * options.validationFraction());
        assertThat(withReports.card().training().trainFrames()).isLessThan(notHeldOut).isGreaterThan(notHeldOut * 24 / 25);
        // and its successor holds out the same share, not the share of the frames counted
        assertThat(TrainingOptions.like(withReports.card()).build().validationFraction()).isEqualTo(options.validationFraction());
        float[] fresh = independentRows(2, 40_000);
        double target = options.targetFpr();
        double asCame = falseAlarms(withReports, fresh);
        double letThrough = falseAlarms(unreportedOnly, fresh);
        assertThat(asCame).as("false alarms, threshold on frames as they came").isLessThan(1.25 * target);
        assertThat(letThrough).as("false alarms, threshold on the frames the first model let through").isGreaterThan(1.4 * target);
    }

    /** A few frames of a change shown many times an epoch are rebuilt better than shown once; counted once in the card. */
    @Test
    void framesLearntMoreOftenAreRebuiltBetter() throws Exception {
        SensorSimulator sim = TestModels.simulator();
        int normal = 8000;
        int changed = 200;
        int dim = TestModels.DIM;
        float[] values = java.util.Arrays.copyOf(sim.trainingData(normal, 8), (normal + changed) * dim);
        for (int t = 0; t < changed; t++) {
            System.arraycopy(sim.faulty("m-1", t, SensorSimulator.Fault.LEVEL_SHIFT, 3, 0), 0, values, (normal + t) * dim, dim);
        }
        FrameFile data = new FrameFile(dim, normal + changed, values, FrameFile.defaultNames(dim));
        int[] times = new int[normal + changed];
        java.util.Arrays.fill(times, 1);
        java.util.Arrays.fill(times, normal, normal + changed, 20);
        TrainingOptions options = TrainingOptions.builder().name("test").version("v").epochs(12).seed(5).threads(1).build();
        ModelArtifact once = new AutoencoderTrainer(options, TrainingProgress.NONE).train(data, null, null, tmp.resolve("once"), "once");
        ModelArtifact often = new AutoencoderTrainer(options, TrainingProgress.NONE).train(data, null, times, tmp.resolve("often"), "often");
        assertThat(often.card().training().trainFrames()).as("frames, not showings").isEqualTo(once.card().training().trainFrames());
        float[] later = new float[500 * dim];
        for (int t = 0; t < 500; t++) {
            System.arraycopy(sim.faulty("m-1", changed + t, SensorSimulator.Fault.LEVEL_SHIFT, 3, 0), 0, later, t * dim, dim);
        }
        float[] fresh = new float[2000 * dim];
        for (int t = 0; t < 2000; t++) {
            System.arraycopy(sim.frame("m-" + (2 + t % 6), 100_000 + t), 0, fresh, t * dim, dim);
        }
        // the change's later frames against normal ones, each model's scores: the change rebuilt as well as normal frames
        // are, the threshold stays where normal frames put it
        double onceApart = apart(once, later, fresh);
        double oftenApart = apart(often, later, fresh);
        assertThat(oftenApart).as("the change's later frames against normal ones").isLessThan(onceApart * 0.8);
        assertThatThrownBy(() -> new AutoencoderTrainer(options, TrainingProgress.NONE).train(data, null, new int[3],
                tmp.resolve("bad"), "bad")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timesLearnt");
    }

    /**
     * Rows of the plant's six mixed channels whose rhythms are drawn afresh for each row (from their stationary
     * distribution): any stretch of rows is distributed as any other, so a share of them measured on one holds on another.
     */
    private static float[] independentRows(long seed, int rows) {
        double[][] mix = plantMix();
        java.util.Random random = new java.util.Random(seed);
        float[] values = new float[rows * 6];
        double[] rhythm = new double[PLANT_RHYTHMS.length];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < rhythm.length; j++) {
                rhythm[j] = random.nextGaussian();
            }
            for (int c = 0; c < 6; c++) {
                double v = PLANT_NOISE[c] * random.nextGaussian();
                for (int j = 0; j < rhythm.length; j++) {
                    v += mix[c][j] * rhythm[j];
                }
                values[r * 6 + c] = (float) v;
            }
        }
        return values;
    }

    /** The median score of {@code changed} frames over the median of {@code normal} ones. */
    private static double apart(ModelArtifact model, float[] changed, float[] normal) throws Exception {
        int dim = model.card().input().dim();
        try (ModelRunner runner = ModelRunner.load(model)) {
            return median(runner.scores(changed, changed.length / dim)) / median(runner.scores(normal, normal.length / dim));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double falseAlarms(ModelArtifact model, float[] normal) throws Exception {
        int rows = normal.length / model.card().input().dim();
        try (ModelRunner runner = ModelRunner.load(model)) {
            return java.util.Arrays.stream(runner.scores(normal, rows)).filter(s -> s > model.card().threshold().value()).count()
                    / (double) rows;
        }
    }

    private ModelArtifact trainOnRows(int dim, Seventh seventh) throws Exception {
        int rows = 6000;
        return new AutoencoderTrainer(TrainingOptions.builder().name("rows").version("rows-" + seventh).threads(1).build(),
                TrainingProgress.NONE).train(new FrameFile(dim, rows, plantRows(dim, seventh, 0, rows, false),
                FrameFile.defaultNames(dim)), tmp.resolve("rows-" + seventh), "three rhythms");
    }

    /**
     * Of 1,000 rows with channel {@value #STUCK_CHANNEL} stuck, more than half are flagged, nine in ten of those naming
     * it first; of 1,000 normal rows, under 5 %.
     */
    private static void assertFlagsAndNamesTheStuckChannel(ModelArtifact model, Seventh seventh) throws Exception {
        double[] flagged = stuckAndNormalFlagged(model, seventh);
        assertThat(flagged[0]).as("stuck rows flagged").isGreaterThan(0.5);
        assertThat(flagged[1]).as("normal rows flagged").isLessThan(0.05);
        assertThat(flagged[2]).as("flagged stuck rows whose top channel is the stuck one").isGreaterThan(0.9);
    }

    /**
     * Shares of 1,000 rows with channel {@value #STUCK_CHANNEL} stuck, and of 1,000 normal rows, that score above the
     * card's threshold, and of the flagged stuck rows, the share whose top channel is the stuck one.
     */
    private static double[] stuckAndNormalFlagged(ModelArtifact model, Seventh seventh) throws Exception {
        int rows = 1000;
        int dim = model.card().input().dim();
        double threshold = model.card().threshold().value();
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session session = runner.newSession()) {
            double[] shares = new double[3];
            for (int k = 0; k < 2; k++) {
                List<ScoredFrame> flagged = session.score(new FrameBatch(plantRows(dim, seventh, 10 + k, rows, k == 0),
                        rows, dim)).stream().filter(f -> f.score() > threshold).toList();
                shares[k] = flagged.size() / (double) rows;
                if (k == 0) {
                    shares[2] = flagged.stream().filter(f -> f.topChannels().get(0).index() == STUCK_CHANNEL).count()
                            / (double) flagged.size();
                }
            }
            return shares;
        }
    }
}
