package io.frameguard.frames;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A record value as the Kafka consumer hands it to the scorer: a view into a larger fetch response, with other bytes
 * (here digits, brackets and a PNG trailer, which a reader that strays past its frame would take for more frame) on
 * both sides.
 */
public final class FetchedBytes {

    private static final byte[] AROUND = "9,9]}\0\0\0\0IEND\u00aeB`\u0082 12345678".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private FetchedBytes() {
    }

    /** {@code value} in the middle of a larger array, as a slice (position 0, an array offset). */
    public static ByteBuffer slice(byte[] value) {
        return within(value).slice();
    }

    /** {@code value} in the middle of a larger array, at a position other than 0 (no array offset). */
    public static ByteBuffer within(byte[] value) {
        byte[] response = new byte[AROUND.length + value.length + AROUND.length];
        System.arraycopy(AROUND, 0, response, 0, AROUND.length);
        System.arraycopy(value, 0, response, AROUND.length, value.length);
        System.arraycopy(AROUND, 0, response, AROUND.length + value.length, AROUND.length);
        return ByteBuffer.wrap(response, AROUND.length, value.length);
    }

    /** The bytes of {@code buffer} from its position to its limit. */
    public static byte[] bytes(ByteBuffer buffer) {
        return Arrays.copyOfRange(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.arrayOffset() + buffer.limit());
    }
}
