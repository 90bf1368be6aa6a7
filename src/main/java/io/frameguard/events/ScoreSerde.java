package io.frameguard.events;

import io.frameguard.config.ScoresFormat;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Serde of the {@code scores} topic's records ({@link ScoreBatch}): written in one of two {@link ScoresFormat}s, read in
 * either. A frame's score is written by the scorer and read by the detector and by whoever else follows the scores, so
 * its size and its cost are per-frame costs of the broker and the service: the {@linkplain ScoresFormat#BINARY binary}
 * layout (the default) holds all of a source's frames of a batch in one record and is a fraction of the JSON one in
 * bytes and in CPU. The reader tells the layouts apart by the first byte: JSON starts with '{' (one frame) or '['
 * (several), the binary encodings with their format byte. docs/EVENTS.md documents them.
 *
 * <p>Binary encoding 2 (of the record's layout version 2; it carries no schema version), after the format byte
 * {@value #BINARY_BATCH}: a flags byte (which optional shared parts follow), source (string), the frames' topic
 * (string) and partition (varint) (flag), scored timestamp (8 bytes, big-endian), model threshold (IEEE double), model
 * version (string), model median (double; flag), batch size (varint), inference µs (varlong), the number of frames
 * (varint), then per frame: a flags byte, its offset (varlong: the first absolute, then the difference from the frame
 * before; only with the shared frame coordinates), its capture timestamp (varlong, the same way), score (double),
 * validation rank (double; flag), top channels (varint count, then per channel varint index, string name, double error,
 * double share), image region (varints x, y, width, height, doubles centroid x, y and share; flag), signature (string
 * kind, varint count, float32 values; flag), picture (flag; see {@link #writePicture}). A string is a varint of its
 * UTF-8 length plus one (0: absent), then the bytes; varints are Kafka's (zig-zag) as in its record format.
 *
 * <p>Binary encoding 1 ({@value #BINARY_V1}, one frame per record, written by earlier releases) is still read: a flags
 * byte, source, frame (string topic, varint partition, varlong offset; flag), capture and scored timestamps, score and
 * model threshold, model version, validation rank (flag), top channels, image region (flag), batch size, inference µs,
 * signature (flag), picture (flag), model median (flag), each as above.
 */
public final class ScoreSerde implements Serde<ScoreBatch>, Serializer<ScoreBatch>, Deserializer<ScoreBatch> {

    /** The first byte of a binary score record of encoding 1 (one frame), which earlier releases wrote. */
    public static final byte BINARY_V1 = 1;
    /** The first byte of a binary score record of encoding 2 (a source's frames of a batch). */
    public static final byte BINARY_BATCH = 2;

    private static final int HAS_FRAME = 1;
    private static final int HAS_RANK = 1 << 1;
    private static final int HAS_REGION = 1 << 2;
    private static final int HAS_SIGNATURE = 1 << 3;
    private static final int HAS_PICTURE = 1 << 4;
    private static final int HAS_MEDIAN = 1 << 5;
    private static final int RECORD_FLAGS = HAS_FRAME | HAS_RANK | HAS_REGION | HAS_SIGNATURE | HAS_PICTURE | HAS_MEDIAN;
    private static final int SHARED_FLAGS = HAS_FRAME | HAS_MEDIAN;
    private static final int FRAME_FLAGS = HAS_RANK | HAS_REGION | HAS_SIGNATURE | HAS_PICTURE;
    private static final int HAS_WINDOW_CHANNELS = 1;
    private static final int HAS_RECONSTRUCTION = 1 << 1;
    private static final int PICTURE_FLAGS = HAS_WINDOW_CHANNELS | HAS_RECONSTRUCTION;

    /**
     * Everything of a frame's part but its strings and arrays, with room to spare: at most 129 bytes with every varint
     * at its longest (ScoreSerdeTest checks the bound against records of extreme values).
     */
    private static final int FIXED_BYTES = 160;
    /** The fewest bytes a frame's part takes (flags, offset, capture time, score, channel count). */
    private static final int MIN_FRAME_BYTES = 11;
    /** The fewest bytes a top channel takes (index, absent name, error, share). */
    private static final int MIN_CHANNEL_BYTES = 18;

    /** Each writing thread's buffer ({@link #scratch}); it grows to the largest record the thread has written. */
    private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(1 << 16));

    private static final JsonSerde<ScoreRecord> JSON_SERDE = new JsonSerde<>(ScoreRecord.class);
    private static final JsonSerde<ScoreRecord[]> JSON_ARRAY_SERDE = new JsonSerde<>(ScoreRecord[].class);

    private final ScoresFormat format;

    public ScoreSerde(ScoresFormat format) {
        this.format = format;
    }

    public ScoresFormat format() {
        return format;
    }

    /**
     * The most bytes {@code r} adds to a binary record of its batch (its shared parts counted too, so that a batch of
     * frames whose bounds add up to at most N is at most N bytes).
     */
    public static int sizeBound(ScoreRecord r) {
        int size = FIXED_BYTES + stringBound(r.source()) + (r.frame() == null ? 0 : stringBound(r.frame().topic()))
                + stringBound(r.modelVersion());
        if (r.topChannels() != null) {
            for (ChannelError c : r.topChannels()) {
                size += 32 + stringBound(c.name());
            }
        }
        if (r.signature() != null) {
            size += 10 + stringBound(r.signature().kind()) + 4 * r.signature().values().length;
        }
        if (r.picture() != null) {
            Picture p = r.picture();
            size += 64 + length(p.errors()) + length(p.frame()) + length(p.reconstruction());
        }
        return size;
    }

    /** A string's encoded length from above, without encoding it: UTF-8 takes at most three bytes per UTF-16 unit. */
    private static int stringBound(String s) {
        return s == null ? 5 : 3 * s.length() + 5;
    }

    @Override
    public byte[] serialize(String topic, ScoreBatch batch) {
        if (batch == null) {
            return null;
        }
        if (format == ScoresFormat.JSON) {
            return batch.size() == 1 ? JSON_SERDE.serialize(topic, batch.scores().get(0))
                    : JSON_ARRAY_SERDE.serialize(topic, batch.scores().toArray(ScoreRecord[]::new));
        }
        return binary(batch.scores());
    }

    @Override
    public ScoreBatch deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == BINARY_BATCH) {
            return readBatch(topic, data);
        }
        if (data.length > 0 && data[0] == BINARY_V1) {
            return ScoreBatch.of(readBinary(topic, data));
        }
        int first = 0;
        while (first < data.length && Character.isWhitespace(data[first])) {
            first++;
        }
        if (first < data.length && data[first] == '[') {
            ScoreRecord[] all = JSON_ARRAY_SERDE.deserialize(topic, data);
            if (all == null || all.length == 0 || Arrays.asList(all).contains(null)) {
                throw new SerializationException("a JSON score record on " + topic + " holds no score");
            }
            return ScoreBatch.of(all);
        }
        ScoreRecord single = JSON_SERDE.deserialize(topic, data);
        if (single == null) { // the JSON literal null: no score, and no deletion either (that has no value at all)
            throw new SerializationException("a JSON score record on " + topic + " holds no score");
        }
        return ScoreBatch.of(single);
    }

    private static byte[] binary(List<ScoreRecord> scores) {
        ScoreRecord first = scores.get(0);
        if (first.source() == null) {
            throw new IllegalArgumentException("a binary score record needs its source");
        }
        int size = 0;
        long previous = -1; // the first offset is not negative, each after the one before: as the reader checks them
        for (ScoreRecord r : scores) {
            if (!sharesBatch(first, r)) {
                throw new IllegalArgumentException("the scores of one binary record must share source, frames topic and "
                        + "partition, model, scoring time and predictor call: " + first.frame() + " and " + r.frame() + " do not");
            }
            if (r.frame() != null) {
                if (r.frame().offset() <= previous) {
                    throw new IllegalArgumentException("the frames of a binary score record are in offset order, each once: "
                            + r.frame() + " after offset " + previous);
                }
                previous = r.frame().offset();
            }
            size += sizeBound(r);
        }
        byte[] frameTopic = first.frame() == null ? null : utf8(first.frame().topic());
        ByteBuffer b = scratch(size);
        b.put(BINARY_BATCH);
        b.put((byte) ((first.frame() != null ? HAS_FRAME : 0) | (first.modelMedian() != null ? HAS_MEDIAN : 0)));
        putBytes(b, utf8(first.source()));
        if (first.frame() != null) {
            putBytes(b, frameTopic);
            ByteUtils.writeVarint(first.frame().partition(), b);
        }
        b.putLong(first.scoredTimestamp()).putDouble(first.modelThreshold());
        putBytes(b, utf8(first.modelVersion()));
        if (first.modelMedian() != null) {
            b.putDouble(first.modelMedian());
        }
        ByteUtils.writeVarint(first.batchSize(), b);
        ByteUtils.writeVarlong(first.inferenceMicros(), b);
        ByteUtils.writeVarint(scores.size(), b);
        long offset = 0;
        long captured = 0;
        for (ScoreRecord r : scores) {
            b.put((byte) ((r.validationRank() != null ? HAS_RANK : 0) | (r.region() != null ? HAS_REGION : 0)
                    | (r.signature() != null ? HAS_SIGNATURE : 0) | (r.picture() != null ? HAS_PICTURE : 0)));
            if (r.frame() != null) {
                ByteUtils.writeVarlong(r.frame().offset() - offset, b);
                offset = r.frame().offset();
            }
            ByteUtils.writeVarlong(r.captureTimestamp() - captured, b);
            captured = r.captureTimestamp();
            b.putDouble(r.score());
            if (r.validationRank() != null) {
                b.putDouble(r.validationRank());
            }
            List<ChannelError> top = r.topChannels() == null ? List.of() : r.topChannels();
            ByteUtils.writeVarint(top.size(), b);
            for (ChannelError c : top) {
                ByteUtils.writeVarint(c.index(), b);
                putBytes(b, utf8(c.name()));
                b.putDouble(c.error()).putDouble(c.share());
            }
            if (r.region() != null) {
                writeRegion(b, r.region());
            }
            if (r.signature() != null) {
                putBytes(b, utf8(r.signature().kind()));
                float[] v = r.signature().values();
                ByteUtils.writeVarint(v.length, b);
                for (float x : v) {
                    b.putFloat(x);
                }
            }
            if (r.picture() != null) {
                writePicture(b, r.picture());
            }
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /**
     * This thread's buffer to write a record into, cleared and limited to {@code size} bytes (a record past its bound
     * fails as it would in an array of that size): the bound is several times the record, and a new array of it would
     * be zeroed for every record only to be copied out of.
     */
    private static ByteBuffer scratch(int size) {
        ByteBuffer b = SCRATCH.get();
        if (b.capacity() < size) {
            b = ByteBuffer.allocate(Math.max(size, 2 * b.capacity()));
            SCRATCH.set(b);
        }
        b.clear().limit(size);
        return b;
    }

    /** Whether {@code r} has the parts that {@code first} gives its whole binary record. */
    private static boolean sharesBatch(ScoreRecord first, ScoreRecord r) {
        return r == first || (Objects.equals(first.source(), r.source())
                && (first.frame() == null) == (r.frame() == null)
                && (first.frame() == null || (first.frame().topic().equals(r.frame().topic())
                        && first.frame().partition() == r.frame().partition()))
                && first.scoredTimestamp() == r.scoredTimestamp()
                && Double.compare(first.modelThreshold(), r.modelThreshold()) == 0
                && Objects.equals(first.modelVersion(), r.modelVersion())
                && Objects.equals(first.modelMedian(), r.modelMedian())
                && first.batchSize() == r.batchSize() && first.inferenceMicros() == r.inferenceMicros());
    }

    private static void writeRegion(ByteBuffer b, ImageRegion g) {
        ByteUtils.writeVarint(g.x(), b);
        ByteUtils.writeVarint(g.y(), b);
        ByteUtils.writeVarint(g.width(), b);
        ByteUtils.writeVarint(g.height(), b);
        b.putDouble(g.centroidX()).putDouble(g.centroidY()).putDouble(g.share());
    }

    private static ImageRegion readRegion(ByteBuffer b) {
        return new ImageRegion(ByteUtils.readVarint(b), ByteUtils.readVarint(b), ByteUtils.readVarint(b), ByteUtils.readVarint(b),
                b.getDouble(), b.getDouble(), b.getDouble());
    }

    private static ScoreBatch readBatch(String topic, byte[] data) {
        try {
            ByteBuffer b = ByteBuffer.wrap(data, 1, data.length - 1);
            int shared = flags(b.get(), SHARED_FLAGS);
            String source = required(string(b), "source");
            String frameTopic = null;
            int partition = 0;
            if ((shared & HAS_FRAME) != 0) {
                frameTopic = required(string(b), "frames topic");
                partition = ByteUtils.readVarint(b);
                if (partition < 0) {
                    throw new IllegalArgumentException("partition " + partition);
                }
            }
            long scored = b.getLong();
            double threshold = b.getDouble();
            String version = string(b);
            Double median = (shared & HAS_MEDIAN) != 0 ? b.getDouble() : null;
            int batchSize = ByteUtils.readVarint(b);
            long inferenceMicros = ByteUtils.readVarlong(b);
            int count = count(b, b.remaining() / MIN_FRAME_BYTES);
            if (count == 0) {
                throw new IllegalArgumentException("no frames");
            }
            List<ScoreRecord> scores = new ArrayList<>(count);
            long offset = 0;
            long captured = 0;
            for (int n = 0; n < count; n++) {
                int flags = flags(b.get(), FRAME_FLAGS);
                FrameRef frame = null;
                if (frameTopic != null) {
                    long delta = ByteUtils.readVarlong(b);
                    // offsets as the scorer reads them: the first not negative, each after the one before
                    if (n == 0 ? delta < 0 : delta <= 0) {
                        throw new IllegalArgumentException("offset " + (n == 0 ? "" : "step ") + delta);
                    }
                    offset = Math.addExact(offset, delta);
                    frame = new FrameRef(frameTopic, partition, offset);
                }
                captured += ByteUtils.readVarlong(b);
                double score = b.getDouble();
                Double rank = (flags & HAS_RANK) != 0 ? b.getDouble() : null;
                List<ChannelError> top = readChannels(b);
                ImageRegion region = (flags & HAS_REGION) != 0 ? readRegion(b) : null;
                Signature signature = (flags & HAS_SIGNATURE) != 0 ? readSignature(b) : null;
                Picture picture = (flags & HAS_PICTURE) != 0 ? readPicture(b) : null;
                scores.add(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source, frame, captured, scored, score, threshold, version,
                        rank, top, region, batchSize, inferenceMicros, signature, picture, median));
            }
            if (b.hasRemaining()) {
                throw new SerializationException(b.remaining() + " bytes left over after a binary score record on " + topic);
            }
            return new ScoreBatch(scores);
        } catch (BufferUnderflowException | IllegalArgumentException | ArithmeticException e) {
            throw new SerializationException("truncated or corrupt binary score record on " + topic, e);
        }
    }

    private static String required(String s, String what) {
        if (s == null) {
            throw new IllegalArgumentException("no " + what);
        }
        return s;
    }

    /** Counts and lengths are checked against the bytes left, so a corrupt one cannot make a large allocation. */
    private static List<ChannelError> readChannels(ByteBuffer b) {
        int channels = count(b, b.remaining() / MIN_CHANNEL_BYTES);
        List<ChannelError> top = channels == 0 ? null : new ArrayList<>(channels);
        for (int i = 0; i < channels; i++) {
            int index = ByteUtils.readVarint(b);
            top.add(new ChannelError(index, channelName(b, index), b.getDouble(), b.getDouble()));
        }
        return top;
    }

    /** A channel's name as read last, with its bytes: every score record names the same few channels again. */
    private record ChannelName(byte[] utf8, String name) {
        /** Whether its name is the {@code length} bytes of {@code bytes} from {@code from}. */
        boolean is(byte[] bytes, int from, int length) {
            return Arrays.equals(utf8, 0, utf8.length, bytes, from, from + length);
        }
    }

    /** Channels whose names are kept ({@link #NAMES}); the names of channels past it are read each time. */
    private static final int NAMED_CHANNELS = 4096;
    /** The longest name kept, in bytes: a record from elsewhere may hold long ones, which are read each time. */
    private static final int NAME_BYTES_KEPT = 64;
    /**
     * The two names read last for each channel index (at {@code 2 index}, the newer, and {@code 2 index + 1}): two models
     * that name a channel differently (the one serving and the one before it, or two sources' models) each keep theirs.
     * Shared by every reading thread, each entry immutable, so a thread sees an old entry, a new one or none, and its
     * bytes are compared before its name is used.
     */
    private static final ChannelName[] NAMES = new ChannelName[2 * NAMED_CHANNELS];

    /** A top channel's name (a string, as {@link #string} reads it), the same String as before when its bytes are. */
    private static String channelName(ByteBuffer b, int index) {
        if (index < 0 || index >= NAMED_CHANNELS) {
            return string(b);
        }
        int length = lengthRead(b);
        if (length < 0) {
            return null;
        }
        if (length > NAME_BYTES_KEPT) {
            return text(b, length);
        }
        int from = b.arrayOffset() + b.position();
        ChannelName newer = NAMES[2 * index];
        ChannelName older = NAMES[2 * index + 1];
        ChannelName known = newer != null && newer.is(b.array(), from, length) ? newer
                : older != null && older.is(b.array(), from, length) ? older : null;
        if (known != null) {
            b.position(b.position() + length);
            return known.name();
        }
        byte[] utf8 = Arrays.copyOfRange(b.array(), from, from + length);
        String name = text(b, length);
        NAMES[2 * index + 1] = newer;
        NAMES[2 * index] = new ChannelName(utf8, name);
        return name;
    }

    private static Signature readSignature(ByteBuffer b) {
        String kind = string(b);
        float[] v = new float[count(b, b.remaining() / 4)];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getFloat();
        }
        return new Signature(kind, v);
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

    /** A record of encoding 1: one frame. */
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
            List<ChannelError> top = readChannels(b);
            ImageRegion region = (flags & HAS_REGION) != 0 ? readRegion(b) : null;
            int batchSize = ByteUtils.readVarint(b);
            long inferenceMicros = ByteUtils.readVarlong(b);
            Signature signature = (flags & HAS_SIGNATURE) != 0 ? readSignature(b) : null;
            Picture picture = (flags & HAS_PICTURE) != 0 ? readPicture(b) : null;
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

    private static Picture readPicture(ByteBuffer b) {
        int width = ByteUtils.readVarint(b);
        int height = ByteUtils.readVarint(b);
        int channels = ByteUtils.readVarint(b);
        float errorScale = b.getFloat();
        byte[] errors = bytes(b);
        float frameMin = b.getFloat();
        float frameMax = b.getFloat();
        byte[] frame = bytes(b);
        int flags = flags(b.get(), PICTURE_FLAGS);
        Integer windowChannels = (flags & HAS_WINDOW_CHANNELS) != 0 ? ByteUtils.readVarint(b) : null;
        byte[] reconstruction = (flags & HAS_RECONSTRUCTION) != 0 ? bytes(b) : null;
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

    private static byte[] bytes(ByteBuffer b) {
        int length = lengthRead(b);
        if (length < 0) {
            return null;
        }
        byte[] out = new byte[length];
        b.get(out);
        return out;
    }

    private static String string(ByteBuffer b) {
        int length = lengthRead(b);
        return length < 0 ? null : text(b, length);
    }

    /**
     * The length written before a string (of its UTF-8) or a byte array: a varint of the length plus one, checked
     * against the bytes left; -1: absent.
     */
    private static int lengthRead(ByteBuffer b) {
        int n = ByteUtils.readVarint(b);
        return n == 0 ? -1 : count(n - 1, b.remaining());
    }

    /** The next {@code length} bytes as UTF-8 text. */
    private static String text(ByteBuffer b, int length) {
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
    public Serializer<ScoreBatch> serializer() {
        return this;
    }

    @Override
    public Deserializer<ScoreBatch> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

    @Override
    public void close() {}
}
