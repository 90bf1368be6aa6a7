package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.frames.ImageGeometry;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image models on real Fashion-MNIST images: trained with TF Java, scored through DJL as the service does. */
class ImageTrainingTest {

    private static final int SNEAKER = 7;
    private static final int TROUSER = 1;
    private static final int BAG = 8;

    @TempDir
    static Path tmp;

    static FrameFile test;
    static int[] testLabels;

    @BeforeAll
    static void readTestImages() throws Exception {
        test = ImageFiles.readIdx(TestModels.fashionTestImages(), Set.of(SNEAKER, TROUSER, BAG));
        int[] all = ImageFiles.readIdxLabels(ImageFiles.labelsFileFor(TestModels.fashionTestImages()));
        testLabels = java.util.Arrays.stream(all).filter(l -> l == SNEAKER || l == TROUSER || l == BAG).toArray();
    }

    @Test
    void denseModelOnSneakersTellsOtherClassesApartAndSaysWhere() throws Exception {
        ModelArtifact artifact = TestModels.trainImageModel(tmp.resolve("dense"), SNEAKER, 5, TrainingOptions.DENSE, 1);
        ModelCard card = artifact.card();
        assertThat(card.input().kind()).isEqualTo(ModelCard.Input.IMAGE);
        assertThat(card.input().image()).isEqualTo(new ImageGeometry(28, 28, 1));
        assertThat(card.preprocessing().kind()).isEqualTo("unit-scale");
        assertThat(card.scoring().smoothingSigma()).isEqualTo(1.0);
        assertThat(card.scoring().pixelVariance()).isTrue();
        assertThat(card.scoring().calibrationFrames()).isEqualTo(600);
        assertThat(card.scoring().structuralWeight()).isEqualTo(TrainingOptions.DEFAULT_STRUCTURAL_WEIGHT);
        assertThat(card.scoring().kind()).isEqualTo("smoothed-variance-normalised+structural");
        assertThat(card.training().validationFrames()).isEqualTo(600);
        // a retraining holds out the same share: half of it calibrates, so the counts' ratio would be about half of it
        assertThat(TrainingOptions.like(card).build().validationFraction()).isEqualTo(0.2);
        assertThat(card.architecture().layers()).containsExactly(784, 128, 32, 128, 784);

        List<ScoredFrame> scored = scoreAll(artifact);
        double[] scores = scored.stream().mapToDouble(ScoredFrame::score).toArray();
        boolean[] anomalous = new boolean[scores.length];
        int normals = 0;
        int alarms = 0;
        for (int i = 0; i < scores.length; i++) {
            anomalous[i] = testLabels[i] != SNEAKER;
            if (!anomalous[i]) {
                normals++;
                alarms += scores[i] > card.threshold().value() ? 1 : 0;
            }
        }
        assertThat(Auroc.of(scores, anomalous)).as("AUROC sneakers vs trousers and bags").isGreaterThan(0.95);
        assertThat((double) alarms / normals).as("false alarms on unseen sneakers").isBetween(0.002, 0.04);
        for (ScoredFrame s : scored) {
            assertThat(s.topChannels()).isEmpty();
            assertThat(s.region()).isNotNull();
            assertThat(s.region().x() + s.region().width()).isLessThanOrEqualTo(28);
            assertThat(s.region().y() + s.region().height()).isLessThanOrEqualTo(28);
            assertThat(s.region().share()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void convModelTrainsRepeatablyAndScores() throws Exception {
        ModelArtifact a = TestModels.trainImageModel(tmp.resolve("conv-a"), TROUSER, 2, TrainingOptions.CONV, 3);
        ModelArtifact b = TestModels.trainImageModel(tmp.resolve("conv-b"), TROUSER, 2, TrainingOptions.CONV, 3);
        assertThat(a.card().architecture().kind()).isEqualTo("conv-autoencoder");
        assertThat(a.card().architecture().layers()).containsExactly(1, 16, 32, 32);
        assertThat(a.savedModelDir().resolve("variables/variables.data-00000-of-00001"))
                .hasSameBinaryContentAs(b.savedModelDir().resolve("variables/variables.data-00000-of-00001"));
        double[] scores = scoreAll(a).stream().mapToDouble(ScoredFrame::score).toArray();
        boolean[] anomalous = new boolean[scores.length];
        for (int i = 0; i < scores.length; i++) {
            anomalous[i] = testLabels[i] != TROUSER;
        }
        assertThat(Auroc.of(scores, anomalous)).as("AUROC trousers vs sneakers and bags").isGreaterThan(0.9);
    }

    @Test
    void convNeedsSidesThatAreMultiplesOfFour() {
        FrameFile odd = new FrameFile(30 * 30, 1000, new float[1000 * 900], null, new ImageGeometry(30, 30, 1));
        TrainingOptions conv = TrainingOptions.builder().architecture(TrainingOptions.CONV).build();
        assertThatThrownBy(() -> new AutoencoderTrainer(conv, TrainingProgress.NONE).train(odd, tmp.resolve("odd"), "odd"))
                .hasMessageContaining("multiples of 4").hasMessageContaining("30x30x1");
    }

    private static List<ScoredFrame> scoreAll(ModelArtifact artifact) throws Exception {
        try (ModelRunner scorer = ModelRunner.load(artifact); ModelRunner.Session session = scorer.newSession()) {
            return session.score(new FrameBatch(test.values(), test.rows(), test.dim()));
        }
    }
}
