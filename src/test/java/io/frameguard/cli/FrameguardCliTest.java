package io.frameguard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.model.ModelArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline commands as a user runs them: generate data, train a model, score a file. */
class FrameguardCliTest {

    @TempDir
    Path tmp;

    @Test
    void generateTrainScore() throws Exception {
        Path data = tmp.resolve("normal.csv");
        assertThat(FrameguardCli.run("generate", "--out", data.toString(), "--frames", "3000", "--dim", "8")).isZero();
        assertThat(Files.readAllLines(data).get(0)).isEqualTo("ch0,ch1,ch2,ch3,ch4,ch5,ch6,ch7");

        Path model = tmp.resolve("model");
        assertThat(FrameguardCli.run("train", "--data", data.toString(), "--format", "csv", "--out", model.toString(),
                "--epochs", "3", "--target-fpr", "0.05", "--version", "cli-test")).isZero();
        ModelArtifact artifact = ModelArtifact.open(model);
        assertThat(artifact.card().version()).isEqualTo("cli-test");
        assertThat(artifact.card().input().dim()).isEqualTo(8);
        assertThat(artifact.card().threshold().targetFpr()).isEqualTo(0.05);

        Path scores = tmp.resolve("scores.csv");
        Path signatures = tmp.resolve("signatures.f32");
        assertThat(FrameguardCli.run("score", "--model", model.toString(), "--data", data.toString(), "--format", "csv",
                "--out", scores.toString(), "--signatures", signatures.toString())).isZero();
        // one row per frame of the card's length (8 channels: error map and residual), float32
        assertThat(artifact.card().signature().length()).isEqualTo(16);
        assertThat(Files.size(signatures)).isEqualTo(3000L * 16 * Float.BYTES);
        List<String> rows = Files.readAllLines(scores);
        assertThat(rows).hasSize(3001);
        assertThat(rows.get(0)).isEqualTo("index,score,threshold,anomalous,top_channel,top_channels");
        // every frame explained: its worst channel, then up to three channels with their shares of its error
        assertThat(rows.subList(1, rows.size())).allSatisfy(r -> assertThat(r)
                .matches("\\d+,[^,]+,[^,]+,(true|false),(ch[0-7]),\\2:[01]\\.\\d{4}(;ch[0-7]:[01]\\.\\d{4}){2}"));
        long flagged = rows.stream().skip(1).filter(FrameguardCliTest::anomalous).count();
        // Scored on (mostly) its own training data at a 5% target: a few percent flagged, not none, not most.
        assertThat(flagged).isBetween(30L, 300L);
    }

    @Test
    void trainOnADirectoryOfPngsAndScoreIt() throws Exception {
        // 300 noisy 16x12 gray images of a bright bar on the left, written as PNG files
        Path dir = Files.createDirectories(tmp.resolve("camera"));
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 300; i++) {
            java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(16, 12, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 12; y++) {
                for (int x = 0; x < 16; x++) {
                    int v = (x < 4 ? 200 : 40) + random.nextInt(20);
                    img.getRaster().setSample(x, y, 0, v);
                }
            }
            javax.imageio.ImageIO.write(img, "png", dir.resolve(String.format("frame-%04d.png", i)).toFile());
        }
        Path model = tmp.resolve("image-model");
        assertThat(FrameguardCli.run("train", "--data", dir.toString(), "--format", "png-dir", "--out", model.toString(),
                "--epochs", "5", "--architecture", "conv", "--version", "png-test")).isZero();
        ModelArtifact artifact = ModelArtifact.open(model);
        assertThat(artifact.card().input().image()).isEqualTo(new io.frameguard.frames.ImageGeometry(16, 12, 1));
        assertThat(artifact.card().name()).isEqualTo("image");
        assertThat(artifact.card().training().validationFrames()).isEqualTo(30);

