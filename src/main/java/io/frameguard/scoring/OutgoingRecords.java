package io.frameguard.scoring;

import io.frameguard.config.ScoresFormat;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Picture;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.ScoreSerde;
import io.frameguard.events.Signature;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.inference.ScoredFrame;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.utils.Utils;

/**
 * What the scorer writes about a frame: its score on the scores topic (with the other scores of its source in the
 * batch), or, when it cannot be scored, the frame itself on the dead-letter topic with the reason. Both keep the
 * frame's key and timestamp (a score record of several frames, the latest).
 *
 * <p>No record is larger than {@code maxRecordBytes} (framing included, estimated from above): a record the broker
 * refuses fails the whole transaction, and the same batch would fail again on every retry. The score record's size
 * is bounded by the key cap ({@code frameguard.frames.max-key-bytes}) and a record holds no more of a source's
 * scores than fit; a dead letter of a large frame is cut to fit,
 * keeping its reason, its coordinates and as much of the key and value as fit, and marked
 * {@link DeadLetterHeaders#TRUNCATED}.
 */
final class OutgoingRecords {

    /** Record and batch framing, from above: batch header, record attributes, varint lengths. */
    static final int RECORD_OVERHEAD = 128;
    /** Framing of one header, from above: its two varint lengths. */
    static final int HEADER_OVERHEAD = 10;

    private final Topics topics;
    private final int maxRecordBytes;

    OutgoingRecords(Topics topics, int maxRecordBytes) {
        this.topics = topics;
        this.maxRecordBytes = maxRecordBytes;
    }

    /**
     * The score of {@code frame}, computed at {@code scoredTimestamp} in a predictor call of {@code batchSize}; written
     * with the other scores of its batch by {@link #scores}.
     *
     * @param signature the frame's signature when it is to be carried (null otherwise)
     * @param picture the frame's picture when it is to be carried (null otherwise)
     * @param modelMedian the model card's validation median (null when the card has none)
     */
    static ScoreRecord score(ConsumerRecord<byte[], ByteBuffer> frame, ScoredFrame scored, Signature signature, Picture picture,
            long scoredTimestamp, double modelThreshold, Double modelMedian, String modelVersion, int batchSize,
            long inferenceMicros) {
        return new ScoreRecord(ScoreRecord.SCHEMA_VERSION, new String(frame.key(), StandardCharsets.UTF_8), FrameRef.of(frame),
                frame.timestamp(), scoredTimestamp, scored.score(), modelThreshold, modelVersion, scored.validationRank(),
                scored.topChannels(), scored.region(), batchSize, inferenceMicros, signature, picture, modelMedian);
    }

