package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

class FrameLoadTest {

    /** Sources per partition when source i goes to {@code partitionOf(i)}. */
    private static int[] spread(int partitions, java.util.function.IntUnaryOperator partitionOf) {
        int[] count = new int[partitions];
        for (int i = 0; i < FrameLoad.SOURCES; i++) {
            count[partitionOf.applyAsInt(i)]++;
        }
        return count;
    }

    @Test
    void theSourcesAreDealtEvenlyOverThePartitions() {
        for (int partitions : new int[] {1, 2, 4, 8, 16}) {
            assertThat(spread(partitions, i -> FrameLoad.partition(i, partitions)))
                    .as("%d partitions", partitions).containsOnly(FrameLoad.SOURCES / partitions);
        }
        // 3 partitions: 6, 5, 5
        assertThat(spread(3, i -> FrameLoad.partition(i, 3))).containsExactly(6, 5, 5);
    }

    @Test
    void theSourcesKeysAloneWouldPileUp() {
        // why the load names the partition: the producer's default partitioner (murmur2 of the key) puts the 16 keys
        // unevenly, so that one worker of several would hold most of the backlog
        int[] hashed = spread(8, i -> Utils.toPositive(Utils.murmur2(("machine-" + i).getBytes(StandardCharsets.UTF_8))) % 8);
        assertThat(java.util.Arrays.stream(hashed).max().getAsInt()).isGreaterThan(FrameLoad.SOURCES / 8);
    }
}
