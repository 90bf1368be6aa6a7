package io.frameguard.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.testing.TestModels;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --select: every candidate measured on frames none saw, the winner written with the figures on its card. */
class ArchitectureSelectionTest {

    @TempDir
    Path tmp;

    @Test
    void windowsTryEveryWindowArchitectureAndKeepTheBestSeparating() throws Exception {
        int channels = 16;
        int steps = 16;
        FrameFile windows = TestModels.windows(SensorSimulator.machine(channels, 4), 2000, 8, 5, steps);
        TrainingOptions base = TrainingOptions.builder().name("sel").version("sel-1").epochs(10).channels(channels).threads(2).build();
        ArchitectureSelection.Result result = ArchitectureSelection.select(base, windows, tmp.resolve("out"), "windows",
                TrainingProgress.NONE);
        ModelCard.Selection selection = result.selection();
        assertThat(selection.tried()).extracting(ModelCard.Candidate::name)
                .containsExactly("channels linear", "channels relu", "temporal", "dense relu");
        assertThat(selection.holdoutFrames()).isEqualTo(200);
        assertThat(selection.corruption()).contains("channels from another held-out window");
        // channels taken from other windows stop agreeing with the rest: the per-step bottleneck sees it best, as it
        // sees real faults best (bench/sensor)
        assertThat(selection.chosen()).isEqualTo("channels linear");
        assertThat(selection.tried().get(0).syntheticAuroc()).isGreaterThan(selection.tried().get(3).syntheticAuroc());
        // the chosen model is the one written, verified on load, with the selection on its card
        ModelArtifact written = ModelArtifact.open(tmp.resolve("out"));
        assertThat(written.card().selection()).isEqualTo(selection);
        assertThat(written.card().architecture().kind()).startsWith(selection.chosen().split(" ")[0]);
        assertThat(TrainingOptions.like(written.card()).build().architecture()).isEqualTo(selection.chosen().split(" ")[0]);
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString()).toList()).containsExactly("out");
        }
    }

    @Test
    void corruptedWindowsTakeOneToThreeChannelsFromAnotherWindowOverTheirLastSteps() {
        int channels = 4;
        int steps = 8;
        int dim = channels * steps;
        int rows = 20;
        float[] values = new float[rows * dim];
        for (int i = 0; i < values.length; i++) {
            values[i] = i; // every value differs from every other frame's
        }
        ModelCard.Input input = new ModelCard.Input(ModelCard.Input.SENSOR, dim, null, null, channels);
        float[] out = ChampionChallenger.corrupt(input, values, rows, 3);
        for (int r = 0; r < rows; r++) {
            java.util.Set<Integer> changedChannels = new java.util.TreeSet<>();
            java.util.Set<Integer> changedSteps = new java.util.TreeSet<>();
            for (int i = 0; i < dim; i++) {
                if (out[r * dim + i] != values[r * dim + i]) {
                    changedChannels.add(i % channels);
                    changedSteps.add(i / channels);
                    assertThat(out[r * dim + i] % dim).as("the same position of another window").isEqualTo(i);
                }
            }
            assertThat(changedChannels).as("row %d", r).hasSizeBetween(1, 3);
            assertThat(changedSteps).as("row %d: a quarter of the window at least, up to its end", r).hasSizeGreaterThanOrEqualTo(2)
                    .contains(steps - 1);
            assertThat(changedSteps.size()).isEqualTo(steps - changedSteps.iterator().next());
        }
    }
}
