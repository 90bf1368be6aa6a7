package io.frameguard.drift;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The drift store's values: binary round trip and the JSON of earlier detectors. */
class DriftStateSerdeTest {

    private static final String TOPIC = "frameguard-detector-source-drift-changelog";

    @Test
    void binaryRoundTripKeepsEveryField() {
        long[] counts = new long[DriftPolicy.BINS];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = i * 37L + 1;
        }
        DriftState state = new DriftState("v2", counts, 1_763_900_000_123L, true, 0.2734);
        DriftState back = DriftState.SERDE.deserialize(TOPIC, DriftState.SERDE.serialize(TOPIC, state));
        assertThat(back.modelVersion()).isEqualTo("v2");
        assertThat(back.counts()).containsExactly(counts);
        assertThat(back.windowStartTs()).isEqualTo(1_763_900_000_123L);
        assertThat(back.drifting()).isTrue();
        assertThat(back.lastPsi()).isEqualTo(0.2734);
    }

    @Test
    void freshStateKeepsItsNaN() {
        DriftState back = DriftState.SERDE.deserialize(TOPIC, DriftState.SERDE.serialize(TOPIC, DriftState.fresh("v1")));
        assertThat(back.lastPsi()).isNaN();
        assertThat(back.frames()).isZero();
        assertThat(back.windowStartTs()).isEqualTo(-1);
    }

    @Test
    void readsTheJsonThatEarlierDetectorsWrote() {
        byte[] old = "{\"modelVersion\":\"v1\",\"counts\":[1,2,3],\"windowStartTs\":42,\"drifting\":false,\"lastPsi\":0.5}".getBytes();
        DriftState back = DriftState.SERDE.deserialize(TOPIC, old);
        assertThat(back.counts()).containsExactly(1, 2, 3);
        assertThat(back.windowStartTs()).isEqualTo(42);
        assertThat(back.lastPsi()).isEqualTo(0.5);
    }
}
