package io.frameguard.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Pictures' bytes in JSON: the same text as Jackson's own Base64, read back exactly, and anything else refused. */
class Base64BytesTest {

    private static final JsonSerde<Picture> SERDE = new JsonSerde<>(Picture.class);

    private static Picture picture(int cells, long seed) {
        Random random = new Random(seed);
        byte[] errors = new byte[cells];
        byte[] frame = new byte[cells];
        byte[] reconstruction = new byte[cells];
        random.nextBytes(errors);
        random.nextBytes(frame);
        random.nextBytes(reconstruction);
        return new Picture(cells, 1, 1, 0.5f, errors, -1f, 2f, frame, null, reconstruction);
    }

    @Test
    void writesWhatJacksonsOwnCoderWritesAndReadsItBack() throws Exception {
        ObjectMapper plain = new ObjectMapper();
        // every length modulo 3 (padding of none, one and two characters), and an empty array
        for (int cells = 0; cells < 70; cells++) {
            Picture p = picture(cells, cells);
            byte[] json = SERDE.serialize("t", p);
            ObjectNode written = (ObjectNode) plain.readTree(json);
            for (String field : new String[] {"errors", "frame", "reconstruction"}) {
                assertEquals(plain.writeValueAsString(plain.convertValue(p, ObjectNode.class).get(field)),
                        plain.writeValueAsString(written.get(field)), field + " of " + cells + " cells");
            }
            Picture read = SERDE.deserialize("t", json);
            assertArrayEquals(p.errors(), read.errors());
            assertArrayEquals(p.frame(), read.frame());
            assertArrayEquals(p.reconstruction(), read.reconstruction());
            // what Jackson's own coder wrote is read the same
            Picture viaJackson = SERDE.deserialize("t", plain.writeValueAsBytes(p));
            assertArrayEquals(p.frame(), viaJackson.frame());
        }
    }

    @Test
    void stringsTreesAndConversionsCarryTheSameText() throws Exception {
        Picture p = picture(10, 7);
        String asBytes = new String(SERDE.serialize("t", p), StandardCharsets.UTF_8);
        // a generator of characters or of tokens takes no raw bytes: the text must come out the same all the same
        assertEquals(asBytes, JsonSerde.MAPPER.writeValueAsString(p));
        assertEquals(asBytes, JsonSerde.MAPPER.writeValueAsString(JsonSerde.MAPPER.valueToTree(p)));
        Picture converted = JsonSerde.MAPPER.convertValue(p, Picture.class);
        assertArrayEquals(p.errors(), converted.errors());
        assertArrayEquals(p.reconstruction(), converted.reconstruction());
    }

    @Test
    void anAbsentArrayStaysAbsent() {
        Picture p = new Picture(2, 1, 1, 1f, new byte[] {1, 2}, 0f, 1f, new byte[] {3, 4});
        byte[] json = SERDE.serialize("t", p);
        assertTrue(!new String(json, StandardCharsets.UTF_8).contains("reconstruction"));
        assertNull(SERDE.deserialize("t", json).reconstruction());
    }

    private static byte[] withErrors(String errors) {
        return ("{\"width\":2,\"height\":1,\"channels\":1,\"errorScale\":1,\"errors\":" + errors
                + ",\"frameMin\":0,\"frameMax\":1,\"frame\":\"AQI=\"}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whatJacksonsReaderTookIsStillTaken() {
        // line breaks as MIME encoders write them (Python's base64.encodebytes, Java's MIME encoder), an array of
        // numbers, and Base64 without its padding
        for (String errors : new String[] {"\"AQ==\\n\"", "\"AQIDBAUG\\nBwg=\\n\"", "[1]", "\"AQ\""}) {
            byte[] read = SERDE.deserialize("t", withErrors(errors)).errors();
            assertEquals(1, read[0], errors);
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, SERDE.deserialize("t", withErrors("\"AQIDBAUG\\nBwg=\\n\"")).errors());
    }

    @Test
    void textThatIsNotBase64IsRefusedAsAValueOfTheWrongFormat() {
        for (String errors : new String[] {"\"AQ*C\"", "\"AQI\\u0000\"", "\"A\"", "\"é===\"", "12", "{}"}) {
            SerializationException e = assertThrows(SerializationException.class, () -> SERDE.deserialize("t", withErrors(errors)), errors);
            // Jackson's own refusal of the field, not any failure of the record
            assertTrue(e.getCause() instanceof MismatchedInputException, errors + ": " + e.getCause());
            assertTrue(e.getCause().getMessage().contains("byte[]"), e.getCause().getMessage());
        }
    }
}
