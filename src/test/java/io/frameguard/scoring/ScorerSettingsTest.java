package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The start-up check that a full batch fits, in one array and in the heap, before any frame is read. */
class ScorerSettingsTest {

    private static ScorerSettings maxBatch(int maxBatch) {
        return new ScorerSettings(maxBatch, 32 << 20, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 2, 1_048_000, 3, 0.5);
    }

    @Test
    void aBatchTooLargeForOneArrayFailsNamingTheSetting() {
        // 65,536 frames of a 256x256 RGB image: 12.9 G values, which an int product wraps to 0
        assertThatThrownBy(() -> maxBatch(65_536).checkFits(256 * 256 * 3, 1, Long.MAX_VALUE))
                .hasMessageContaining("frameguard.scorer.max-batch (65536)").hasMessageContaining("at most 10922");
    }

    @Test
    void batchesOfAllWorkersTooLargeForTheHeapFail() {
        assertThatThrownBy(() -> maxBatch(256).checkFits(1024 * 1024, 2, 1L << 30))
                .hasMessageContaining("frameguard.scorer.workers (2)").hasMessageContaining("6144 MiB");
        assertThatCode(() -> maxBatch(256).checkFits(1024 * 1024, 2, 8L << 30)).doesNotThrowAnyException();
        assertThatCode(() -> maxBatch(256).checkFits(784, 1, 256L << 20)).doesNotThrowAnyException();
    }
}
