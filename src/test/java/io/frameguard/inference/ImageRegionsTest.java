package io.frameguard.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.frameguard.events.ImageRegion;
import org.junit.jupiter.api.Test;

class ImageRegionsTest {

    @Test
    void regionIsTheConnectedBlobAroundThePeak() {
        int w = 10;
        int h = 8;
        float[] map = new float[3 + w * h];
        java.util.Arrays.fill(map, 0.01f);
        // a 3x2 blob at x 6..8, y 2..3, peak at (7, 3); a weaker separate spot at (1, 6) above the level
        for (int y = 2; y <= 3; y++) {
            for (int x = 6; x <= 8; x++) {
                map[3 + y * w + x] = 1f;
            }
        }
        map[3 + 3 * w + 7] = 2f;
        map[3 + 6 * w + 1] = 1.5f;
        ImageRegion r = ImageRegions.find(map, 3, w, h);
        assertThat(r.x()).isEqualTo(6);
        assertThat(r.y()).isEqualTo(2);
        assertThat(r.width()).isEqualTo(3);
        assertThat(r.height()).isEqualTo(2);
        double total = 0.01 * (w * h - 7) + 5 * 1 + 2 + 1.5;
        assertThat(r.share()).isCloseTo(7 / total, within(1e-6));
        assertThat(r.centroidX()).isCloseTo((6 + 7 * 2 + 8 + 6 + 7 + 8) / 7.0, within(1e-6));
        assertThat(r.centroidY()).isCloseTo((2 * 3 + 3 * 4) / 7.0, within(1e-6));
    }

    @Test
    void allZeroMapHasNoRegion() {
        assertThat(ImageRegions.find(new float[16], 0, 4, 4)).isNull();
    }
}
