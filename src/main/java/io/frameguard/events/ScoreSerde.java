package io.frameguard.events;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Serde of the score records: written in one of two {@link Format}s, read in either. A record is written for every
 * frame and read by the detector and by whoever else follows the scores, so its size and its cost are per-frame costs
 * of the broker and the service: the {@linkplain Format#BINARY binary} layout (the default) is a fraction of the JSON
 * one in bytes and in CPU. The reader tells the two apart by the first byte: JSON starts with '{', the binary layout
 * with its format byte. docs/EVENTS.md documents both.
 *
 * <p>Binary encoding 1 (of the record's layout version 2; it carries no schema version), after the format byte
 * {@value #BINARY_V1}: a flags byte (which optional parts follow), then in
 * order: source (string), frame (string topic, varint partition, varlong offset; flag), capture and scored timestamps
 * (8 bytes each, big-endian), score and model threshold (IEEE doubles), model version (string), validation rank
 * (double; flag), top channels (varint count, then per channel varint index, string name, double error, double share),
 * image region (varints x, y, width, height, doubles centroid x, y and share; flag), batch size (varint), inference
 * µs (varlong), signature (string kind, varint count, float32 values; flag), picture (flag; see {@link #writePicture}),
 * model median (double; flag). A string is a varint of its UTF-8 length plus one (0: absent), then the bytes; varints
 * are Kafka's (zig-zag) as in its record format.
 */
public final class ScoreSerde implements Serde<ScoreRecord>, Serializer<ScoreRecord>, Deserializer<ScoreRecord> {

    /** How the scorer writes score records ({@code frameguard.topics.scores-format}). */
    public enum Format {
        /** The compact binary layout (default). */
        BINARY,
        /** JSON (docs/EVENTS.md, schemas/score.schema.json), for consumers that read the scores with generic tools. */
        JSON;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The first byte of a binary score record (a JSON record starts with '{'). */
    public static final byte BINARY_V1 = 1;

    private static final int HAS_FRAME = 1;
    private static final int HAS_RANK = 1 << 1;
    private static final int HAS_REGION = 1 << 2;
    private static final int HAS_SIGNATURE = 1 << 3;
    private static final int HAS_PICTURE = 1 << 4;
    private static final int HAS_MEDIAN = 1 << 5;
    private static final int RECORD_FLAGS = HAS_FRAME | HAS_RANK | HAS_REGION | HAS_SIGNATURE | HAS_PICTURE | HAS_MEDIAN;
    private static final int HAS_WINDOW_CHANNELS = 1;
    private static final int HAS_RECONSTRUCTION = 1 << 1;
    private static final int PICTURE_FLAGS = HAS_WINDOW_CHANNELS | HAS_RECONSTRUCTION;

    /** Everything of a record but its strings and arrays, with room to spare. */
    private static final int FIXED_BYTES = 128;

    private static final JsonSerde<ScoreRecord> JSON_SERDE = new JsonSerde<>(ScoreRecord.class);

    private final Format format;

    public ScoreSerde(Format format) {
        this.format = format;
    }

    public Format format() {
        return format;
    }

    @Override
    public byte[] serialize(String topic, ScoreRecord r) {
        if (r == null) {
            return null;
        }
        return format == Format.JSON ? JSON_SERDE.serialize(topic, r) : binary(r);
    }

    @Override
    public ScoreRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == BINARY_V1) {
            return readBinary(topic, data);
        }
        return JSON_SERDE.deserialize(topic, data);
    }

    private static byte[] binary(ScoreRecord r) {
        byte[] source = utf8(r.source());
        byte[] frameTopic = r.frame() == null ? null : utf8(r.frame().topic());
        byte[] version = utf8(r.modelVersion());
        List<ChannelError> top = r.topChannels() == null ? List.of() : r.topChannels();
        List<byte[]> names = new ArrayList<>(top.size());
        int size = FIXED_BYTES + length(source) + length(frameTopic) + length(version);
        for (ChannelError c : top) {
            byte[] name = utf8(c.name());
            names.add(name);
            size += 32 + length(name);
        }
        byte[] kind = r.signature() == null ? null : utf8(r.signature().kind());
        if (r.signature() != null) {
            size += 10 + length(kind) + 4 * r.signature().values().length;
        }
        if (r.picture() != null) {
            Picture p = r.picture();
            size += 64 + length(p.errors()) + length(p.frame()) + length(p.reconstruction());
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(BINARY_V1);
        b.put((byte) ((r.frame() != null ? HAS_FRAME : 0) | (r.validationRank() != null ? HAS_RANK : 0)
                | (r.region() != null ? HAS_REGION : 0) | (r.signature() != null ? HAS_SIGNATURE : 0)
                | (r.picture() != null ? HAS_PICTURE : 0) | (r.modelMedian() != null ? HAS_MEDIAN : 0)));
        putBytes(b, source);
        if (r.frame() != null) {
            putBytes(b, frameTopic);
            ByteUtils.writeVarint(r.frame().partition(), b);
            ByteUtils.writeVarlong(r.frame().offset(), b);
        }
        b.putLong(r.captureTimestamp()).putLong(r.scoredTimestamp()).putDouble(r.score()).putDouble(r.modelThreshold());
        putBytes(b, version);
        if (r.validationRank() != null) {
            b.putDouble(r.validationRank());
        }
        ByteUtils.writeVarint(top.size(), b);
        for (int i = 0; i < top.size(); i++) {
            ChannelError c = top.get(i);
            ByteUtils.writeVarint(c.index(), b);
            putBytes(b, names.get(i));
            b.putDouble(c.error()).putDouble(c.share());
        }
        if (r.region() != null) {
            ImageRegion g = r.region();
            ByteUtils.writeVarint(g.x(), b);
            ByteUtils.writeVarint(g.y(), b);
            ByteUtils.writeVarint(g.width(), b);
            ByteUtils.writeVarint(g.height(), b);
            b.putDouble(g.centroidX()).putDouble(g.centroidY()).putDouble(g.share());
        }
        ByteUtils.writeVarint(r.batchSize(), b);
        ByteUtils.writeVarlong(r.inferenceMicros(), b);
        if (r.signature() != null) {
            putBytes(b, kind);
            float[] v = r.signature().values();
            ByteUtils.writeVarint(v.length, b);
            for (float x : v) {
                b.putFloat(x);
            }
        }
        if (r.picture() != null) {
            writePicture(b, r.picture());
        }
        if (r.modelMedian() != null) {
            b.putDouble(r.modelMedian());
        }
        byte[] out = new byte[b.position()];
        System.arraycopy(b.array(), 0, out, 0, out.length);
        return out;
    }

    /**
     * A picture: varints width, height, channels; float error scale; bytes errors; floats frame min and max; bytes
     * frame; a flags byte; varint window channels (flag); bytes reconstruction (flag). Bytes: a varint length plus one
     * (0: absent), then the bytes.
     */
    private static void writePicture(ByteBuffer b, Picture p) {
        ByteUtils.writeVarint(p.width(), b);
        ByteUtils.writeVarint(p.height(), b);
        ByteUtils.writeVarint(p.channels(), b);
        b.putFloat(p.errorScale());
        putBytes(b, p.errors());
        b.putFloat(p.frameMin()).putFloat(p.frameMax());
        putBytes(b, p.frame());
        b.put((byte) ((p.windowChannels() != null ? HAS_WINDOW_CHANNELS : 0) | (p.reconstruction() != null ? HAS_RECONSTRUCTION : 0)));
        if (p.windowChannels() != null) {
            ByteUtils.writeVarint(p.windowChannels(), b);
        }
        if (p.reconstruction() != null) {
            putBytes(b, p.reconstruction());
        }
    }

    private static ScoreRecord readBinary(String topic, byte[] data) {
        try {
            ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1);
            int flags = flags(b.get(), RECORD_FLAGS);
            String source = string(b);
            FrameRef frame = (flags & HAS_FRAME) != 0 ? new FrameRef(string(b), ByteUtils.readVarint(b), ByteUtils.readVarlong(b)) : null;
            long captured = b.getLong();
            long scored = b.getLong();
            double score = b.getDouble();
            double threshold = b.getDouble();
            String version = string(b);
            Double rank = (flags & HAS_RANK) != 0 ? b.getDouble() : null;
            int channels = count(b, data.length);
            List<ChannelError> top = channels == 0 ? null : new ArrayList<>(channels);
            for (int i = 0; i < channels; i++) {
                top.add(new ChannelError(ByteUtils.readVarint(b), string(b), b.getDouble(), b.getDouble()));
            }
            ImageRegion region = (flags & HAS_REGION) != 0 ? new ImageRegion(ByteUtils.readVarint(b), ByteUtils.readVarint(b),
                    ByteUtils.readVarint(b), ByteUtils.readVarint(b), b.getDouble(), b.getDouble(), b.getDouble()) : null;
            int batchSize = ByteUtils.readVarint(b);
            long inferenceMicros = ByteUtils.readVarlong(b);
            Signature signature = null;
            if ((flags & HAS_SIGNATURE) != 0) {
                String kind = string(b);
                float[] v = new float[count(b, data.length / 4)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.getFloat();
                }
                signature = new Signature(kind, v);
            }
            Picture picture = (flags & HAS_PICTURE) != 0 ? readPicture(b, data.length) : null;
            Double median = (flags & HAS_MEDIAN) != 0 ? b.getDouble() : null;
            if (b.hasRemaining()) {
                throw new SerializationException(b.remaining() + " bytes left over after a binary score record on " + topic);
            }
            return new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, frame, captured, scored, score, threshold, version, rank, top,
                    region, batchSize, inferenceMicros, signature, picture, median);
        } catch (BufferUnderflowException | IllegalArgumentException e) {
            throw new SerializationException("truncated or corrupt binary score record on " + topic, e);
        }
    }

    private static Picture readPicture(ByteBuffer b, int limit) {
        int width = ByteUtils.readVarint(b);
        int height = ByteUtils.readVarint(b);
        int channels = ByteUtils.readVarint(b);
        float errorScale = b.getFloat();
        byte[] errors = bytes(b, limit);
        float frameMin = b.getFloat();
        float frameMax = b.getFloat();
        byte[] frame = bytes(b, limit);
        int flags = flags(b.get(), PICTURE_FLAGS);
        Integer windowChannels = (flags & HAS_WINDOW_CHANNELS) != 0 ? ByteUtils.readVarint(b) : null;
        byte[] reconstruction = (flags & HAS_RECONSTRUCTION) != 0 ? bytes(b, limit) : null;
        return new Picture(width, height, channels, errorScale, errors, frameMin, frameMax, frame, windowChannels, reconstruction);
    }

    /** A flags byte with no bit outside {@code known} (a corrupt record, or one of a later encoding, is refused). */
    private static int flags(byte read, int known) {
        int flags = read & 0xff;
        if ((flags & ~known) != 0) {
            throw new IllegalArgumentException("unknown flags " + Integer.toBinaryString(flags));
        }
        return flags;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static int length(byte[] b) {
        return b == null ? 5 : b.length + 5;
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        if (bytes == null) {
            ByteUtils.writeVarint(0, b);
        } else {
            ByteUtils.writeVarint(bytes.length + 1, b);
            b.put(bytes);
        }
    }

    private static byte[] bytes(ByteBuffer b, int limit) {
        int n = ByteUtils.readVarint(b);
        if (n == 0) {
            return null;
        }
        byte[] out = new byte[count(n - 1, limit)];
        b.get(out);
        return out;
    }

    private static String string(ByteBuffer b) {
        int n = ByteUtils.readVarint(b);
        if (n == 0) {
            return null;
        }
        int length = count(n - 1, b.remaining());
        String s = new String(b.array(), b.arrayOffset() + b.position(), length, StandardCharsets.UTF_8);
        b.position(b.position() + length);
        return s;
    }

    private static int count(ByteBuffer b, int limit) {
        return count(ByteUtils.readVarint(b), limit);
    }

    /** A length or count read from a record: never negative, never more than the record could hold. */
    private static int count(int n, int limit) {
        if (n < 0 || n > limit) {
            throw new IllegalArgumentException("length " + n + " out of range");
        }
        return n;
    }

    @Override
    public Serializer<ScoreRecord> serializer() {
        return this;
    }

    @Override
    public Deserializer<ScoreRecord> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}
}
