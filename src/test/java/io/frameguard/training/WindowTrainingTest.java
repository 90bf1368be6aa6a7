package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ScoreAggregation;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sensor windows (channels x steps): the architecture the layout picks, its bottleneck measured from the data, the
 * per-channel normalised error map and the worst-channel score, end to end through the scorer's DJL path.
 */
class WindowTrainingTest {

    static final int CHANNELS = 16;
    static final int STEPS = 32;
    static final int DIM = CHANNELS * STEPS;

    @TempDir
    static Path tmp;

    static SensorSimulator machine;
    static ModelArtifact model;

    @BeforeAll
    static void train() throws Exception {
        machine = SensorSimulator.machine(CHANNELS, 3);
        FrameFile windows = TestModels.windows(machine, 2000, 8, 11, STEPS);
        model = new AutoencoderTrainer(TrainingOptions.builder().name("w").version("w").epochs(15).channels(CHANNELS)
                .threads(2).build(), TrainingProgress.NONE).train(windows, tmp.resolve("w"), "windows");
    }

    @Test
    void windowsGetTheChannelsArchitectureWithABottleneckAsWideAsTheMachinesFactors() {
        ModelCard card = model.card();
        assertThat(card.architecture().kind()).isEqualTo("channels-autoencoder");
        // the simulated machine moves its channels by 5 shared signals: 3 slow rhythms, a fast one and its process
        assertThat(card.architecture().layers()).containsExactly(CHANNELS, 5, CHANNELS);
        assertThat(card.architecture().activation()).isEqualTo(TrainingOptions.LINEAR);
        assertThat(card.scoring().kind()).isEqualTo("channel-normalised");
        assertThat(card.scoring().aggregation()).isEqualTo(ScoreAggregation.TOP_CHANNELS);
        assertThat(card.scoring().topChannels()).isEqualTo(1);
        assertThat(card.input().channels()).isEqualTo(CHANNELS);
        TrainingOptions again = TrainingOptions.like(card).build();
        assertThat(again.architecture()).isEqualTo(TrainingOptions.CHANNELS);
        assertThat(again.latent()).isEqualTo(5);
        assertThat(again.activation()).isEqualTo(TrainingOptions.LINEAR);
    }

    @Test
    void everyFaultKindIsFlaggedAndItsTopChannelsNameAFaultyOne() throws Exception {
        Random random = new Random(5);
        double threshold = model.card().threshold().value();
        int normals = 400;
        float[] normal = new float[normals * DIM];
        for (int i = 0; i < normals; i++) {
            System.arraycopy(machine.window("unseen-" + i % 4, random.nextInt(1_000_000), STEPS), 0, normal, i * DIM, DIM);
        }
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            long falseAlarms = s.score(new FrameBatch(normal, normals, DIM)).stream().filter(f -> f.score() > threshold).count();
            assertThat(falseAlarms).as("false alarms among %d unseen normal windows", normals).isLessThanOrEqualTo(normals * 4 / 100);
            for (SensorSimulator.Fault kind : SensorSimulator.Fault.values()) {
                int n = 40;
                float[] faulty = new float[n * DIM];
                int[][] channels = new int[n][];
                for (int i = 0; i < n; i++) {
                    SensorSimulator.FaultyWindow w = machine.randomFaultyWindow("unseen-" + i % 4, STEPS, kind, random);
                    System.arraycopy(w.values(), 0, faulty, i * DIM, DIM);
                    channels[i] = w.channels();
                }
                List<ScoredFrame> scored = s.score(new FrameBatch(faulty, n, DIM));
                int flagged = 0;
                int named = 0;
                for (int i = 0; i < n; i++) {
                    if (scored.get(i).score() > threshold) {
                        flagged++;
                        int[] faultyChannels = channels[i];
                        named += scored.get(i).topChannels().stream()
                                .anyMatch(top -> Arrays.stream(faultyChannels).anyMatch(c -> c == top.index())) ? 1 : 0;
                    }
                }
                // at the card's threshold (1 % false alarms); a frozen channel over 8 of 32 steps can look like a still one
                assertThat(flagged).as("%s windows flagged", kind).isGreaterThanOrEqualTo(n * 75 / 100);
                assertThat(named).as("%s windows whose top channels name a faulty one", kind).isGreaterThanOrEqualTo(flagged * 85 / 100);
            }
        }
    }

    @Test
    void theScoreIsTheWorstChannelsNormalisedError() throws Exception {
        float[] one = machine.window("unseen", 777, STEPS);
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            float[] errors = s.errors(new FrameBatch(one, 1, DIM));
            double[] perChannel = new double[CHANNELS];
            for (int i = 0; i < DIM; i++) {
                perChannel[i % CHANNELS] += errors[i] / STEPS;
            }
            double worst = Arrays.stream(perChannel).max().orElseThrow();
            ScoredFrame scored = s.score(new FrameBatch(one, 1, DIM)).get(0);
            assertThat(scored.score()).isCloseTo(worst, org.assertj.core.data.Offset.offset(1e-5 * worst));
            // normalised by each channel's typical error: a normal window's channels err about 1 each
            assertThat(Arrays.stream(perChannel).average().orElseThrow()).isBetween(0.3, 3.0);
        }
    }

    @Test
    void aReluChannelsModelHasHiddenLayersAndChannelsNeedWindows() throws Exception {
        FrameFile windows = TestModels.windows(machine, 400, 4, 13, STEPS);
        ModelArtifact relu = new AutoencoderTrainer(TrainingOptions.builder().name("r").version("r").epochs(2)
                .channels(CHANNELS).architecture(TrainingOptions.CHANNELS).activation(TrainingOptions.RELU).latent(3)
                .threads(2).build(), TrainingProgress.NONE).train(windows, tmp.resolve("relu"), "windows");
        assertThat(relu.card().architecture().layers()).containsExactly(CHANNELS, 32, 3, 32, CHANNELS);
        assertThat(relu.card().architecture().activation()).isEqualTo(TrainingOptions.RELU);
        assertThat(relu.card().training().learningRate()).isEqualTo(TrainingOptions.CHANNELS_LEARNING_RATE);
        assertThatThrownBy(() -> new AutoencoderTrainer(TrainingOptions.builder().architecture(TrainingOptions.CHANNELS)
                .build(), TrainingProgress.NONE).train(windows, tmp.resolve("no-channels"), "windows"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--channels");
    }
}
