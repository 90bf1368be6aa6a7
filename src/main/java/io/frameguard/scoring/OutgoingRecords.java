package io.frameguard.scoring;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.inference.ScoredFrame;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * What the scorer writes about a frame: its score on the scores topic, or, when it cannot be scored, the frame
 * itself on the dead-letter topic with the reason. Both keep the frame's key and timestamp.
 */
final class OutgoingRecords {

    private final Topics topics;

    OutgoingRecords(Topics topics) {
        this.topics = topics;
    }

    /** The score of {@code frame}, computed at {@code scoredTimestamp} in a predictor call of {@code batchSize}. */
    ProducerRecord<byte[], byte[]> score(ConsumerRecord<byte[], byte[]> frame, ScoredFrame scored, long scoredTimestamp,
            double modelThreshold, String modelVersion, int batchSize, long inferenceMicros) {
        ScoreRecord record = new ScoreRecord(ScoreRecord.SCHEMA_VERSION, new String(frame.key(), StandardCharsets.UTF_8),
                FrameRef.of(frame), frame.timestamp(), scoredTimestamp, scored.score(), modelThreshold, modelVersion,
                scored.validationRank(), scored.topChannels(), scored.region(), batchSize, inferenceMicros);
        return new ProducerRecord<>(topics.scores().name(), null, timestamp(frame), frame.key(), topics.scores().serialize(record));
    }

    /** {@code frame} unchanged on the dead-letter topic, with {@link DeadLetterHeaders} saying why and where from. */
    ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> frame, FrameDecodeException e, String modelVersion) {
        Headers headers = new RecordHeaders(frame.headers().toArray());
        headers.add(DeadLetterHeaders.ERROR_REASON, utf8(e.reason()));
        headers.add(DeadLetterHeaders.ERROR_MESSAGE, utf8(e.getMessage()));
        headers.add(DeadLetterHeaders.SOURCE_TOPIC, utf8(frame.topic()));
        headers.add(DeadLetterHeaders.SOURCE_PARTITION, utf8(Integer.toString(frame.partition())));
        headers.add(DeadLetterHeaders.SOURCE_OFFSET, utf8(Long.toString(frame.offset())));
        headers.add(DeadLetterHeaders.MODEL_VERSION, utf8(modelVersion));
        return new ProducerRecord<>(topics.dlq().name(), null, timestamp(frame), frame.key(), frame.value(), headers);
    }

    /**
     * The frame's timestamp for the records written about it; null (the producer's clock) for a record without one
     * (-1), which a producer refuses and which would otherwise fail its batch on every retry.
     */
    private static Long timestamp(ConsumerRecord<byte[], byte[]> r) {
        return r.timestamp() >= 0 ? r.timestamp() : null;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
