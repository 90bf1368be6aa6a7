package io.frameguard.events;

import io.frameguard.config.ScoresFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The score records' layouts: each written and read back whole, a source's frames of a batch in one binary record, told
 * apart by their first byte (the previous release's one-frame encoding too), bad bytes refused.
 */
class ScoreSerdeTest {

    private static final ScoreSerde BINARY = new ScoreSerde(ScoresFormat.BINARY);
    private static final ScoreSerde JSON = new ScoreSerde(ScoresFormat.JSON);

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

    /** Records of encoding 1 (one frame each), as the previous release wrote them (its ScoreSerde, 73d2dc3). */
    private static final String V1_SENSOR = "01230e70756d702d320e6672616d657306f68aa7e304000001a202d13288000001a202d132933f8948b0f8fab5e6"
            + "3f830be0ded288ce2c64656d6f2d3230323631313232543130343030345a3fdc00000000000004040863683240346666666666663fe8f5c28f"
            + "5c28f6f20f2262656172696e672074656d7020c2b0433f6a9fbe76c8b4393f847ae147ae147b8004880e3f8096bb98c7e282";
    private static final String V1_IMAGE = "011f1263616d6572612d371c6672616d65732e696d61676573000afffffffffffffffb00000000000003e83fe0000000"
            + "0000003fd000000000000004763ff00000000000000006081418401e00000000000040228000000000003fe3851eb851eb85029a010a677269"
            + "64043f000000be8000000404023f4000000a01020304bfc00000402000000a05060708020a090a0b0c";

    @Test
    void eachLayoutReadsBackTheRecordItWrote() {
        for (ScoreRecord r : List.of(SENSOR, IMAGE, minimal())) {
            for (ScoreSerde writer : List.of(BINARY, JSON)) {
                ScoreBatch read = BINARY.deserialize("scores", writer.serialize("scores", ScoreBatch.of(r)));
                assertThat(read.scores()).hasSize(1);
                ScoreRecord back = read.scores().get(0);
                assertThat(back).as("%s through %s", r.source(), writer.format()).usingRecursiveComparison()
                        .ignoringFields("topChannels").isEqualTo(r);
                // an empty list of channels reads as none in both layouts
                assertThat(back.topChannels()).isEqualTo(r.topChannels() == null || r.topChannels().isEmpty() ? null : r.topChannels());
                assertThat(JSON.deserialize("scores", writer.serialize("scores", ScoreBatch.of(r)))).usingRecursiveComparison().isEqualTo(read);
            }
        }
    }

    @Test
    void aSourcesFramesOfABatchAreReadBackInOrderFromOneRecord() {
        List<ScoreRecord> frames = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            // offsets with gaps (dead letters, other sources), capture times not in order, optional parts on some
            ScoreRecord base = i % 4 == 3 ? IMAGE : SENSOR;
            frames.add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, SENSOR.source(), new FrameRef("frames", 3, 1_000_000L + 7 * i + i * i),
                    SENSOR.captureTimestamp() + (i % 3 == 1 ? -40_000 : 250 * i), SENSOR.scoredTimestamp(), 0.001 * i, SENSOR.modelThreshold(),
                    SENSOR.modelVersion(), i % 5 == 0 ? null : i / 12.0, i % 4 == 3 ? null : SENSOR.topChannels(), base.region(),
                    SENSOR.batchSize(), SENSOR.inferenceMicros(), base.signature(), base.picture(), SENSOR.modelMedian()));
        }
        ScoreBatch batch = new ScoreBatch(frames);
        byte[] binary = BINARY.serialize("scores", batch);
        assertThat(binary[0]).isEqualTo(ScoreSerde.BINARY_BATCH);
        assertThat(BINARY.deserialize("scores", binary)).usingRecursiveComparison().isEqualTo(batch);
        byte[] json = JSON.serialize("scores", batch);
        assertThat(json[0]).isEqualTo((byte) '[');
        assertThat(BINARY.deserialize("scores", json)).usingRecursiveComparison().isEqualTo(batch);
        int bounds = frames.stream().mapToInt(ScoreSerde::sizeBound).sum();
        assertThat(binary.length).as("bytes written against the bound the scorer splits records by").isLessThanOrEqualTo(bounds);
    }

    @Test
    void framesThatDoNotShareTheirBatchsPartsAreNotWrittenAsOne() {
        ScoreRecord otherSource = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-3", SENSOR.frame(), SENSOR.captureTimestamp(),
                SENSOR.scoredTimestamp(), SENSOR.score(), SENSOR.modelThreshold(), SENSOR.modelVersion(), SENSOR.validationRank(),
                SENSOR.topChannels(), null, SENSOR.batchSize(), SENSOR.inferenceMicros(), null, null, SENSOR.modelMedian());
        ScoreRecord otherModel = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, SENSOR.source(), SENSOR.frame(), SENSOR.captureTimestamp(),
                SENSOR.scoredTimestamp(), SENSOR.score(), SENSOR.modelThreshold(), "another", SENSOR.validationRank(),
                SENSOR.topChannels(), null, SENSOR.batchSize(), SENSOR.inferenceMicros(), null, null, SENSOR.modelMedian());
        for (ScoreRecord other : List.of(otherSource, otherModel, IMAGE)) {
            assertThatThrownBy(() -> BINARY.serialize("scores", ScoreBatch.of(SENSOR, other))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("share");
        }
        assertThatThrownBy(() -> new ScoreBatch(List.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aRecordWithoutItsSourceOrWithFramesOutOfOrderIsNeitherWrittenNorRead() {
        ScoreRecord noSource = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, null, SENSOR.frame(), 0, 0, 0, 0, "m", null, null, null, 0, 0);
        assertThatThrownBy(() -> BINARY.serialize("scores", ScoreBatch.of(noSource))).isInstanceOf(IllegalArgumentException.class);
        ScoreRecord later = withOffset(SENSOR, SENSOR.frame().offset() + 5);
        assertThatThrownBy(() -> BINARY.serialize("scores", ScoreBatch.of(later, SENSOR))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("offset order");
        assertThatThrownBy(() -> BINARY.serialize("scores", ScoreBatch.of(SENSOR, SENSOR))).isInstanceOf(IllegalArgumentException.class);
        // the same frame twice, forged: refused when read (it would be judged twice)
        byte[] two = BINARY.serialize("scores", ScoreBatch.of(SENSOR, withOffset(SENSOR, SENSOR.frame().offset() + 1)));
        byte[] one = BINARY.serialize("scores", ScoreBatch.of(SENSOR));
        int second = one.length; // the second frame's part starts where a one-frame record ends (the counts are one byte)
        assertThat(two[second + 1]).as("the second frame's offset step, 1 in zig-zag").isEqualTo((byte) 2);
        byte[] forged = two.clone();
        forged[second + 1] = 0; // its offset step: 0
        assertThatThrownBy(() -> BINARY.deserialize("scores", forged)).isInstanceOf(SerializationException.class);
    }

    @Test
    void theSizeBoundHoldsForExtremeValues() {
        ScoreRecord extreme = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "\uD83D\uDE00".repeat(10), new FrameRef("\uD83D\uDE00", Integer.MAX_VALUE,
                Long.MAX_VALUE), Long.MIN_VALUE, Long.MIN_VALUE, -0.0, Double.NaN, "\u00e9".repeat(7), 1.0,
                List.of(new ChannelError(Integer.MIN_VALUE, "\uD83D\uDE00", 1, 1), new ChannelError(Integer.MAX_VALUE, null, 0, 0)),
                new ImageRegion(Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE, 1, 1, 1), Integer.MIN_VALUE,
                Long.MIN_VALUE, new Signature("\uD83D\uDE00", new float[3]), IMAGE.picture(), 1.0);
        for (ScoreRecord r : List.of(extreme, SENSOR, IMAGE, minimal())) {
            assertThat(BINARY.serialize("scores", ScoreBatch.of(r)).length).isLessThanOrEqualTo(ScoreSerde.sizeBound(r));
        }
    }

    private static ScoreRecord withOffset(ScoreRecord r, long offset) {
        return new ScoreRecord(r.schemaVersion(), r.source(), new FrameRef(r.frame().topic(), r.frame().partition(), offset),
                r.captureTimestamp(), r.scoredTimestamp(), r.score(), r.modelThreshold(), r.modelVersion(), r.validationRank(),
                r.topChannels(), r.region(), r.batchSize(), r.inferenceMicros(), r.signature(), r.picture(), r.modelMedian());
    }

    @Test
    void recordsOfEncodingOneAreStillRead() {
        ScoreRecord sensor = BINARY.deserialize("scores", HexFormat.of().parseHex(V1_SENSOR)).scores().get(0);
        assertThat(sensor).usingRecursiveComparison().isEqualTo(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "pump-2",
                new FrameRef("frames", 3, 641_000_123L), 1_795_343_594_120L, 1_795_343_594_131L, 0.0123456789, 0.0093,
                "demo-20261122T104004Z", 0.4375, List.of(new ChannelError(2, "ch2", 20.4, 0.78),
                        new ChannelError(1017, "bearing temp °C", 3.25e-3, 0.01)), null, 256, 900, null, null, 0.0081));
        ScoreRecord image = BINARY.deserialize("scores", HexFormat.of().parseHex(V1_IMAGE)).scores().get(0);
        assertThat(image).usingRecursiveComparison().isEqualTo(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "camera-7",
                new FrameRef("frames.images", 0, 5), -5, 1000, 0.5, 0.25, "v", 1.0, null, new ImageRegion(3, 4, 10, 12, 7.5, 9.25, 0.61),
                1, 77, new Signature("grid", new float[] {0.5f, -0.25f}),
                new Picture(2, 2, 1, 0.75f, new byte[] {1, 2, 3, 4}, -1.5f, 2.5f, new byte[] {5, 6, 7, 8}, null, new byte[] {9, 10, 11, 12}),
                null));
    }

    @Test
    void binaryIsTheDefaultAndAFractionOfTheJson() {
        byte[] binary = Topics.defaults().scores().serialize(ScoreBatch.of(SENSOR));
        byte[] json = JSON.serialize("scores", ScoreBatch.of(SENSOR));
        assertThat(binary[0]).isEqualTo(ScoreSerde.BINARY_BATCH);
        assertThat(json[0]).isEqualTo((byte) '{');
        assertThat(binary.length).as("binary %d bytes, JSON %d", binary.length, json.length).isLessThan(json.length * 2 / 5);
        List<ScoreRecord> sixteen = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            sixteen.add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, SENSOR.source(), new FrameRef("frames", 3, 641_000_123L + 16 * i),
                    SENSOR.captureTimestamp() + 10 * i, SENSOR.scoredTimestamp(), SENSOR.score(), SENSOR.modelThreshold(), SENSOR.modelVersion(),
                    SENSOR.validationRank(), SENSOR.topChannels(), null, SENSOR.batchSize(), SENSOR.inferenceMicros(), null, null,
                    SENSOR.modelMedian()));
        }
        int together = BINARY.serialize("scores", new ScoreBatch(sixteen)).length;
        // what a frame shares with its batch is written once
        assertThat(together).as("16 frames in one record: %d bytes, alone %d each", together, binary.length)
                .isLessThan(16 * binary.length * 3 / 4);
    }

    @Test
    void everyTruncationOrCorruptionIsASerializationError() {
        for (byte[] whole : List.of(BINARY.serialize("scores", ScoreBatch.of(IMAGE)),
                BINARY.serialize("scores", ScoreBatch.of(SENSOR, withOffset(SENSOR, SENSOR.frame().offset() + 3))),
                HexFormat.of().parseHex(V1_IMAGE))) {
            for (int n = 1; n < whole.length; n++) {
                byte[] cut = Arrays.copyOf(whole, n);
                assertThatThrownBy(() -> BINARY.deserialize("scores", cut)).as("first %d of %d bytes", n, whole.length)
                        .isInstanceOf(SerializationException.class);
            }
            byte[] longer = Arrays.copyOf(whole, whole.length + 1);
            assertThatThrownBy(() -> BINARY.deserialize("scores", longer)).isInstanceOf(SerializationException.class)
                    .hasMessageContaining("left over");
        }
        Random random = new Random(3);
        for (byte format : new byte[] {ScoreSerde.BINARY_V1, ScoreSerde.BINARY_BATCH}) {
            for (int i = 0; i < 2_000; i++) {
                byte[] noise = new byte[1 + random.nextInt(200)];
                random.nextBytes(noise);
                noise[0] = format;
                try {
                    BINARY.deserialize("scores", noise);
                } catch (SerializationException expected) {
                    // refused with a clear error: anything else (an out-of-memory from a huge length, an index error) fails the test
                }
            }
        }
        assertThatThrownBy(() -> BINARY.deserialize("scores", "not a score".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> BINARY.deserialize("scores", "[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class);
        // the JSON literal null is no score and no deletion: refused (dead-lettered by the detector), not dropped unseen
        assertThatThrownBy(() -> BINARY.deserialize("scores", " null".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("holds no score");
        assertThat(BINARY.deserialize("scores", null)).as("a deletion").isNull();
    }

    @Test
    void unknownFlagBitsAreRefused() {
        byte[] sensor = BINARY.serialize("scores", ScoreBatch.of(SENSOR));
        // the shared flags byte knows bits 0 and 5; a frame's (after the shared parts) bits 1 to 4
        for (int bit : new int[] {1, 2, 3, 4, 6, 7}) {
            byte[] flagged = sensor.clone();
            flagged[1] |= (byte) (1 << bit);
            assertThatThrownBy(() -> BINARY.deserialize("scores", flagged)).as("shared bit %d", bit).isInstanceOf(SerializationException.class);
        }
        byte[] v1 = HexFormat.of().parseHex(V1_SENSOR);
        for (int bit = 6; bit < 8; bit++) {
            byte[] flagged = v1.clone();
            flagged[1] |= (byte) (1 << bit);
            assertThatThrownBy(() -> BINARY.deserialize("scores", flagged)).isInstanceOf(SerializationException.class);
        }
    }

    @Test
    void aChannelsNameIsReadAsWrittenWhetherItRepeatsOrChanges() {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {"ch2", "ch2", "ch3", "inlet °C", "ch2", null, "ch2", "x".repeat(100), "x".repeat(100)}) {
            ScoreRecord r = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "s", new FrameRef("f", 0, 0), 0, 0, 0.5, 0.1, "v", null,
                    List.of(new ChannelError(2, name, 0.5, 1), new ChannelError(9000, name, 0.25, 0.5)), null, 1, 1, null, null, null);
            List<ChannelError> read = BINARY.deserialize("scores", BINARY.serialize("scores", ScoreBatch.of(r))).scores().get(0).topChannels();
            assertThat(read).extracting(ChannelError::name).containsExactly(name, name);
            names.add(read.get(0).name());
        }
        // a name read again is the String read before (the detector reads a few channels' names per frame)
        assertThat(names.get(1)).isSameAs(names.get(0));
    }

    @Test
    void twoModelsNamingAChannelDifferentlyEachKeepTheirName() {
        List<String> names = new ArrayList<>();
        for (String name : new String[] {"inlet °C", "ch77", "inlet °C", "ch77", "inlet °C"}) {
            ScoreRecord r = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "s", new FrameRef("f", 0, 0), 0, 0, 0.5, 0.1, "v", null,
                    List.of(new ChannelError(77, name, 0.5, 1)), null, 1, 1, null, null, null);
            names.add(BINARY.deserialize("scores", BINARY.serialize("scores", ScoreBatch.of(r))).scores().get(0).topChannels()
                    .get(0).name());
        }
        assertThat(names).containsExactly("inlet °C", "ch77", "inlet °C", "ch77", "inlet °C");
        // records of the model serving and of the one before it, interleaved: neither name is read anew each time
        assertThat(names.get(2)).isSameAs(names.get(0));
        assertThat(names.get(3)).isSameAs(names.get(1));
        assertThat(names.get(4)).isSameAs(names.get(0));
    }

    private static ScoreRecord minimal() {
        return new ScoreRecord(ScoreRecord.SCHEMA_VERSION, "s", new FrameRef("f", 0, 0), 0, 0, 0, 0, null, null, List.of(), null, 0, 0, null, null,
                null);
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