    /**
     * The records of a batch's scores ({@code scores[i]} of {@code frames[i]}, all from one predictor batch). In the
     * binary format, one record per source (the frame's key) and frames partition, with that source's frames in the
     * order they were read, split where a record would pass {@code maxRecordBytes}; its timestamp is its latest
     * frame's. In JSON, one record per frame, as generic tools expect.
     */
    List<ProducerRecord<byte[], byte[]>> scores(List<ConsumerRecord<byte[], ByteBuffer>> frames, List<ScoreRecord> scores) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        if (topics.scores().valueSerde() instanceof ScoreSerde serde && serde.format() == ScoresFormat.JSON) {
            for (int i = 0; i < frames.size(); i++) {
                out.add(scoreRecord(frames.get(i).key(), List.of(frames.get(i)), List.of(scores.get(i))));
            }
            return out;
        }
        Map<SourcePartition, List<Integer>> bySource = new LinkedHashMap<>();
        for (int i = 0; i < frames.size(); i++) {
            ConsumerRecord<byte[], ByteBuffer> f = frames.get(i);
            bySource.computeIfAbsent(new SourcePartition(ByteBuffer.wrap(f.key()), f.partition()), k -> new ArrayList<>()).add(i);
        }
        for (List<Integer> members : bySource.values()) {
            byte[] key = frames.get(members.get(0)).key();
            long room = maxRecordBytes - RECORD_OVERHEAD - key.length;
            List<ConsumerRecord<byte[], ByteBuffer>> part = new ArrayList<>();
            List<ScoreRecord> partScores = new ArrayList<>();
            long size = 0;
            for (int i : members) {
                int bound = ScoreSerde.sizeBound(scores.get(i));
                if (!part.isEmpty() && size + bound > room) {
                    out.add(scoreRecord(key, part, partScores));
                    part = new ArrayList<>();
                    partScores = new ArrayList<>();
                    size = 0;
                }
                part.add(frames.get(i));
                partScores.add(scores.get(i));
                size += bound;
            }
            out.add(scoreRecord(key, part, partScores));
        }
        return out;
    }

    /** A source's frames are grouped by their key's bytes: two keys that decode to the same text stay apart. */
    private record SourcePartition(ByteBuffer key, int partition) {}

    private ProducerRecord<byte[], byte[]> scoreRecord(byte[] key, List<ConsumerRecord<byte[], ByteBuffer>> frames,
            List<ScoreRecord> scores) {
        Long timestamp = null;
        for (ConsumerRecord<byte[], ByteBuffer> f : frames) {
            Long t = timestamp(f);
            if (t != null && (timestamp == null || t > timestamp)) {
                timestamp = t;
            }
        }
        return new ProducerRecord<>(topics.scores().name(), null, timestamp, key, topics.scores().serialize(new ScoreBatch(scores)));
    }

    /**
     * {@code frame} unchanged on the dead-letter topic, with {@link DeadLetterHeaders} saying why and where from; cut to
     * fit when too large, and keeping nothing of the frame ({@link #deadLetterKeepingNothing}) when its own headers alone
     * would not fit.
     */
    ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], ByteBuffer> frame, FrameDecodeException e, String modelVersion) {
        Headers headers = deadLetterHeaders(frame, e, modelVersion);
        byte[] key = frame.key();
        int valueLength = length(frame.value());
        int kept = valueLength;
        if (size(0, 0, headers) + TRUNCATED_HEADER_BYTES > maxRecordBytes) {
            return deadLetterKeepingNothing(frame, e, modelVersion);
        }
        if (size(length(key), valueLength, headers) > maxRecordBytes) {
            DeadLetterHeaders.truncated(headers, length(key), valueLength);
            long room = Math.max(0, maxRecordBytes - size(0, 0, headers));
            key = key == null ? null : Arrays.copyOf(key, (int) Math.min(key.length, room));
            kept = (int) Math.min(valueLength, room - length(key));
        }
        // the frame is a view into the consumer's fetch response: the dead letter gets its own copy of what it keeps
        byte[] value = frame.value() == null ? null : Utils.toArray(frame.value(), 0, kept);
        return new ProducerRecord<>(topics.dlq().name(), null, timestamp(frame), key, value, headers);
    }

    /**
     * A dead letter that keeps nothing of {@code frame}, the smallest there is ({@link DeadLetterHeaders#nothingKept}):
     * the reason, where the frame is and what was left out. Timestamped by the producer: the frame's own may be what a
     * topic's timestamp rule refused.
     */
    ProducerRecord<byte[], byte[]> deadLetterKeepingNothing(ConsumerRecord<byte[], ByteBuffer> frame, FrameDecodeException e,
            String modelVersion) {
        Headers headers = DeadLetterHeaders.nothingKept(frame.headers(), length(frame.key()), length(frame.value()), e.reason(),
                e.getMessage(), frame.topic(), frame.partition(), frame.offset());
        DeadLetterHeaders.add(headers, DeadLetterHeaders.MODEL_VERSION, modelVersion);
        // an empty value, not none: readers take a record without one for a deletion and skip it
        return new ProducerRecord<>(topics.dlq().name(), null, null, null, DeadLetterHeaders.NOTHING, headers);
    }

    /** Most bytes the {@link DeadLetterHeaders#TRUNCATED} header of a copy cut to fit takes, framing included. */
    private static final int TRUNCATED_HEADER_BYTES = 80;

    /** {@code frame}'s own headers and {@link DeadLetterHeaders} saying why and where from. */
    private static Headers deadLetterHeaders(ConsumerRecord<byte[], ByteBuffer> frame, FrameDecodeException e, String modelVersion) {
        Headers headers = DeadLetterHeaders.of(frame.headers(), e.reason(), e.getMessage(), frame.topic(), frame.partition(),
                frame.offset());
        DeadLetterHeaders.add(headers, DeadLetterHeaders.MODEL_VERSION, modelVersion);
        return headers;
    }

    /** The size of a record with this key, value and headers, framing included, estimated from above. */
    static long size(byte[] key, byte[] value, Headers headers) {
        return size(length(key), length(value), headers);
    }

    private static long size(int keyLength, int valueLength, Headers headers) {
        long size = RECORD_OVERHEAD + keyLength + valueLength;
        for (Header h : headers) {
            size += HEADER_OVERHEAD + utf8(h.key()).length + length(h.value());
        }
        return size;
    }

    private static int length(ByteBuffer bytes) {
        return bytes == null ? 0 : bytes.remaining();
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    /**
     * The frame's timestamp for the records written about it; null (the producer's clock) for a record without one
     * (-1), which a producer refuses and which would otherwise fail its batch on every retry.
     */
    private static Long timestamp(ConsumerRecord<byte[], ByteBuffer> r) {
        return r.timestamp() >= 0 ? r.timestamp() : null;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
