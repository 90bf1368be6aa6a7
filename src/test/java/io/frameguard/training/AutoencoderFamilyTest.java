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
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rest of the autoencoder family on sensor windows: temporal convolutions, denoising, sparse and variational
 * models train, say so on their card, are served by the scorer's DJL path and tell faulty windows from normal ones;
 * a retrained model keeps its kind.
 */
class AutoencoderFamilyTest {

    static final int CHANNELS = 8;
    static final int STEPS = 32;
    static final int DIM = CHANNELS * STEPS;

    @TempDir
    static Path tmp;

    static SensorSimulator machine;
    static FrameFile windows;
    static float[] test;
    static boolean[] faulty;

    @BeforeAll
    static void data() {
        machine = SensorSimulator.machine(CHANNELS, 9);
        windows = TestModels.windows(machine, 1000, 4, 7, STEPS);
        Random random = new Random(3);
        int n = 200;
        test = new float[n * DIM];
        faulty = new boolean[n];
        SensorSimulator.Fault[] kinds = SensorSimulator.Fault.values();
        for (int i = 0; i < n; i++) {
            faulty[i] = i % 2 == 1;
            float[] w = faulty[i] ? machine.randomFaultyWindow("unseen", STEPS, kinds[i % kinds.length], random).values()
                    : machine.window("unseen", random.nextInt(1_000_000), STEPS);
            System.arraycopy(w, 0, test, i * DIM, DIM);
        }
    }

    private static ModelArtifact train(String name, TrainingOptions.Builder options) throws Exception {
        return train(name, options, null);
    }

    /** @param hiding the channels hidden from the model ({@link AutoencoderTrainer#hiding}; null: as the trainer decides) */
    private static ModelArtifact train(String name, TrainingOptions.Builder options, List<String> hiding) throws Exception {
        return new AutoencoderTrainer(options.name("family").version(name).epochs(10).channels(CHANNELS).threads(2).build(),
                TrainingProgress.NONE).hiding(hiding).train(windows, tmp.resolve(name), "windows");
    }

    private static double auroc(ModelArtifact model) throws Exception {
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            List<ScoredFrame> scored = s.score(new FrameBatch(test, faulty.length, DIM));
            return Auroc.of(scored.stream().mapToDouble(ScoredFrame::score).toArray(), faulty);
        }
    }

    @Test
    void temporalConvolutionsOverTheWindow() throws Exception {
        ModelArtifact model = train("temporal", TrainingOptions.builder().architecture(TrainingOptions.TEMPORAL));
        assertThat(model.card().architecture().kind()).isEqualTo("temporal-autoencoder");
        assertThat(model.card().architecture().layers()).containsExactly(CHANNELS, 2 * CHANNELS, 4 * CHANNELS, 32);
        assertThat(auroc(model)).isGreaterThan(0.9);
        assertThat(TrainingOptions.like(model.card()).build().architecture()).isEqualTo(TrainingOptions.TEMPORAL);
        FrameFile odd = TestModels.windows(machine, 300, 2, 7, 30);
        assertThatThrownBy(() -> new AutoencoderTrainer(TrainingOptions.builder().architecture(TrainingOptions.TEMPORAL)
                .channels(CHANNELS).build(), TrainingProgress.NONE).train(odd, tmp.resolve("odd"), "t"))
                .hasMessageContaining("multiple of 4 steps");
    }

    @Test
    void denoisingAndSparseModelsSaySoAndKeepSaying() throws Exception {
        // every channel seen by all three: a model that hides a channel it copied rebuilds it from the others, at a loss
        ModelArtifact denoising = train("denoising", TrainingOptions.builder().denoise("gaussian:0.3"), List.of());
        ModelArtifact sparse = train("sparse", TrainingOptions.builder().sparsity(0.05), List.of());
        ModelArtifact plain = train("plain", TrainingOptions.builder(), List.of());
        assertThat(plain.card().scoring().hiddenChannels()).isNull();
        assertThat(denoising.card().training().denoise()).isEqualTo("gaussian:0.3");
        assertThat(denoising.card().training().sparsity()).isNull();
        assertThat(sparse.card().training().sparsity()).isEqualTo(0.05);
        // learning from noisy inputs costs training loss against the clean ones; the penalty adds to the loss
        assertThat(denoising.card().training().trainLoss()).isGreaterThan(plain.card().training().trainLoss());
        assertThat(sparse.card().training().trainLoss()).isGreaterThan(plain.card().training().trainLoss());
        // served and still finding faults; whether either helps is bench/sensor's question (docs/BENCHMARKS.md)
        assertThat(auroc(denoising)).isGreaterThan(0.7);
        assertThat(auroc(sparse)).isGreaterThan(0.7);
        TrainingOptions again = TrainingOptions.like(denoising.card()).build();
        assertThat(again.denoise()).isEqualTo("gaussian:0.3");
        assertThat(TrainingOptions.like(sparse.card()).build().sparsity()).isEqualTo(0.05);
        assertThatThrownBy(() -> TrainingOptions.builder().denoise("blur:2").build()).hasMessageContaining("gaussian:SIGMA");
    }

    @Test
    void aVariationalModelScoresByItsMeansReconstructionAndRepeatsWithItsSeed() throws Exception {
        ModelArtifact a = train("vae-a", TrainingOptions.builder().architecture(TrainingOptions.VAE));
        ModelArtifact b = train("vae-b", TrainingOptions.builder().architecture(TrainingOptions.VAE));
        ModelCard.Architecture arch = a.card().architecture();
        assertThat(arch.kind()).isEqualTo("variational-autoencoder");
        assertThat(a.card().threshold().value()).isEqualTo(b.card().threshold().value());
        assertThat(auroc(a)).isGreaterThan(0.8);
        try (ModelRunner runner = ModelRunner.load(a); ModelRunner.Session s = runner.newSession()) {
            double first = s.score(new FrameBatch(test, 1, DIM)).get(0).score();
            assertThat(s.score(new FrameBatch(test, 1, DIM)).get(0).score()).as("no sampling when scoring").isEqualTo(first);
        }
        assertThat(TrainingOptions.like(a.card()).build().architecture()).isEqualTo(TrainingOptions.VAE);
    }
}
