package io.frameguard.events;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.UTF8JsonGenerator;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.PrimitiveArrayDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Byte arrays in JSON as Base64 strings (RFC 4648, padded, no line breaks: the text Jackson writes by default), coded
 * with the JDK's {@link Base64} rather than Jackson's own coder, which goes a character at a time through its
 * variant's tables: the pictures that anomaly events and memory entries carry are kilobytes of Base64 per anomaly,
 * written by the detector and read by every replica's memory. What the JDK's decoder does not take (Base64 with line
 * breaks, arrays of numbers, text that is not Base64) goes to Jackson's own reader, which accepts or refuses it as it
 * always did; Base64 without its padding, which Jackson refused, is read.
 */
final class Base64Bytes {

    private Base64Bytes() {}

    /** The module that (de)serialises {@code byte[]} this way. */
    static SimpleModule module() {
        return new SimpleModule("frameguard-base64")
                .addSerializer(byte[].class, new Writer())
                .addDeserializer(byte[].class, new Reader());
    }

    private static final class Writer extends StdScalarSerializer<byte[]> {
        Writer() {
            super(byte[].class);
        }

        @Override
        public void serialize(byte[] value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            byte[] text = Base64.getEncoder().encode(value);
            if (gen instanceof UTF8JsonGenerator) {
                // Base64 text needs no escaping: written as it is, between quotes
                gen.writeRawUTF8String(text, 0, text.length);
            } else {
                // generators of characters or of tokens (a String, a tree, convertValue) take no raw bytes
                gen.writeString(new String(text, StandardCharsets.ISO_8859_1));
            }
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, byte[] value) {
            return value.length == 0;
        }
    }

    private static final class Reader extends StdScalarDeserializer<byte[]> {
        /** Jackson's own reader of byte arrays: whatever is not plain Base64 text goes to it, as before this module. */
        private static final JsonDeserializer<?> JACKSON = PrimitiveArrayDeserializers.forType(byte.class);

        Reader() {
            super(byte[].class);
        }

        @Override
        public byte[] deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_STRING)) {
                try {
                    return Base64.getDecoder().decode(p.getText());
                } catch (IllegalArgumentException e) {
                    // not plain Base64 (line breaks, as MIME encoders write; or not Base64 at all): Jackson's reader
                    // accepts the one and refuses the other, with its own message
                }
            }
            // arrays of numbers, embedded bytes, and the strings above
            return (byte[]) JACKSON.deserialize(p, ctxt);
        }
    }
}
