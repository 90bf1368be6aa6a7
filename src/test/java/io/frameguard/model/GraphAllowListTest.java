package io.frameguard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.testing.TamperedModels;
import io.frameguard.testing.TestModels;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.framework.FunctionDef;
import org.tensorflow.proto.framework.MetaGraphDef;
import org.tensorflow.proto.framework.NodeDef;
import org.tensorflow.proto.framework.OpDef;
import org.tensorflow.proto.framework.SavedModel;

/**
 * The graph check before a model runs: every architecture the trainers export passes, and a graph edited to read
 * a file, to save elsewhere or to carry functions is refused, however well its card is resealed.
 */
class GraphAllowListTest {

    @TempDir
    static Path tmp;

    static ModelArtifact sensor;

    @BeforeAll
    static void train() throws Exception {
        sensor = TestModels.trainSensorModel(tmp.resolve("sensor"), 500, 1, 1);
    }

    /** Every trainer variant's graph; when a trainer starts exporting a new operation, this names it. */
    @Test
    void everyArchitectureTheTrainersExportPasses() throws Exception {
        FrameFile all = ImageFiles.readIdx(TestModels.fashionTrainImages(), Set.of(1));
        int rows = 600;
        FrameFile images = new FrameFile(all.dim(), rows, Arrays.copyOf(all.values(), rows * all.dim()), all.featureNames(), all.image());
        TrainingOptions[] variants = {
            TrainingOptions.builder().name("image").version("dense").epochs(1).architecture(TrainingOptions.DENSE)
                    .pixelVariance(false).structuralWeight(0).threads(1).build(),
            TrainingOptions.builder().name("image").version("conv").epochs(1).architecture(TrainingOptions.CONV)
                    .threads(1).build(),
            TrainingOptions.builder().name("image").version("conv-structural").epochs(1).architecture(TrainingOptions.CONV)
                    .structuralWeight(0.5).threads(1).build(),
            TrainingOptions.builder().name("image").version("vae").epochs(1).architecture(TrainingOptions.VAE)
                    .threads(1).build(),
            TrainingOptions.builder().name("image").version("denoising-sparse").epochs(1).architecture(TrainingOptions.DENSE)
                    .denoise("mask:0.2").sparsity(0.01).threads(1).build(),
        };
        Set<String> exported = new TreeSet<>(ops(sensor));
        ModelArtifact.open(sensor.dir());
        for (TrainingOptions o : variants) {
            // training ends with ModelArtifact.seal; open() runs the check
            ModelArtifact a = new AutoencoderTrainer(o, TrainingProgress.NONE).train(images, tmp.resolve(o.version()), "test");
            ModelArtifact.open(a.dir());
            exported.addAll(ops(a));
        }
        // sensor windows (their signature describes the error's shape over time), in every window architecture
        for (String architecture : List.of(TrainingOptions.AUTO, TrainingOptions.TEMPORAL, TrainingOptions.DENSE)) {
            ModelArtifact windowed = new AutoencoderTrainer(TrainingOptions.builder().name("windows").version("windows-" + architecture)
                    .epochs(1).channels(4).architecture(architecture).denoise("gaussian:0.1").threads(1).build(), TrainingProgress.NONE)
                    .train(TestModels.windows(SensorSimulator.machine(4, 1), 300, 1, 17, 16), tmp.resolve("windows-" + architecture), "test");
            ModelArtifact.open(windowed.dir());
            exported.addAll(ops(windowed));
        }
        assertThat(GraphAllowList.ALLOWED).containsAll(exported);
        assertThat(exported).contains("Conv2D", "MatMul", "RestoreV2");
    }

    @Test
    void aGraphThatReadsAFileIsRefusedBeforeItRuns() throws Exception {
        ModelArtifact evil = TamperedModels.withGraph(sensor, tmp.resolve("reads"), "reads",
                g -> TamperedModels.readingFile(g, "/etc/passwd"));
        assertThatThrownBy(() -> ModelArtifact.open(evil.dir()))
                .isInstanceOfSatisfying(InvalidModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.FORBIDDEN_OP))
                .hasMessageContaining("ReadFile");
    }

    @Test
    void aSaverRewiredToAnotherPathIsRefused() throws Exception {
        ModelArtifact evil = TamperedModels.withGraph(sensor, tmp.resolve("saves"), "saves",
                g -> TamperedModels.savingTo(g, "/tmp/elsewhere"));
        assertThatThrownBy(() -> ModelArtifact.open(evil.dir()))
                .isInstanceOfSatisfying(InvalidModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.FORBIDDEN_OP))
                .hasMessageContaining("SaveV2");
    }

    @Test
    void aFunctionLibraryIsRefused() throws Exception {
        ModelArtifact evil = TamperedModels.withGraph(sensor, tmp.resolve("functions"), "functions",
                g -> g.toBuilder().setLibrary(g.getLibrary().toBuilder().addFunction(FunctionDef.newBuilder()
                        .setSignature(OpDef.newBuilder().setName("hidden")).addNodeDef(NodeDef.newBuilder()
                                .setName("w").setOp("WriteFile")))).build());
        assertThatThrownBy(() -> ModelArtifact.open(evil.dir())).hasMessageContaining("function library");
    }

    @Test
    void aResealedButUntouchedGraphStillOpens() throws Exception {
        ModelArtifact same = TamperedModels.withGraph(sensor, tmp.resolve("same"), "same", g -> g);
        assertThat(ModelArtifact.open(same.dir()).card().version()).isEqualTo("same");
    }

    private static Set<String> ops(ModelArtifact a) throws Exception {
        SavedModel m = SavedModel.parseFrom(Files.readAllBytes(a.savedModelDir().resolve("saved_model.pb")));
        Set<String> ops = new TreeSet<>();
        for (MetaGraphDef meta : m.getMetaGraphsList()) {
            meta.getGraphDef().getNodeList().forEach(n -> ops.add(n.getOp()));
        }
        return ops;
    }
}
