package io.frameguard.events;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Headers the scorer adds to a frame it sends to the dead-letter topic (the frame's own headers, key, value and
 * timestamp are kept as they were). docs/EVENTS.md describes them for consumers of {@code frames.dlq}.
 */
public final class DeadLetterHeaders {

    /** Stable reason code ({@code FrameDecodeException}'s constants, e.g. {@code wrong-dimension}). */
    public static final String ERROR_REASON = "frameguard.error.reason";
    /** What exactly was wrong, for a person. */
    public static final String ERROR_MESSAGE = "frameguard.error.message";
    /** Where the frame was: topic, partition and offset, so it can be found and replayed. */
    public static final String SOURCE_TOPIC = "frameguard.source.topic";
    public static final String SOURCE_PARTITION = "frameguard.source.partition";
    public static final String SOURCE_OFFSET = "frameguard.source.offset";
    /** The model version that was active when the frame was refused. */
    public static final String MODEL_VERSION = "frameguard.model.version";
    /**
     * Present only when the copy was cut to fit the largest record the scorer writes: {@code key=K,value=V}, the
     * original sizes in bytes; the key and value kept are prefixes of the originals. A dead letter that keeps nothing of
     * the record adds {@code ,headers=N} when it left out the record's own N headers.
     */
    public static final String TRUNCATED = "frameguard.dlq.truncated";

    /**
     * The value of a dead letter that keeps nothing of its record: empty, not null, since readers (frameguard's own, and
     * most tools) take a record without a value for a deletion and skip it.
     */
    public static final byte[] NOTHING = new byte[0];

    /** Longest {@link #ERROR_MESSAGE} kept: a message quoting an exception chain must not make the dead letter too large. */
    static final int MAX_MESSAGE_CHARS = 1000;

    private DeadLetterHeaders() {
    }

    /**
     * A dead letter's headers: the record's own ({@code own}, null for none) and why and where from; the scorer adds the
     * model version.
     */
    public static Headers of(Headers own, String reason, String message, String topic, int partition, long offset) {
        Headers headers = new RecordHeaders(own == null ? new Header[0] : own.toArray());
        add(headers, ERROR_REASON, reason);
        add(headers, ERROR_MESSAGE, message.length() > MAX_MESSAGE_CHARS ? message.substring(0, MAX_MESSAGE_CHARS) + "..." : message);
        add(headers, SOURCE_TOPIC, topic);
        add(headers, SOURCE_PARTITION, Integer.toString(partition));
        add(headers, SOURCE_OFFSET, Long.toString(offset));
        return headers;
    }

    /**
     * The headers of a dead letter that keeps nothing of the record, the last resort when a copy does not fit: why and
     * where from, and what was left out ({@link #TRUNCATED}), with none of the record's own headers, which alone may fill
     * a record (a copy cut to its headers was still refused, and the partition stalled behind the frame).
     */
    public static Headers nothingKept(Headers own, int keyBytes, int valueBytes, String reason, String message, String topic,
            int partition, long offset) {
        Headers headers = of(null, reason, message, topic, partition, offset);
        int ownHeaders = own == null ? 0 : own.toArray().length;
        add(headers, TRUNCATED, "key=" + keyBytes + ",value=" + valueBytes + (ownHeaders > 0 ? ",headers=" + ownHeaders : ""));
        return headers;
    }

    /** Marks a copy cut to fit ({@link #TRUNCATED}) with the original sizes. */
    public static void truncated(Headers headers, int keyBytes, int valueBytes) {
        add(headers, TRUNCATED, "key=" + keyBytes + ",value=" + valueBytes);
    }

    /** A header with a UTF-8 value. */
    public static void add(Headers headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
