package io.frameguard.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.ChannelError;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.testing.TestModels;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scores and explanations from error maps: the mean, and the channels with the largest errors. */
class ModelRunnerTest {

    private static final int DIM = TestModels.DIM;

    @TempDir
    static Path tmp;

    private static ModelRunner scorer;

    @BeforeAll
    static void load() throws Exception {
        scorer = ModelRunner.load(TestModels.trainSensorModel(tmp.resolve("model"), 1000, 1, 5));
    }

    @AfterAll
    static void close() {
        scorer.close();
    }

    /**
     * A device out of memory (TensorFlow's RESOURCE_EXHAUSTED, however deep in the causes DJL wraps it) is no refusal of
     * the model: the registry watcher tries it again; any other failure to load or run it refuses it.
     */
    @Test
    void aDeviceOutOfMemoryIsNoRefusalOfTheModel() {
        java.io.IOException exhausted = ModelRunner.cannotLoad("cannot load", new ai.djl.engine.EngineException("load failed",
                new org.tensorflow.exceptions.TFResourceExhaustedException("OOM when allocating tensor with shape[1024,256]")));
        assertThat(exhausted).isNotInstanceOf(InvalidModelException.class).hasMessageContaining("tried again later");
        assertThat(ModelRunner.cannotLoad("cannot load", new IllegalStateException("Op type not registered 'Foo'")))
                .isInstanceOf(InvalidModelException.class);
    }

