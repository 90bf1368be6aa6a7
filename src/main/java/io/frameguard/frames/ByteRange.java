package io.frameguard.frames;

import java.nio.ByteBuffer;
import org.apache.kafka.common.utils.Utils;

/**
 * A payload's bytes as {@code bytes[from .. to)}, for decoders that read bytes by index. A record value the Kafka
 * consumer hands over as a buffer (a view into its fetch response, not a copy) is read in place; a buffer with no
 * accessible array is copied once.
 */
record ByteRange(byte[] bytes, int from, int to) {

    /** The buffer's bytes from its position to its limit; the buffer itself is left as it was. */
    static ByteRange of(ByteBuffer payload) {
        if (payload.hasArray()) {
            int from = payload.arrayOffset() + payload.position();
            return new ByteRange(payload.array(), from, from + payload.remaining());
        }
        byte[] copy = Utils.toArray(payload);
        return new ByteRange(copy, 0, copy.length);
    }

    int length() {
        return to - from;
    }
}
