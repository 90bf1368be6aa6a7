package io.frameguard.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The score records' two layouts: each written and read back whole, told apart by their first byte, bad bytes refused. */
class ScoreSerdeTest {

    private static final ScoreSerde BINARY = new ScoreSerde(ScoreSerde.Format.BINARY);
    private static final ScoreSerde JSON = new ScoreSerde(ScoreSerde.Format.JSON);

    /** A sensor frame's score as the scorer writes most of them: no signature, no picture. */
    private static final ScoreRecord SENSOR = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-2", new FrameRef("frames", 3, 641_000_123L),
            1_795_343_594_120L, 1_795_343_594_131L, 0.0123456789, 0.0093, "demo-20261122T104004Z", 0.4375,
            List.of(new ChannelError(2, "ch2", 20.4, 0.78), new ChannelError(1017, "bearing temp °C", 3.25e-3, 0.01),
                    new ChannelError(0, null, 0, 0)), null, 256, 900, null, null, 0.0081);

    /** A candidate image anomaly: region, signature, picture with every optional part. */
    private static final ScoreRecord IMAGE = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "camera-7 / line 3", new FrameRef("frames.images", 0, 0),
            -5, Long.MAX_VALUE, Double.MAX_VALUE, Double.MIN_VALUE, "v", 1.0, null, new ImageRegion(3, 4, 10, 12, 7.5, 9.25, 0.61),
            1, Long.MAX_VALUE, new Signature("image-grid-8+latent", new float[] {0.5f, -0.25f, Float.MIN_VALUE, 1e30f}),
            new Picture(28, 28, 1, 0.75f, bytes(784, 1), -1.5f, 2.5f, bytes(784, 2), 4, bytes(784, 3)), null);

    @Test
    void eachLayoutReadsBackTheRecordItWrote() {
        for (ScoreRecord r : List.of(SENSOR, IMAGE, minimal())) {
            for (ScoreSerde writer : List.of(BINARY, JSON)) {
                ScoreRecord back = BINARY.deserialize("scores", writer.serialize("scores", r));
                assertThat(back).as("%s through %s", r.source(), writer.format()).usingRecursiveComparison()
                        .ignoringFields("topChannels").isEqualTo(r);
                // an empty list of channels reads as none in both layouts
                assertThat(back.topChannels()).isEqualTo(r.topChannels() == null || r.topChannels().isEmpty() ? null : r.topChannels());
                assertThat(JSON.deserialize("scores", writer.serialize("scores", r))).usingRecursiveComparison().isEqualTo(back);
            }
        }
    }

    @Test
    void binaryIsTheDefaultAndAFractionOfTheJson() {
        byte[] binary = Topics.defaults().scores().serialize(SENSOR);
        byte[] json = JSON.serialize("scores", SENSOR);
        assertThat(binary[0]).isEqualTo(ScoreSerde.BINARY_V1);
        assertThat(json[0]).isEqualTo((byte) '{');
        assertThat(binary.length).as("binary %d bytes, JSON %d", binary.length, json.length).isLessThan(json.length * 2 / 5);
    }

    @Test
    void everyTruncationOrCorruptionIsASerializationError() {
        byte[] whole = BINARY.serialize("scores", IMAGE);
        for (int n = 1; n < whole.length; n++) {
            byte[] cut = Arrays.copyOf(whole, n);
            assertThatThrownBy(() -> BINARY.deserialize("scores", cut)).as("first %d of %d bytes", n, whole.length)
                    .isInstanceOf(SerializationException.class);
        }
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertThatThrownBy(() -> BINARY.deserialize("scores", longer)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("left over");
        Random random = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            byte[] noise = new byte[1 + random.nextInt(200)];
            random.nextBytes(noise);
            noise[0] = ScoreSerde.BINARY_V1;
            try {
                BINARY.deserialize("scores", noise);
            } catch (SerializationException expected) {
                // refused with a clear error: anything else (an out-of-memory from a huge length, an index error) fails the test
            }
        }
        assertThatThrownBy(() -> BINARY.deserialize("scores", "not a score".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void unknownFlagBitsAreRefused() {
        byte[] sensor = BINARY.serialize("scores", SENSOR);
        for (int bit = 6; bit < 8; bit++) {
            byte[] flagged = sensor.clone();
            flagged[1] |= (byte) (1 << bit);
            assertThatThrownBy(() -> BINARY.deserialize("scores", flagged)).isInstanceOf(SerializationException.class);
        }
    }

    private static ScoreRecord minimal() {
        return new ScoreRecord(ScoreRecord.SCHEMA_VERSION, null, new FrameRef("f", 0, 0), 0, 0, 0, 0, null, null, List.of(), null, 0, 0, null, null,
                null);
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
