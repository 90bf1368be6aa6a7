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
        int channels = 8;
        int steps = 16;
        FrameFile windows = TestModels.windows(SensorSimulator.machine(channels, 4), 1000, 4, 5, steps);
        TrainingOptions base = TrainingOptions.builder().name("sel").version("sel-1").epochs(4).channels(channels).threads(2).build();
        ArchitectureSelection.Result result = ArchitectureSelection.select(base, windows, tmp.resolve("out"), "windows",
                TrainingProgress.NONE);
        ModelCard.Selection selection = result.selection();
        assertThat(selection.tried()).extracting(ModelCard.Candidate::name)
                .containsExactly("channels linear", "channels relu", "temporal", "dense relu");
        assertThat(selection.holdoutFrames()).isEqualTo(100);
        assertThat(selection.corruption()).contains("channels over the whole window");
        ModelCard.Candidate chosen = selection.tried().stream().filter(c -> c.name().equals(selection.chosen())).findFirst()
                .orElseThrow();
        double best = selection.tried().stream().mapToDouble(ModelCard.Candidate::syntheticAuroc).max().orElseThrow();
        assertThat(chosen.syntheticAuroc()).isGreaterThanOrEqualTo(best - ArchitectureSelection.MIN_GAIN);
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
    void corruptedWindowsBreakEitherTheirCourseOrTheirChannelsAgreement() {
        int channels = 4;
        int steps = 8;
        int dim = channels * steps;
        int rows = 10;
        float[] values = new float[rows * dim];
        for (int i = 0; i < values.length; i++) {
            values[i] = i; // every value differs from every other frame's
        }
        ModelCard.Input input = new ModelCard.Input(ModelCard.Input.SENSOR, dim, null, null, channels);
        float[] out = ChampionChallenger.corrupt(input, values, rows, 3);
        for (int r = 0; r < rows; r++) {
            List<Integer> changedChannels = new java.util.ArrayList<>();
            List<Integer> changedSteps = new java.util.ArrayList<>();
            for (int i = 0; i < dim; i++) {
                if (out[r * dim + i] != values[r * dim + i]) {
                    if (!changedChannels.contains(i % channels)) {
                        changedChannels.add(i % channels);
                    }
                    if (!changedSteps.contains(i / channels)) {
                        changedSteps.add(i / channels);
                    }
                }
            }
            if (r % 2 == 0) {
                assertThat(changedChannels).as("row %d: a stretch of steps, all channels", r).hasSize(channels);
                assertThat(changedSteps).hasSize(2); // 25 % of 8 steps
            } else {
                assertThat(changedChannels).as("row %d: 1 to 3 channels", r).hasSizeBetween(1, 3);
                assertThat(changedSteps).hasSize(steps);
            }
        }
    }
}
