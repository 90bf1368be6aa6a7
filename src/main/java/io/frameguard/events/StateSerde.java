package io.frameguard.events;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde for the detector's state-store values: a fixed binary layout behind a format byte. Streams' record cache
 * keeps values as bytes, so every frame reads and writes its source's state through this serde, which therefore
 * must be cheap (JSON was not: docs/benchmarks-history.md). State stores and their changelogs are internal, so no reader
 * outside the detector depends on the layout. Values written as JSON before this format existed (they start with
 * '{') are still read, so a detector upgraded in place restores its old changelogs; the next write replaces them.
 */
public final class StateSerde<T> implements Serializer<T> {

    /** Writes a value's fields after the format byte. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(DataOutputStream out, T value) throws IOException;
    }

    /** Reads what the {@link Writer} wrote. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    /** Reads what a {@link Writer} wrote in the given format (a type whose layout changed reads its older ones too). */
    @FunctionalInterface
    public interface VersionedReader<T> {
        T read(DataInputStream in, byte format) throws IOException;
    }

    /** The first byte of every binary value: bump it when a layout changes, and keep reading the old one. */
    public static final byte FORMAT_V1 = 1;
    private static final byte JSON_START = '{';

    private final Class<T> type;
    private final byte format;
    private final Writer<T> writer;
    private final VersionedReader<T> reader;
    private final JsonSerde<T> json;

    /** A layout that has only ever been {@link #FORMAT_V1}. */
    public StateSerde(Class<T> type, Writer<T> writer, Reader<T> reader) {
        this(type, FORMAT_V1, writer, (in, f) -> reader.read(in));
    }

    /**
     * A layout written as {@code format} (from {@link #FORMAT_V1} up); {@code reader} reads that and every earlier
     * format. A detector of an older release cannot read a newer format: such an upgrade stops every instance first.
     */
    public StateSerde(Class<T> type, byte format, Writer<T> writer, VersionedReader<T> reader) {
        this.type = type;
        this.format = format;
        this.writer = writer;
        this.reader = reader;
        this.json = new JsonSerde<>(type);
    }

    @Override
    public byte[] serialize(String topic, T value) {
        if (value == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(format);
            writer.write(out, value);
        } catch (IOException e) {
            throw new SerializationException("cannot write " + type.getSimpleName(), e);
        }
        return bytes.toByteArray();
    }

    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == JSON_START) {
            return json.deserialize(topic, data);
        }
        if (data.length == 0 || data[0] < FORMAT_V1 || data[0] > format) {
            throw new SerializationException("not a " + type.getSimpleName() + " state value on " + topic + ": format byte "
                    + (data.length == 0 ? "missing" : Byte.toString(data[0])));
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data, 1, data.length - 1))) {
            T value = reader.read(in, data[0]);
            if (in.available() > 0) {
                throw new SerializationException(in.available() + " bytes left over after a " + type.getSimpleName() + " on " + topic);
            }
            return value;
        } catch (IOException e) {
            throw new SerializationException("truncated " + type.getSimpleName() + " state value on " + topic, e);
        }
    }

    /** A nullable string: a presence flag, then modified UTF-8. */
    public static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s);
        }
    }

    public static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    /** This serializer and its {@link #deserialize} as the serde a store builder takes. */
    public Serde<T> serde() {
        Deserializer<T> deserializer = this::deserialize;
        return Serdes.serdeFrom(this, deserializer);
    }
}
