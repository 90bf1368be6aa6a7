package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorBuffersTest {

    @Test
    void batchesOfFullCallsAndASmallerLastOneReuseBothArrays() {
        ErrorBuffers buffers = new ErrorBuffers();
        float[] full = buffers.forLength(64);
        assertThat(full).hasSize(64);
        assertThat(buffers.forLength(64)).isSameAs(full);
        float[] last = buffers.forLength(8);
        assertThat(last).hasSize(8);
        for (int batch = 0; batch < 3; batch++) { // 64 + 64 + 8 frames a batch
            assertThat(buffers.forLength(64)).isSameAs(full);
            assertThat(buffers.forLength(64)).isSameAs(full);
            assertThat(buffers.forLength(8)).isSameAs(last);
        }
    }

    @Test
    void aThirdLengthTakesThePlaceOfTheOneUsedLeastRecently() {
        ErrorBuffers buffers = new ErrorBuffers();
        float[] a = buffers.forLength(10);
        float[] b = buffers.forLength(20);
        float[] c = buffers.forLength(30);
        assertThat(c).hasSize(30).isNotSameAs(a).isNotSameAs(b);
        assertThat(buffers.forLength(20)).isSameAs(b);
        assertThat(buffers.forLength(10)).isNotSameAs(a).hasSize(10);
    }
}
