package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where a frame is on the frames topic. Its {@link #id()}, {@code TOPIC/PARTITION/OFFSET}, is the one identifier of a
 * frame and of everything written about it (its score, its anomaly event, its heatmap): unique and stable.
 */
public record FrameRef(String topic, int partition, long offset) {

    /** Where {@code frame} was read from. */
    public static FrameRef of(ConsumerRecord<?, ?> frame) {
        return new FrameRef(frame.topic(), frame.partition(), frame.offset());
    }

    /** The frame an id names ({@code TOPIC/PARTITION/OFFSET}, as {@link Verdict#eventId} admits), or null for none. */
    public static FrameRef parse(String id) {
        if (!Verdict.eventId(id)) {
            return null;
        }
        int offsetAt = id.lastIndexOf('/');
        int partitionAt = id.lastIndexOf('/', offsetAt - 1);
        try {
            return new FrameRef(id.substring(0, partitionAt), Integer.parseInt(id.substring(partitionAt + 1, offsetAt)),
                    Long.parseLong(id.substring(offsetAt + 1)));
        } catch (NumberFormatException e) { // a 19-digit offset beyond a long
            return null;
        }
    }

    /** {@code TOPIC/PARTITION/OFFSET}. */
    @JsonIgnore
    public String id() {
        return topic + "/" + partition + "/" + offset;
    }
}
