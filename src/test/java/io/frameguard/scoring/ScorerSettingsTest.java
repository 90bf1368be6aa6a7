package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The start-up check that a full batch fits, in one array and in the heap, before any frame is read; which frames are explained. */
class ScorerSettingsTest {

    private static ScorerSettings maxBatch(int maxBatch) {
        return new ScorerSettings(maxBatch, 32 << 20, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 2, 1_048_000, 3, 0.98, 0.5, false);
    }

    /** Explained: the frames the detector's lowest threshold (its floor factor times the card's) could call anomalous, or all. */
    @Test
    void framesAreExplainedFromTheDetectorsLowestThresholdOrAll() {
        assertThat(maxBatch(256).explainFrom(2.0)).isEqualTo(1.0);
        ScorerSettings every = new ScorerSettings(256, 32 << 20, 0, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(1), 2, 1_048_000, 3,
                0.98, 0.5, true);
        assertThat(every.explainFrom(2.0)).isEqualTo(Double.NEGATIVE_INFINITY);
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
                .hasMessageContaining("frameguard.scorer.workers (2)").hasMessageContaining("8192 MiB");
        assertThatCode(() -> maxBatch(256).checkFits(1024 * 1024, 2, 8L << 30)).doesNotThrowAnyException();
        assertThatCode(() -> maxBatch(256).checkFits(784, 1, 256L << 20)).doesNotThrowAnyException();
    }

    /**
     * One partition's fetch holds a full batch of float32 frames of the model's size (the consumer's 1 MB per partition
     * held about 1,000 such frames of 1,024 values whatever max-batch said), never less than the client's 1 MB and never
     * more than a batch's byte bound.
     */
    @Test
    void aPartitionsFetchHoldsAFullBatch() {
        assertThat(maxBatch(256).partitionFetchBytes(1024)).isEqualTo(1 << 20);
        assertThat(maxBatch(64).partitionFetchBytes(1024)).isEqualTo(1 << 20);
        assertThat(maxBatch(4096).partitionFetchBytes(1024)).isEqualTo(16 << 20);
        assertThat(maxBatch(4096).partitionFetchBytes(784)).isEqualTo(4096 * 784 * 4);
        assertThat(maxBatch(65_536).partitionFetchBytes(1024)).isEqualTo(32 << 20);
        assertThat(maxBatch(65_536).partitionFetchBytes(256 * 256 * 3)).isEqualTo(32 << 20);
    }

    /**
     * A candidate anomaly (its score record carries signature and picture) is a frame ranking high among the model's
     * validation scores, not every frame above half the threshold: for a window of 1,024 values nearly every normal
     * frame scores above half the threshold, so that rule would put a picture on every score record.
     */
    @Test
    void candidatesAreFramesThatRankHighAmongTheValidationScores() {
        ScorerSettings s = maxBatch(10);
        assertThat(s.candidate(0.95, 0.5, 1.0)).as("a typical frame of a tight error distribution").isFalse();
        assertThat(s.candidate(0.99, 0.93, 1.0)).isFalse();
        assertThat(s.candidate(0.99, 0.985, 1.0)).isTrue();
        assertThat(s.candidate(5.0, 1.0, 1.0)).isTrue();
        // a card without a validation sketch: the detector's floor
        assertThat(s.candidate(0.6, null, 1.0)).isTrue();
        assertThat(s.candidate(0.4, null, 1.0)).isFalse();
        assertThat(s.candidate(Double.NaN, null, 1.0)).isFalse();
    }
}
