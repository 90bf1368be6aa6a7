package io.frameguard.detection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.events.JsonSerde;
import java.util.Arrays;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The threshold store's values: binary round trip, older JSON values still read, damaged values refused. */
class SourceStateSerdeTest {

    private static final String TOPIC = "frameguard-detector-source-thresholds-changelog";

    @Test
    void binaryRoundTripKeepsEveryField() {
        SourceState state = new SourceState("sensors-20261123T101500Z", 0.8125, 1.0000000000000002, 0b1011L | Long.MIN_VALUE,
                -0.6931471805599453, 1234, 0b101L | 1L << 32, 77, 0.3125);
        byte[] bytes = SourceState.SERDE.serialize(TOPIC, state);
        assertThat(bytes[0]).isEqualTo((byte) 3);
        assertThat(SourceState.SERDE.deserialize(TOPIC, bytes)).isEqualTo(state);
        // smaller than the JSON it replaces
        assertThat(bytes.length).isLessThan(new JsonSerde<>(SourceState.class).serialize(TOPIC, state).length);
    }

    @Test
    void nullModelVersionSurvives() {
        SourceState state = new SourceState(null, 1.5, 2.5, 0L);
        assertThat(SourceState.SERDE.deserialize(TOPIC, SourceState.SERDE.serialize(TOPIC, state))).isEqualTo(state);
    }

    @Test
    void readsTheBinaryFormatOneThatEarlierDetectorsWrote() throws Exception {
        // format 1: version, base threshold, threshold, recent; no level
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(1);
            io.frameguard.events.StateSerde.writeNullable(out, "v1");
            out.writeDouble(0.5);
            out.writeDouble(0.75);
            out.writeLong(3L);
        }
        assertThat(SourceState.SERDE.deserialize(TOPIC, bytes.toByteArray())).isEqualTo(new SourceState("v1", 0.5, 0.75, 3L));
    }

    @Test
    void readsTheBinaryFormatTwoThatEarlierDetectorsWrote() throws Exception {
        // format 2: format 1 and the level; no pending steps, no episode (read from the exceedances: 20 of the newest 64)
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(2);
            io.frameguard.events.StateSerde.writeNullable(out, "v1");
            out.writeDouble(0.5);
            out.writeDouble(0.75);
            out.writeLong(0xFFFFF00000L);
            out.writeDouble(-0.7);
            out.writeInt(99);
        }
        assertThat(SourceState.SERDE.deserialize(TOPIC, bytes.toByteArray()))
                .isEqualTo(new SourceState("v1", 0.5, 0.75, 0xFFFFF00000L, -0.7, 99, 0, 1, 20 / 64.0));
    }

    @Test
    void readsTheJsonThatEarlierDetectorsWrote() {
        byte[] old = "{\"modelVersion\":\"v1\",\"baseThreshold\":0.5,\"threshold\":0.75,\"recent\":3}".getBytes();
        assertThat(SourceState.SERDE.deserialize(TOPIC, old)).isEqualTo(new SourceState("v1", 0.5, 0.75, 3L));
    }

    @Test
    void refusesUnknownFormatsAndTruncatedValues() {
        byte[] bytes = SourceState.SERDE.serialize(TOPIC, new SourceState("v1", 0.5, 0.75, 3L));
        byte[] unknown = bytes.clone();
        unknown[0] = 7;
        assertThatThrownBy(() -> SourceState.SERDE.deserialize(TOPIC, unknown)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("format byte 7");
        assertThatThrownBy(() -> SourceState.SERDE.deserialize(TOPIC, Arrays.copyOf(bytes, bytes.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 2);
        assertThatThrownBy(() -> SourceState.SERDE.deserialize(TOPIC, longer)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("left over");
    }
}
