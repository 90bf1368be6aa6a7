package io.frameguard.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.inference.FrameBatch;
import io.frameguard.inference.ModelRunner;
import io.frameguard.inference.ScoredFrame;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.testing.TestModels;
import io.frameguard.testing.Vectors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The models' second output: declared on the card, as long as it says, and it groups anomalies of one kind (the
 * retrieval quality itself is measured by a benchmark, not here).
 */
class SignaturesTest {

    @TempDir
    Path tmp;

    @Test
    void sensorSignaturesSayWhichChannelIsWrong() throws Exception {
        ModelArtifact model = TestModels.trainSensorModel(tmp.resolve("sensor"), 2000, 3, 11);
        ModelCard.Signature card = model.card().signature();
        assertThat(card.length()).isEqualTo(2 * TestModels.DIM);
        assertThat(card.kind()).isEqualTo("error-map+residual-" + TestModels.DIM);
        SensorSimulator sim = TestModels.simulator();
        // spikes on channel 3 and on channel 9, at many times and sources
        int n = 20;
        float[] frames = new float[2 * n * TestModels.DIM];
        for (int i = 0; i < 2 * n; i++) {
            float[] f = sim.faulty("s" + (i % 4), 100 + 7L * i, SensorSimulator.Fault.SPIKE, i < n ? 3 : 9, 100 + 7L * i);
            System.arraycopy(f, 0, frames, i * TestModels.DIM, TestModels.DIM);
        }
        List<float[]> signatures = signatures(model, frames, 2 * n, TestModels.DIM);
        assertThat(signatures).allSatisfy(s -> assertThat(s).hasSize(card.length()));
        assertThat(precisionAt5(signatures, i -> i < n ? 0 : 1)).isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void windowSignaturesSayWhatShapeTheErrorHasOnWhicheverChannel() throws Exception {
        int channels = 8;
        int steps = 32;
        int dim = channels * steps;
        SensorSimulator sim = SensorSimulator.machine(channels, 3);
        // the dense model: the signature's subject is the residual's shape, whatever the architecture (bench/memory
        // measures each one's precision on five fault kinds)
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("windows").version("w").epochs(8)
                .architecture(TrainingOptions.DENSE).channels(channels).threads(2).build(), TrainingProgress.NONE)
                .train(TestModels.windows(sim, 1500, 4, 37, steps),
                tmp.resolve("windows"), "t");
        assertThat(model.card().input().channels()).isEqualTo(channels);
        assertThat(model.card().input().steps()).isEqualTo(steps);
        ModelCard.Signature card = model.card().signature();
        assertThat(card.kind()).isEqualTo("window-shape-8x32");
        assertThat(card.length()).isEqualTo(steps / 2 + 5);
        // level shifts and frozen channels, each on channels that change from window to window
        int n = 20;
        float[] frames = new float[2 * n * dim];
        for (int i = 0; i < 2 * n; i++) {
            SensorSimulator.Fault kind = i < n ? SensorSimulator.Fault.LEVEL_SHIFT : SensorSimulator.Fault.FROZEN;
            float[] w = sim.faultyWindow("m" + i % 4, 50_000 + 101L * i, steps, kind, new int[] {i % channels}, 4 + i % 10);
            System.arraycopy(w, 0, frames, i * dim, dim);
        }
        List<float[]> signatures = signatures(model, frames, 2 * n, dim);
        assertThat(signatures).allSatisfy(s -> assertThat(s).hasSize(card.length()));
        assertThat(precisionAt5(signatures, i -> i < n ? 0 : 1)).isGreaterThanOrEqualTo(0.9);
    }

