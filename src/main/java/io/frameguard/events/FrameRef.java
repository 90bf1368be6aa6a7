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

    /** {@code TOPIC/PARTITION/OFFSET}. */
    @JsonIgnore
    public String id() {
        return topic + "/" + partition + "/" + offset;
    }
}
