package io.frameguard.heatmaps;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.Picture;
import io.frameguard.frames.ImageGeometry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class HeatmapRendererTest {

    @Test
    void overlaysTheErrorOnTheFrameAndOutlinesTheRegion() throws Exception {
        ImageGeometry g = new ImageGeometry(28, 28, 1);
        float[] frame = new float[g.dim()];
        java.util.Arrays.fill(frame, 0.5f);
        float[] errors = new float[g.pixels()];
        for (int y = 10; y < 14; y++) {
            for (int x = 20; x < 24; x++) {
                errors[y * 28 + x] = 1f;
            }
        }
        byte[] png = HeatmapRenderer.png(Pictures.of(g, g.dim(), frame, 0, errors, 0), 0.01);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(img.getWidth()).isEqualTo(280);
        assertThat(img.getHeight()).isEqualTo(280);
        int scale = 10;
        // no error: the frame's own gray, dimmed (0.5 * 0.6 * 255 = 76.5)
        int cold = img.getRGB(2 * scale + 5, 2 * scale + 5) & 0xffffff;
        assertThat(cold).isEqualTo(0x4d4d4d);
        // inside the anomaly, at the peak: the palette's hot end (yellow: red and green high, blue lower)
        int hot = img.getRGB(21 * scale + 5, 11 * scale + 5);
        int r = hot >> 16 & 0xff;
        int gr = hot >> 8 & 0xff;
        int b = hot & 0xff;
        assertThat(r).isGreaterThan(200);
        assertThat(gr).isGreaterThan(200);
        assertThat(b).isLessThan(r - 50);
        // a pixel error of 6x the model threshold, alone in the frame, is drawn far cooler than a gross one
        BufferedImage faint = ImageIO.read(new ByteArrayInputStream(
                HeatmapRenderer.png(Pictures.of(g, g.dim(), frame, 0, errorsWithOnly(g, 5, 5, 0.06f), 0), 0.01)));
        int f = faint.getRGB(5 * scale + 5, 5 * scale + 5);
        assertThat(f >> 16 & 0xff).isLessThan(150);
        // the outline of the region (cyan) runs along its top-left corner
        assertThat(img.getRGB(20 * scale, 10 * scale) & 0xffffff).isEqualTo(0x00ffff);
    }

    @Test
    void aLargeFrameIsReducedToAThumbnailThatKeepsAOnePixelDefect() {
        ImageGeometry g = new ImageGeometry(224, 160, ImageGeometry.RGB);
        float[] frame = new float[g.dim()];
        for (int p = 0; p < g.pixels(); p++) {
            frame[3 * p] = 0.8f; // red
            frame[3 * p + 2] = (p % g.width()) / (float) g.width(); // blue grows left to right
        }
        float[] errors = errorsWithOnly(g, 201, 77, 0.5f);
        errors[0] = 0.1f;
        Picture p = Pictures.of(g, g.dim(), frame, 0, errors, 0);
        // 224 / 64 rounds up to blocks of 4: 56 x 40 cells
        assertThat(p.width()).isEqualTo(56);
        assertThat(p.height()).isEqualTo(40);
        assertThat(p.wellFormed()).isTrue();
        // a block keeps its largest error, so the one bad pixel is the hottest cell, not a quarter of it
        int hot = (77 / 4) * 56 + 201 / 4;
        assertThat(p.error(hot)).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(0.002f));
        assertThat(p.error(0)).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(0.002f));
        assertThat(p.error(1)).isZero();
        // a block's colour is its mean
        assertThat(p.value(3 * hot)).isCloseTo(0.8f, org.assertj.core.data.Offset.offset(0.004f));
        assertThat(p.value(3 * hot + 2)).isCloseTo((200 + 1.5f) / 224f, org.assertj.core.data.Offset.offset(0.004f));
    }

    @Test
    void aSensorFramesPictureIsItsValuesInOneRowBetweenTheirMinimumAndMaximum() {
        float[] values = {-2f, 0f, 2f, 1f};
        float[] errors = {0f, 0.2f, 0.4f, 0.1f};
        Picture p = Pictures.of(null, 4, values, 0, errors, 0);
        assertThat(p.width()).isEqualTo(4);
        assertThat(p.height()).isEqualTo(1);
        assertThat(p.frameMin()).isEqualTo(-2f);
        assertThat(p.frameMax()).isEqualTo(2f);
        assertThat(p.value(1)).isCloseTo(0f, org.assertj.core.data.Offset.offset(0.01f));
        assertThat(p.error(2)).isEqualTo(0.4f);
    }

    /** Values that are not finite count as 0 in the range and in the picture; negative errors as none. */
    @Test
    void aSensorFramesPictureReadsItsRowInPlaceWithNonFiniteValuesAsZero() {
        float[] values = {9f, 9f, Float.NaN, 4f, Float.POSITIVE_INFINITY, 2f};
        float[] errors = {9f, -1f, Float.NaN, 0.5f, Float.NEGATIVE_INFINITY, 1f};
        Picture p = Pictures.of(null, 4, values, 2, errors, 1);
        assertThat(p.frameMin()).isEqualTo(0f);
        assertThat(p.frameMax()).isEqualTo(4f);
        assertThat(p.errorScale()).isEqualTo(0.5f);
        assertThat(p.value(0)).isZero();
        assertThat(p.value(1)).isEqualTo(4f);
        assertThat(p.value(2)).isZero();
        assertThat(p.value(3)).isCloseTo(2f, org.assertj.core.data.Offset.offset(0.02f));
        assertThat(p.error(0)).isZero();
        assertThat(p.error(1)).isZero();
        assertThat(p.error(2)).isEqualTo(0.5f);
        assertThat(p.error(3)).isZero();
        Picture none = Pictures.of(null, 2, new float[] {3f, 3f}, 0, new float[] {-1f, Float.NaN}, 0);
        assertThat(none.errorScale()).isZero();
        assertThat(none.value(1)).isEqualTo(3f); // min and max meet
    }

    /**
     * A row of channels scored by its worst channel: one channel at twice the model's threshold glows clearly (at the
     * scale of images' pixels, 25 thresholds, it was drawn at a twelfth of full heat, barely above the background).
     */
    @Test
    void aChannelAtTwiceTheThresholdGlows() throws Exception {
        float[] values = new float[16];
        float[] errors = new float[16];
        errors[5] = 20f;
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(HeatmapRenderer.png(Pictures.of(null, 16, values, 0, errors, 0), 10)));
        int column = 5 * HeatmapRenderer.STRIP_WIDTH / 16 + 2;
        assertThat(img.getRGB(column, HeatmapRenderer.STRIP_HEIGHT - 2) >> 16 & 0xff).isGreaterThan(100);
    }

    @Test
    void aSensorFrameIsDrawnAsALineOverColumnsThatGlowWhereTheErrorIs() throws Exception {
        float[] values = new float[64];
        float[] errors = new float[64];
        for (int i = 0; i < 64; i++) {
            values[i] = (float) Math.sin(i / 5.0);
        }
        errors[40] = 1f;
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(HeatmapRenderer.png(Pictures.of(null, 64, values, 0, errors, 0), 0.01)));
        assertThat(img.getWidth()).isEqualTo(HeatmapRenderer.STRIP_WIDTH);
        int hotColumn = 40 * HeatmapRenderer.STRIP_WIDTH / 64 + 2;
        int coldColumn = 10 * HeatmapRenderer.STRIP_WIDTH / 64 + 2;
        int hot = img.getRGB(hotColumn, HeatmapRenderer.STRIP_HEIGHT - 2);
        int cold = img.getRGB(coldColumn, HeatmapRenderer.STRIP_HEIGHT - 2);
        assertThat(hot >> 16 & 0xff).isGreaterThan(200);
        assertThat(cold >> 16 & 0xff).isLessThan(60);
        // the line: some pixel of a column is white
        boolean white = false;
        for (int y = 0; y < HeatmapRenderer.STRIP_HEIGHT; y++) {
            white |= (img.getRGB(coldColumn, y) & 0xffffff) == 0xffffff;
        }
        assertThat(white).isTrue();
    }

    private static float[] errorsWithOnly(ImageGeometry g, int x, int y, float e) {
        float[] errors = new float[g.pixels()];
        errors[y * g.width() + x] = e;
        return errors;
    }

    @Test
    void aPictureLargerThanAnyTheScorerMakesIsNotDrawnAndTheWidestWindowIsDrawnSmall() throws Exception {
        // from a hand-written memory record: a window of 131,072 channels (its heatmap would be 640 x 2 million pixels)
        int wide = 1 << 17;
        assertThat(new Picture(wide, 1, 1, 1f, new byte[wide], 0f, 1f, new byte[wide], wide, null).wellFormed()).isFalse();
        assertThat(new Picture(65, 65, 1, 1f, new byte[65 * 65], 0f, 1f, new byte[65 * 65]).wellFormed()).isFalse();
        assertThat(new Picture(Picture.MAX_SENSOR_VALUES + 1, 1, 1, 1f, new byte[Picture.MAX_SENSOR_VALUES + 1], 0f, 1f,
                new byte[Picture.MAX_SENSOR_VALUES + 1]).wellFormed()).isFalse();
        // the most channels a window picture may have, one cell each: drawn at most MAX_WINDOW_HEIGHT pixels tall
        int channels = Picture.MAX_WINDOW_CHANNELS;
        Picture widest = new Picture(channels, 1, 1, 1f, new byte[channels], 0f, 1f, new byte[channels], channels, null);
        assertThat(widest.wellFormed()).isTrue();
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(HeatmapRenderer.png(widest, 1.0)));
        assertThat(png.getHeight()).isBetween(channels, HeatmapRenderer.MAX_WINDOW_HEIGHT);
    }

    @Test
    void aLongWindowIsReducedAlongTimeNeverAcrossChannels() {
        int channels = 3;
        int steps = 4000; // 12,000 values: reduced by blocks of 6 steps
        float[] values = new float[channels * steps];
        float[] errors = new float[channels * steps];
        for (int s = 0; s < steps; s++) {
            for (int c = 0; c < channels; c++) {
                values[s * channels + c] = 10f * c + (s % 2); // each channel at its own level
            }
        }
        errors[(2000 * channels) + 1] = 0.5f; // one value of channel 1 at step 2000
        Picture p = Pictures.window(channels, values.length, values, 0, errors, 0);
        assertThat(p.windowChannels()).isEqualTo(channels);
        assertThat(p.wellFormed()).isTrue();
        assertThat(p.width()).isEqualTo(channels * (int) Math.ceil(steps / 6.0)).isLessThanOrEqualTo(Picture.MAX_SENSOR_VALUES);
        int kept = p.width() / channels;
        for (int s = 0; s < kept; s++) {
            for (int c = 0; c < channels; c++) {
                assertThat(p.value(s * channels + c)).isCloseTo(10f * c + 0.5f, org.assertj.core.data.Offset.offset(0.1f));
            }
        }
        int cell = (2000 / 6) * channels + 1;
        assertThat(p.error(cell)).as("a block keeps its largest error").isEqualTo(0.5f);
        assertThat(p.error(cell - 1)).isZero();
        assertThat(p.error(cell + 1)).isZero();
    }

    @Test
    void aReconstructionIsReducedAndScaledAsItsFrame() {
        int channels = 2;
        int steps = 3000; // blocks of 2 steps
        float[] values = new float[channels * steps];
        float[] rebuilt = new float[channels * steps];
        for (int s = 0; s < steps; s++) {
            values[s * channels] = s % 2; // channel 0 between 0 and 1
            values[s * channels + 1] = 10;
            rebuilt[s * channels] = 0.5f;
            rebuilt[s * channels + 1] = 20; // beyond the frame's range: clamped to its top
        }
        Picture p = Pictures.withReconstruction(Pictures.window(channels, values.length, values, 0, new float[values.length], 0),
                null, values.length, rebuilt, 0);
        assertThat(p.wellFormed()).isTrue();
        assertThat(p.reconstruction()).hasSameSizeAs(p.frame());
        assertThat(p.reconstructed(0)).isCloseTo(0.5f, org.assertj.core.data.Offset.offset(0.05f));
        assertThat(p.reconstructed(1)).isEqualTo(p.frameMax());

        ImageGeometry g = new ImageGeometry(128, 128, ImageGeometry.GRAY);
        float[] image = new float[g.dim()];
        float[] same = image.clone();
        java.util.Arrays.fill(same, 0.25f);
        Picture small = Pictures.withReconstruction(Pictures.of(g, g.dim(), image, 0, new float[g.pixels()], 0), g, g.dim(), same, 0);
        assertThat(small.reconstruction()).hasSize(64 * 64);
        assertThat(small.reconstructed(100)).isCloseTo(0.25f, org.assertj.core.data.Offset.offset(0.003f));
    }

    @Test
    void aWindowIsDrawnAsOneRowPerChannelGlowingWhereItsErrorIs() throws Exception {
        int channels = 4;
        int steps = 64;
        float[] values = new float[channels * steps];
        float[] errors = new float[channels * steps];
        for (int s = 0; s < steps; s++) {
            for (int c = 0; c < channels; c++) {
                values[s * channels + c] = (float) Math.sin(s / 5.0 + c);
            }
        }
        for (int s = 32; s < steps; s++) {
            errors[s * channels + 2] = 1f; // channel 2 goes wrong in the second half
        }
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(HeatmapRenderer.png(
                Pictures.window(channels, values.length, values, 0, errors, 0), 0.01)));
        int row = img.getHeight() / channels;
        assertThat(img.getHeight()).isEqualTo(channels * Math.max(HeatmapRenderer.MIN_CHANNEL_ROW, 400 / channels));
        int late = HeatmapRenderer.STRIP_WIDTH * 3 / 4;
        int early = HeatmapRenderer.STRIP_WIDTH / 4;
        assertThat(img.getRGB(late, 2 * row + 1) >> 16 & 0xff).as("channel 2, late").isGreaterThan(200);
        assertThat(img.getRGB(early, 2 * row + 1) >> 16 & 0xff).as("channel 2, early").isLessThan(60);
        assertThat(img.getRGB(late, 1) >> 16 & 0xff).as("channel 0, late").isLessThan(60);
    }
}