    @Test
    void aModelWhoseSignatureWouldBeLongerThanTheMemoryIndexesIsTrainedWithoutOne() throws Exception {
        int steps = 2 * (io.frameguard.events.Signature.MAX_LENGTH - 4); // a spectrum of steps / 2 bins and five statistics
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("long").version("l").epochs(1)
                .architecture(TrainingOptions.DENSE).channels(2).threads(2).build(), TrainingProgress.NONE)
                .train(TestModels.windows(SensorSimulator.machine(2, 3), 240, 2, 37, steps), tmp.resolve("long"), "t");
        assertThat(model.card().input().steps()).isEqualTo(steps);
        assertThat(model.card().signature()).isNull();
    }

    @Test
    void aWindowLayoutThatDoesNotDivideTheFrameIsRefused() {
        FrameFile frames = new FrameFile(30, 200, new float[30 * 200], null);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> new AutoencoderTrainer(TrainingOptions.builder()
                .channels(7).build(), TrainingProgress.NONE).train(frames, tmp.resolve("bad"), "t")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--channels 7");
    }

    @Test
    void imageSignaturesGroupAnomaliesOfOneKind() throws Exception {
        FrameFile all = ImageFiles.readIdx(TestModels.fashionTrainImages(), Set.of(7));
        int rows = 2000;
        FrameFile sneakers = new FrameFile(all.dim(), rows, Arrays.copyOf(all.values(), rows * all.dim()), all.featureNames(),
                all.image());
        ModelArtifact model = new AutoencoderTrainer(TrainingOptions.builder().name("image").version("sig").epochs(3)
                .architecture(TrainingOptions.CONV).threads(2).build(), TrainingProgress.NONE).train(sneakers, tmp.resolve("img"), "t");
        ModelCard.Signature card = model.card().signature();
        assertThat(card.kind()).isEqualTo("error-grid-7x7+latent-32+thumbnail-7x7+error-shape-17+centred");
        assertThat(card.length()).isEqualTo(49 + 32 + 49 + 17);
        // anomalies of two kinds: trousers (1) and bags (8), from the test set
        FrameFile trousers = ImageFiles.readIdx(TestModels.fashionTestImages(), Set.of(1));
        FrameFile bags = ImageFiles.readIdx(TestModels.fashionTestImages(), Set.of(8));
        int n = 30;
        float[] frames = new float[2 * n * all.dim()];
        System.arraycopy(trousers.values(), 0, frames, 0, n * all.dim());
        System.arraycopy(bags.values(), 0, frames, n * all.dim(), n * all.dim());
        List<float[]> signatures = signatures(model, frames, 2 * n, all.dim());
        assertThat(signatures).allSatisfy(s -> assertThat(s).hasSize(card.length()));
        assertThat(precisionAt5(signatures, i -> i < n ? 0 : 1)).isGreaterThanOrEqualTo(0.9);
    }

    /**
     * One camera's pictures all show its product, so any two are alike as pictures: a signature that said so would
     * recognise a defect never seen before as whichever defect was confirmed before it (a helper's camera line: a wrong
     * shade "recognised as dark-spot"). Two unlike defects of one product must be less alike than the memory's
     * recognise-similarity, two pictures of one defect more.
     */
    @Test
    void imageSignaturesTellOneProductsDefectsApart() throws Exception {
        int n = 20;
        List<float[]> signatures = defectSignatures(5, n, "dark-spot", "wrong-shade");
        double unlike = 0;
        double shades = 1;
        for (int a = 0; a < 2 * n; a++) {
            for (int b = a + 1; b < 2 * n; b++) {
                double sim = Vectors.cosine(signatures.get(a), signatures.get(b));
                if ((a < n) != (b < n)) {
                    unlike = Math.max(unlike, sim);
                } else if (a >= n) {
                    shades = Math.min(shades, sim);
                }
            }
        }
        double recognise = Double.parseDouble(io.frameguard.config.FrameguardConfig.Memory.class
                .getMethod("recogniseSimilarity").getAnnotation(io.smallrye.config.WithDefault.class).value());
        assertThat(unlike).as("most alike dark spot and wrong shade").isLessThan(recognise);
        assertThat(shades).as("least alike two wrong shades").isGreaterThanOrEqualTo(recognise);
        assertThat(precisionAt5(signatures, i -> i < n ? 0 : 1)).isGreaterThanOrEqualTo(0.9);
    }

    /**
     * A defect's kind is in the shape of its error, not in its place: a dark spot and a scratch each anywhere on the
     * product must find their own kind among their nearest, though two spots far apart share no cell of the error grid
     * (a helper's camera line: two spots were rarely 0.9 alike, so a confirmed spot recognised spots in its own place
     * only).
     */
    @Test
    void imageSignaturesFindOneDefectKindWhereverItLies() throws Exception {
        int n = 30;
        List<float[]> signatures = defectSignatures(9, n, "dark-spot", "scratch");
        assertThat(precisionAt5(signatures, i -> i < n ? 0 : 1)).isGreaterThanOrEqualTo(0.9);
    }

    /**
     * The signatures of {@code n} pictures with a defect of kind {@code first}, then {@code n} of kind {@code second}, of
     * a 28x28 product ({@link #product}) by a model trained on its normal pictures, all drawn from {@code seed}.
     */
    private List<float[]> defectSignatures(long seed, int n, String first, String second) throws Exception {
        int side = 28;
        int dim = side * side;
        java.util.Random random = new java.util.Random(seed);
        float[] product = product(side, random);
        ModelArtifact model = lineModel(product, random, "line-" + seed);
        float[] frames = new float[2 * n * dim];
        for (int i = 0; i < 2 * n; i++) {
            System.arraycopy(picture(product, random, i < n ? first : second), 0, frames, i * dim, dim);
        }
        return signatures(model, frames, 2 * n, dim);
    }

    /** A product's picture: a pattern of light and shade with fixed speckle. */
    private static float[] product(int side, java.util.Random random) {
        float[] product = new float[side * side];
        for (int p = 0; p < product.length; p++) {
            int x = p % side;
            int y = p / side;
            product[p] = (float) (0.45 + 0.2 * Math.sin(x / 2.5) * Math.cos(y / 3.5) + 0.05 * random.nextGaussian());
        }
        return product;
    }

    /** A conv model trained on 600 normal pictures of {@code product}. */
    private ModelArtifact lineModel(float[] product, java.util.Random random, String name) throws Exception {
        int side = (int) Math.sqrt(product.length);
        int dim = product.length;
        int normal = 600;
        float[] train = new float[normal * dim];
        for (int i = 0; i < normal; i++) {
            System.arraycopy(picture(product, random, null), 0, train, i * dim, dim);
        }
        return new AutoencoderTrainer(TrainingOptions.builder().name("line").version("sig").epochs(6)
                .architecture(TrainingOptions.CONV).threads(2).build(), TrainingProgress.NONE)
                .train(new FrameFile(dim, normal, train, null, new io.frameguard.frames.ImageGeometry(side, side, 1)),
                        tmp.resolve(name), "t");
    }

    /** The product as the camera sees it once: light a little off, sensor noise, and the defect if any. */
    private static float[] picture(float[] product, java.util.Random random, String defect) {
        int side = (int) Math.sqrt(product.length);
        float light = (float) (1 + 0.03 * (2 * random.nextDouble() - 1));
        int sx = 4 + random.nextInt(side - 12);
        int sy = 4 + random.nextInt(side - 12);
        double angle = random.nextDouble() * Math.PI;
        float[] out = new float[product.length];
        for (int p = 0; p < out.length; p++) {
            int x = p % side;
            int y = p / side;
            float v = product[p] * light * ("wrong-shade".equals(defect) ? 0.6f : 1f);
            if ("dark-spot".equals(defect) && x >= sx && x < sx + 4 && y >= sy && y < sy + 4) {
                v -= 0.35f;
            } else if ("scratch".equals(defect)) { // a bright line 8 pixels long through (sx + 2, sy + 2)
                double along = (x - sx - 2) * Math.cos(angle) + (y - sy - 2) * Math.sin(angle);
                double across = -(x - sx - 2) * Math.sin(angle) + (y - sy - 2) * Math.cos(angle);
                if (Math.abs(along) <= 4 && Math.abs(across) < 0.6) {
                    v += 0.35f;
                }
            }
            out[p] = Math.min(1, Math.max(0, v + (float) (0.02 * random.nextGaussian())));
        }
        return out;
    }

    private static List<float[]> signatures(ModelArtifact model, float[] frames, int rows, int dim) throws Exception {
        try (ModelRunner runner = ModelRunner.load(model); ModelRunner.Session s = runner.newSession()) {
            List<float[]> out = new ArrayList<>();
            for (ScoredFrame f : s.scoreWithSignatures(new FrameBatch(frames, rows, dim))) {
                out.add(f.signature());
            }
            return out;
        }
    }

    /** Share of each signature's 5 nearest others (cosine) that have its label. */
    private static double precisionAt5(List<float[]> signatures, java.util.function.IntUnaryOperator label) {
        int hits = 0;
        for (int q = 0; q < signatures.size(); q++) {
            int query = q;
            List<Integer> nearest = IntStream.range(0, signatures.size()).filter(i -> i != query).boxed()
                    .sorted(Comparator.comparingDouble(i -> -Vectors.cosine(signatures.get(query), signatures.get(i)))).limit(5).toList();
            hits += (int) nearest.stream().filter(i -> label.applyAsInt(i) == label.applyAsInt(query)).count();
        }
        return hits / (5.0 * signatures.size());
    }
}