    @Test
    void explainsEachRowByItsLargestChannelsLargestFirst() {
        Random rnd = new Random(42);
        int rows = 200;
        float[] errors = new float[rows * DIM];
        for (int i = 0; i < errors.length; i++) {
            errors[i] = rnd.nextFloat();
        }
        List<ScoredFrame> scored = scorer.explain(errors, rows);
        assertThat(scored).hasSize(rows);
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int c = 0; c < DIM; c++) {
                sum += errors[r * DIM + c];
            }
            ScoredFrame s = scored.get(r);
            // the test model's frames are rows of channels, scored by their worst channel (card: top-channels, 1)
            double worst = 0;
            for (int c = 0; c < DIM; c++) {
                worst = Math.max(worst, errors[r * DIM + c]);
            }
            assertThat(s.score()).isCloseTo(worst, within(1e-6));
            int base = r * DIM;
            List<Integer> byError = IntStream.range(0, DIM).boxed()
                    .sorted(Comparator.comparingDouble((Integer c) -> errors[base + c]).reversed())
                    .limit(ModelRunner.TOP_CHANNELS).toList();
            assertThat(s.topChannels()).extracting(ChannelError::index).containsExactlyElementsOf(byError);
            for (ChannelError c : s.topChannels()) {
                assertThat(c.error()).isEqualTo(errors[r * DIM + c.index()]);
                assertThat(c.share()).isCloseTo(c.error() / sum, within(1e-9));
            }
        }
    }

    @Test
    void onlyRowsScoringAtLeastTheBoundAreExplainedAndAlikeToEveryRowExplained() {
        Random rnd = new Random(7);
        int rows = 300;
        float[] errors = new float[rows * DIM];
        for (int i = 0; i < errors.length; i++) {
            errors[i] = rnd.nextFloat() * (1 + i / DIM % 3);
        }
        List<ScoredFrame> all = scorer.explain(errors, rows);
        double bound = all.stream().mapToDouble(ScoredFrame::score).sorted().toArray()[rows / 2];
        List<ScoredFrame> some = scorer.explain(errors, rows, bound);
        int explained = 0;
        for (int r = 0; r < rows; r++) {
            assertThat(some.get(r).score()).isEqualTo(all.get(r).score());
            assertThat(some.get(r).validationRank()).isEqualTo(all.get(r).validationRank());
            if (all.get(r).score() >= bound) {
                explained++;
                assertThat(some.get(r).topChannels()).isEqualTo(all.get(r).topChannels()).hasSize(ModelRunner.TOP_CHANNELS);
            } else {
                assertThat(some.get(r).topChannels()).isEmpty();
            }
        }
        assertThat(explained).isBetween(rows / 3, rows - rows / 3);
    }

    /** {@code rows} frames of standard normal values, from {@code seed}. */
    private static float[] gaussianFrames(long seed, int rows) {
        Random rnd = new Random(seed);
        float[] frames = new float[rows * DIM];
        for (int i = 0; i < frames.length; i++) {
            frames[i] = (float) rnd.nextGaussian();
        }
        return frames;
    }

    /**
     * A worker's error buffer gets the call's error maps, the same as a new array would hold, also for a call of fewer
     * rows (from the buffer's start: a batch's last, smaller call needs no new array); a shorter buffer is not used.
     */
    @Test
    void theErrorMapsGoIntoTheCallersBufferWhenTheyFit() throws Exception {
        int rows = 8;
        float[] frames = gaussianFrames(5, rows);
        try (ModelRunner.Session s = scorer.newSession()) {
            float[] fresh = s.run(new FrameBatch(frames, 0, rows, DIM)).errors();
            float[] buffer = new float[fresh.length];
            assertThat(s.run(new FrameBatch(frames, 0, rows, DIM, buffer)).errors()).isSameAs(buffer).containsExactly(fresh);
            // a call of fewer rows against a new array of that call (TensorFlow's kernels may round a batch of 4 and one
            // of 8 differently in the last bit, depending on the host's vector width)
            float[] secondHalf = s.run(new FrameBatch(frames, DIM * rows / 2, rows / 2, DIM)).errors();
            float[] half = s.run(new FrameBatch(frames, DIM * rows / 2, rows / 2, DIM, buffer)).errors();
            assertThat(half).isSameAs(buffer);
            assertThat(java.util.Arrays.copyOf(half, fresh.length / 2)).containsExactly(secondHalf);
            for (int i = 0; i < secondHalf.length; i++) { // the frames of its offset: those of the larger call, to rounding
                float larger = fresh[fresh.length / 2 + i];
                assertThat(half[i]).as("value " + i).isCloseTo(larger, org.assertj.core.data.Offset.offset(1e-5f * (1 + larger)));
            }
            float[] firstHalf = s.run(new FrameBatch(frames, 0, rows / 2, DIM)).errors();
            float[] small = new float[fresh.length / 2 - 1];
            assertThat(s.run(new FrameBatch(frames, 0, rows / 2, DIM, small)).errors()).isNotSameAs(small)
                    .containsExactly(firstHalf);
        }
    }

    /**
     * A session's calls go through its one staging memory: calls of other sizes and offsets in any order give what a new
     * session gives for each (no call sees another's frames).
     */
    @Test
    void oneSessionsCallsOfOtherSizesGiveWhatFreshSessionsGive() throws Exception {
        int rows = 6;
        float[] frames = gaussianFrames(11, rows);
        int[][] calls = {{0, 6}, {4, 1}, {1, 3}, {0, 6}, {5, 1}};
        float[][] fresh = new float[calls.length][];
        for (int c = 0; c < calls.length; c++) {
            try (ModelRunner.Session s = scorer.newSession()) {
                fresh[c] = s.errors(new FrameBatch(frames, calls[c][0] * DIM, calls[c][1], DIM));
            }
        }
        try (ModelRunner.Session s = scorer.newSession()) {
            for (int c = 0; c < calls.length; c++) {
                assertThat(s.errors(new FrameBatch(frames, calls[c][0] * DIM, calls[c][1], DIM))).as("call %d", c)
                        .containsExactly(fresh[c]);
            }
        }
        // and each frame's errors are its own, whichever call carried it: the rows of the whole batch's call
        for (int c = 1; c < calls.length; c++) {
            int width = fresh[c].length / calls[c][1];
            float[] own = java.util.Arrays.copyOfRange(fresh[0], calls[c][0] * width, (calls[c][0] + calls[c][1]) * width);
            for (int i = 0; i < own.length; i++) {
                assertThat(fresh[c][i]).as("call %d value %d", c, i).isCloseTo(own[i], within(1e-4f + 1e-4f * Math.abs(own[i])));
            }
        }
    }

    /** The service's way of running calls (on the caller's thread, no operation split) computes what TensorFlow's defaults do. */
    @Test
    void callsOnTheCallersThreadGiveWhatTensorFlowsOwnThreadsGive() throws Exception {
        int rows = 5;
        float[] frames = gaussianFrames(13, rows);
        String inter = System.getProperty("ai.djl.tensorflow.num_interop_threads");
        String intra = System.getProperty("ai.djl.tensorflow.num_intraop_threads");
        InferenceThreads.ON_CALLER.useForProcess(); // DJL gives the models it loads from now on these session options
        try (ModelRunner onCaller = ModelRunner.load(scorer.artifact(), InferenceDevice.CPU);
                ModelRunner.Session own = onCaller.newSession(); ModelRunner.Session pooled = scorer.newSession()) {
            ModelOutputs expected = pooled.describe(new FrameBatch(frames, rows, DIM));
            ModelOutputs actual = own.describe(new FrameBatch(frames, rows, DIM));
            assertClose(actual.errors(), expected.errors());
            assertClose(actual.signatures(), expected.signatures());
            assertClose(own.errors(new FrameBatch(frames, rows, DIM)), expected.errors());
        } finally {
            restore("ai.djl.tensorflow.num_interop_threads", inter);
            restore("ai.djl.tensorflow.num_intraop_threads", intra);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], within(1e-4f + 1e-4f * Math.abs(expected[i])));
        }
    }

    /** Scoring pays for the error maps only; the signatures come from the describe function, with the same maps. */
    @Test
    void theScoringPassComputesNoSignaturesAndDescribeGivesTheSameErrorsWithThem() throws Exception {
        SensorSimulator sim = TestModels.simulator();
        float[] frames = new float[3 * DIM];
        for (int i = 0; i < 3; i++) {
            System.arraycopy(sim.frame("s", i), 0, frames, i * DIM, DIM);
        }
        try (ModelRunner.Session s = scorer.newSession()) {
            ModelOutputs scoring = s.run(new FrameBatch(frames, 3, DIM));
            ModelOutputs described = s.describe(new FrameBatch(frames, 3, DIM));
            assertThat(scoring.signatures()).isNull();
            assertThat(described.signatures()).hasSize(3 * scorer.card().signature().length());
            assertThat(described.errors()).containsExactly(scoring.errors());
            assertThat(s.scoreWithSignatures(new FrameBatch(frames, 3, DIM))).allSatisfy(f -> assertThat(f.signature()).isNotNull());
            // describe also rebuilds each frame, in the frame's own units: the error map is its distance from the frame
            // in standard units ((x - r) / std, squared) over the channel's typical error, one factor per channel
            // whatever the frame, and a spike is not rebuilt
            float[] rebuilt = described.reconstructions();
            assertThat(rebuilt).hasSize(3 * DIM);
            float[] std = scorer.card().preprocessing().std();
            assertThat(scorer.card().scoring().kind()).isEqualTo("channel-normalised");
            for (int c = 0; c < DIM; c++) {
                double[] factor = new double[3];
                for (int f = 0; f < 3; f++) {
                    int i = f * DIM + c;
                    double distance = (rebuilt[i] - frames[i]) / std[c];
                    factor[f] = described.errors()[i] / (distance * distance);
                }
                assertThat(factor[1]).as("channel %d", c).isCloseTo(factor[0], org.assertj.core.data.Percentage.withPercentage(1));
                assertThat(factor[2]).as("channel %d", c).isCloseTo(factor[0], org.assertj.core.data.Percentage.withPercentage(1));
            }
            float[] spiked = sim.faulty("s", 4, SensorSimulator.Fault.SPIKE, 3, 4);
            float[] spikedRebuilt = s.describe(new FrameBatch(spiked, 1, DIM)).reconstructions();
            assertThat(Math.abs(spikedRebuilt[3] - spiked[3]) / std[3]).as("the spiked value is not rebuilt")
                    .isGreaterThan(3 * Math.abs(spikedRebuilt[0] - spiked[0]) / std[0]);
        }
    }

    /**
     * A row's top channels are those whose fault alone explains most of its error (the model's contributions), each
     * with its own error and, as its share, that part of the row's error, which is at most the whole; both functions
     * compute the same contributions.
     */
    @Test
    void aRowsTopChannelsAreThoseWhoseFaultExplainsMostOfItsError() throws Exception {
        assertThat(scorer.card().scoring().attribution()).isEqualTo(ModelCard.Scoring.RECONSTRUCTION_BASED);
        SensorSimulator sim = TestModels.simulator();
        int rows = 40;
        float[] frames = new float[rows * DIM];
        for (int i = 0; i < rows; i++) {
            float[] f = i % 2 == 0 ? sim.frame("s", i) : sim.faulty("s", i, SensorSimulator.Fault.SPIKE, 3, i);
            System.arraycopy(f, 0, frames, i * DIM, DIM);
        }
        try (ModelRunner.Session s = scorer.newSession()) {
            ModelOutputs outputs = s.run(new FrameBatch(frames, rows, DIM));
            float[] contributions = outputs.contributions();
            assertThat(contributions).hasSize(rows * DIM);
            assertThat(s.describe(new FrameBatch(frames, rows, DIM)).contributions()).containsExactly(contributions);
            List<ScoredFrame> scored = s.explain(outputs, rows);
            for (int r = 0; r < rows; r++) {
                int base = r * DIM;
                double sum = 0;
                for (int c = 0; c < DIM; c++) {
                    sum += outputs.errors()[base + c];
                }
                List<Integer> byContribution = IntStream.range(0, DIM).boxed()
                        .sorted(Comparator.comparingDouble((Integer c) -> contributions[base + c]).reversed())
                        .limit(ModelRunner.TOP_CHANNELS).toList();
                List<ChannelError> top = scored.get(r).topChannels();
                assertThat(top).extracting(ChannelError::index).containsExactlyElementsOf(byContribution);
                for (ChannelError c : top) {
                    assertThat(c.error()).isEqualTo(outputs.errors()[base + c.index()]);
                    assertThat(c.share()).isCloseTo(contributions[base + c.index()] / sum, within(1e-6));
                    assertThat(contributions[base + c.index()]).as("a contribution is part of the row's error")
                            .isLessThanOrEqualTo((float) (sum * 1.0001));
                }
                if (r % 2 == 1) {
                    assertThat(top.get(0).index()).as("row %d, channel 3 spiked", r).isEqualTo(3);
                }
            }
        }
    }

    /**
     * A row whose error overflowed names the channel that overflowed (its own error), whatever the contributions say;
     * contributions that are no number give no share.
     */
    @Test
    void anOverflowedRowNamesItsChannelAndNoNumberGivesNoShare() {
        float[] errors = new float[2 * DIM];
        float[] contributions = new float[2 * DIM];
        errors[5] = Float.POSITIVE_INFINITY;
        contributions[9] = Float.POSITIVE_INFINITY;
        errors[DIM + 2] = 3;
        contributions[DIM + 2] = Float.NaN;
        contributions[DIM + 4] = 1;
        try (ModelRunner.Session s = scorer.newSession()) {
            List<ScoredFrame> scored = s.explain(new ModelOutputs(errors, null, null, contributions), 2);
            assertThat(scored.get(0).topChannels().get(0).index()).isEqualTo(5);
            assertThat(scored.get(1).topChannels()).allSatisfy(c -> assertThat(c.share()).isBetween(0.0, 1.0));
        }
    }

    /**
     * A card that declares contributions its SavedModel does not compute is refused on its canary batch: here a model of
     * one-step frames of more than 64 values, which computes none.
     */
    @Test
    void aCardThatDeclaresContributionsItsModelLacksIsRefused() throws Exception {
        int dim = 80;
        int rows = 200;
        float[] values = new float[rows * dim];
        Random rnd = new Random(5);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian();
        }
        ModelArtifact wide = new AutoencoderTrainer(TrainingOptions.builder().name("wide").version("wide").epochs(1).threads(1)
                .build(), TrainingProgress.NONE).train(new FrameFile(dim, rows, values,
                FrameFile.defaultNames(dim)), tmp.resolve("wide"), "test");
        assertThat(wide.card().scoring()).isNull();
        Path dir = tmp.resolve("wide-claiming-contributions");
        FileUtils.copyDirectory(wide.dir().toFile(), dir.toFile());
        Path cardFile = dir.resolve(ModelArtifact.CARD_FILE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode card = (ObjectNode) json.readTree(cardFile.toFile());
        card.putObject("scoring").put("kind", "plain").put("attribution", ModelCard.Scoring.RECONSTRUCTION_BASED);
        json.writeValue(cardFile.toFile(), card);
        ModelArtifact claiming = ModelArtifact.open(dir);
        assertThat(claiming.card().scoring().attribution()).isEqualTo(ModelCard.Scoring.RECONSTRUCTION_BASED);
        assertThatThrownBy(() -> ModelRunner.load(claiming)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("contributions");
    }

    private static ModelArtifact windows;

    /** A model of windows of 4 channels and 16 steps, trained once for the tests that need one. */
    private static synchronized ModelArtifact windowsModel() throws Exception {
        if (windows == null) {
            windows = new AutoencoderTrainer(TrainingOptions.builder().name("w")
                    .version("w").epochs(1).channels(WINDOW_CHANNELS).threads(1).build(), TrainingProgress.NONE)
                    .train(TestModels.windows(SensorSimulator.machine(WINDOW_CHANNELS, 2), 300, 1, 23, WINDOW_STEPS),
                            tmp.resolve("windows"), "test");
        }
        return windows;
    }

    private static final int WINDOW_CHANNELS = 4;
    private static final int WINDOW_STEPS = 16;

    /** A window's channels are ranked by their error over all its steps, whichever steps carry it. */
    @Test
    void aWindowsTopChannelsAreItsChannelsNotItsValues() throws Exception {
        int channels = WINDOW_CHANNELS;
        int steps = WINDOW_STEPS;
        int dim = channels * steps;
        ModelArtifact model = windowsModel();
        assertThat(model.card().scoring().attribution()).as("windows rank channels by their own errors").isNull();
        try (ModelRunner windowed = ModelRunner.load(model)) {
            float[] errors = new float[dim];
            for (int t = 0; t < steps; t++) {
                errors[t * channels] = 0.1f; // channel 0: a little everywhere
            }
            errors[5 * channels + 2] = 3f; // channel 2: one large error at step 5
            errors[9 * channels + 1] = 0.5f;
            List<ChannelError> top = windowed.explain(errors, 1).get(0).topChannels();
            assertThat(top).extracting(ChannelError::index).containsExactly(2, 0, 1);
            assertThat(top.get(0).name()).isEqualTo("ch2");
            assertThat(top.get(0).error()).isCloseTo(3.0 / steps, within(1e-6));
            assertThat(top.get(0).share()).isCloseTo(3.0 / (3.0 + 0.5 + 1.6), within(1e-6));
        }
    }

    @Test
    void equalErrorsKeepTheEarlierChannelAndAnAllZeroRowHasNoShare() {
        float[] errors = new float[2 * DIM];
        errors[3] = 5;
        errors[9] = 5;
        errors[12] = 7;
        errors[14] = 5;
        List<ScoredFrame> scored = scorer.explain(errors, 2);
        assertThat(scored.get(0).topChannels()).extracting(ChannelError::index).containsExactly(12, 3, 9);
        assertThat(scored.get(1).score()).isZero();
        assertThat(scored.get(1).topChannels()).allSatisfy(c -> assertThat(c.share()).isZero());
    }
}