        Path scores = tmp.resolve("image-scores.csv");
        assertThat(FrameguardCli.run("score", "--model", model.toString(), "--data", dir.toString(), "--format", "png-dir",
                "--out", scores.toString())).isZero();
        List<String> scored = Files.readAllLines(scores);
        assertThat(scored).hasSize(301);
        assertThat(scored.get(0)).isEqualTo("index,score,threshold,anomalous,region_x,region_y,region_width,region_height,"
                + "region_share,file");
        assertThat(scored.get(8)).startsWith("7,").endsWith(",frame-0007.png");
        // each image's region lies inside the 16x12 picture and holds a share of its error
        assertThat(scored.subList(1, 301)).allSatisfy(r -> {
            String[] f = r.split(",");
            assertThat(f).hasSize(10);
            int x = Integer.parseInt(f[4]), y = Integer.parseInt(f[5]), w = Integer.parseInt(f[6]), h = Integer.parseInt(f[7]);
            assertThat(x + w).isBetween(1, 16);
            assertThat(y + h).isBetween(1, 12);
            assertThat(Double.parseDouble(f[8])).isBetween(0.0, 1.0);
        });
        // a file that is no image is said and left out, the others scored under their own index and name
        Files.writeString(dir.resolve("frame-0003.png"), "not a picture");
        Files.write(dir.resolve("frame-0005.png"), Arrays.copyOf(Files.readAllBytes(dir.resolve("frame-0006.png")), 60));
        CommandErrorsTest.Run skipped = CommandErrorsTest.run("score", "--model", model.toString(), "--data", dir.toString(),
                "--out", scores.toString());
        assertThat(skipped.code()).as(skipped.err()).isZero();
        assertThat(skipped.err()).contains("skipped " + dir.resolve("frame-0003.png")).contains("frame-0005.png");
        assertThat(skipped.out()).contains("scored 298 frames").contains("2 unreadable image files skipped")
                .contains("above threshold " + String.format(java.util.Locale.ROOT, "%.4g", artifact.card().threshold().value()));
        List<String> rest = Files.readAllLines(scores);
        assertThat(rest).hasSize(299);
        assertThat(rest.get(4)).startsWith("4,").endsWith(",frame-0004.png");
        assertThat(rest.get(5)).startsWith("6,").endsWith(",frame-0006.png");
        // train reads every file of its data or none
        assertThat(CommandErrorsTest.run("train", "--data", dir.toString(), "--out", tmp.resolve("m2").toString()).err())
                .contains(dir.resolve("frame-0003.png") + ": not a PNG or JPEG");
        // score converts images to the model's size itself: another size asked for is refused, not ignored
        assertThat(FrameguardCli.run("score", "--model", model.toString(), "--data", dir.toString(), "--format", "png-dir",
                "--out", scores.toString(), "--image-size", "8x8x1")).isEqualTo(2);
        assertThat(FrameguardCli.run("score", "--model", model.toString(), "--data", dir.toString(), "--format", "png-dir",
                "--out", scores.toString(), "--image-size", "16x12x1")).isZero();
    }

    @Test
    void badArgumentsFailWithAMessage() {
        assertThat(FrameguardCli.run("train", "--data", tmp.resolve("missing.csv").toString(), "--format", "csv",
                "--out", tmp.resolve("m").toString())).isNotZero();
        assertThat(FrameguardCli.run("score", "--model", tmp.toString(), "--data", "x", "--format", "tiff", "--out", "y"))
                .isNotZero();
    }

    @Test
    void aSettingOutOfRangeIsAUsageErrorThatNamesIt() throws Exception {
        Path data = tmp.resolve("small.csv");
        assertThat(FrameguardCli.run("generate", "--out", data.toString(), "--frames", "300", "--dim", "4")).isZero();
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        int code;
        try {
            code = FrameguardCli.run("train", "--data", data.toString(), "--format", "csv", "--out",
                    tmp.resolve("refused").toString(), "--target-fpr", "0.7");
        } finally {
            System.setErr(err);
        }
        assertThat(code).isEqualTo(2);
        assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("frameguard train: target FPR must be in (0, 0.5)").doesNotContain("\tat ");
    }

    @Test
    void channelsOfVeryDifferentScalesAreEachWatched() throws Exception {
        // six channels following two shared signals, in units a millionth and a million times each other's
        double[] scale = {1e-6, 1e6, 1e-6, 1e6, 1e-6, 1e6};
        Path data = tmp.resolve("scales.csv");
        Files.write(data, CommandErrorsTest.csv(List.of("a", "b", "c", "d", "e", "f"), CommandErrorsTest.rows(1000, 1, scale)));
        Path model = tmp.resolve("scales-model");
        assertThat(FrameguardCli.run("train", "--data", data.toString(), "--format", "csv", "--out", model.toString(),
                "--epochs", "10")).isZero();
        // unseen normal rows, then the same rows with one channel ten of its standard deviations off: each channel in turn
        double[][] normal = CommandErrorsTest.rows(50, 2, scale);
        Path test = tmp.resolve("scales-test.csv");
        List<String> lines = new java.util.ArrayList<>(CommandErrorsTest.csv(List.of("a", "b", "c", "d", "e", "f"), normal));
        List<String> dShifted = null;
        for (int c = 0; c < 6; c++) {
            double[][] faulty = CommandErrorsTest.rows(50, 2, scale);
            double sd = c < 2 ? scale[c] : c < 4 ? Math.sqrt(2) * scale[c] : scale[c] * (c == 4 ? 0.51 : 1.005);
            for (double[] row : faulty) {
                row[c] += 10 * sd;
            }
            lines.addAll(CommandErrorsTest.csv(null, faulty));
            if (c == 3) {
                dShifted = CommandErrorsTest.csv(List.of("a", "b", "c", "d", "e", "f"), faulty);
            }
        }
        Files.write(test, lines);
        Path scores = tmp.resolve("scales-scores.csv");
        assertThat(FrameguardCli.run("score", "--model", model.toString(), "--data", test.toString(), "--format", "csv",
                "--out", scores.toString())).isZero();
        List<String> rows = Files.readAllLines(scores).subList(1, 351);
        assertThat(rows.subList(0, 50).stream().filter(FrameguardCliTest::anomalous).count()).as("normal rows flagged").isLessThan(5);
        for (int c = 0; c < 6; c++) {
            List<String> shifted = rows.subList(50 * (c + 1), 50 * (c + 2));
            long flagged = shifted.stream().filter(FrameguardCliTest::anomalous).count();
            assertThat(flagged).as("rows with channel " + c + " ten deviations off, flagged").isGreaterThanOrEqualTo(45);
            String name = List.of("a", "b", "c", "d", "e", "f").get(c);
            long named = shifted.stream().filter(r -> r.split(",")[4].equals(name)).count();
            assertThat(named).as("rows with channel " + name + " ten deviations off that name it first").isGreaterThanOrEqualTo(45);
        }
        // score sums up which channels the flagged frames name first
        CommandErrorsTest.Run r = CommandErrorsTest.run("score", "--model", model.toString(), "--data",
                Files.write(tmp.resolve("d-shifted.csv"), dShifted).toString(), "--out", tmp.resolve("d-scores.csv").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("(?m)^  named first above the threshold: d (4[5-9]|50)\\b");

        // a value float32 holds but the model's arithmetic does not (an instrument's overload marker): its score is no
        // number, which must not pass as normal
        List<String> overload = new java.util.ArrayList<>(CommandErrorsTest.csv(List.of("a", "b", "c", "d", "e", "f"), normal));
        String[] cells = overload.get(3).split(",");
        cells[1] = "3e38";
        overload.set(3, String.join(",", cells));
        Path overloadScores = tmp.resolve("overload-scores.csv");
        r = CommandErrorsTest.run("score", "--model", model.toString(), "--data",
                Files.write(tmp.resolve("overload.csv"), overload).toString(), "--out", overloadScores.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readAllLines(overloadScores).get(3)).startsWith("2,Infinity,").contains(",true,");
        assertThat(r.err()).contains("1 frame (the first at index 2) scored Infinity and anomalous");
    }

    /** The anomalous column of a row of {@code score}'s output. */
    private static boolean anomalous(String row) {
        return Boolean.parseBoolean(row.split(",")[3]);
    }
}
