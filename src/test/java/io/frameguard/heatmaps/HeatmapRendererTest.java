package io.frameguard.heatmaps;

import static org.assertj.core.api.Assertions.assertThat;

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
        byte[] png = HeatmapRenderer.png(new HeatmapStore.Heatmap("v1", g, frame, errors, 3.0, 0.01));
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
                HeatmapRenderer.png(new HeatmapStore.Heatmap("v1", g, frame, errorsWithOnly(g, 5, 5, 0.06f), 0.01, 0.01))));
        int f = faint.getRGB(5 * scale + 5, 5 * scale + 5);
        assertThat(f >> 16 & 0xff).isLessThan(150);
        // the outline of the region (cyan) runs along its top-left corner
        assertThat(img.getRGB(20 * scale, 10 * scale) & 0xffffff).isEqualTo(0x00ffff);
    }

    private static float[] errorsWithOnly(ImageGeometry g, int x, int y, float e) {
        float[] errors = new float[g.pixels()];
        errors[y * g.width() + x] = e;
        return errors;
    }
}
