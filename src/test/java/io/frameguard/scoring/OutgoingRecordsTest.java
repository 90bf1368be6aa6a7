package io.frameguard.scoring;

import io.frameguard.config.ScoresFormat;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Picture;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.ScoreSerde;
import io.frameguard.events.Topics;
import io.frameguard.frames.FetchedBytes;
import io.frameguard.frames.FrameDecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** What the scorer writes: its scores grouped per source and partition, within the largest record; dead letters cut to fit. */
class OutgoingRecordsTest {

    private static final int MAX = 1_048_000;
    private static final OutgoingRecords RECORDS = new OutgoingRecords(Topics.defaults(), MAX);
    private static final FrameDecodeException TOO_LARGE = new FrameDecodeException(FrameDecodeException.TOO_LARGE,
            "frame of 1048400 bytes exceeds frameguard.frames.max-bytes=1000000");

    private static ConsumerRecord<byte[], ByteBuffer> frame(int keyBytes, int valueBytes) {
        byte[] key = new byte[keyBytes];
        Arrays.fill(key, (byte) 1);
        byte[] value = new byte[valueBytes];
        Arrays.fill(value, (byte) 7);
        return new ConsumerRecord<>("frames", 3, 641, key, FetchedBytes.within(value));
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static ConsumerRecord<byte[], ByteBuffer> frameOf(byte[] key, int partition, long offset, long timestamp) {
        return new ConsumerRecord<>("frames", partition, offset, timestamp, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 4, key, FetchedBytes.within(new byte[] {1, 2, 3, 4}), new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.empty());
    }

    private static ScoreRecord scoreOf(ConsumerRecord<byte[], ByteBuffer> f, Picture picture) {
        return new ScoreRecord(ScoreRecord.SCHEMA_VERSION, new String(f.key(), StandardCharsets.UTF_8), FrameRef.of(f), f.timestamp(), 5_000,
                0.01 * f.offset(), 0.5, "m1", 0.5, null, null, 64, 900, null, picture, 0.1);
    }

    @Test
    void aSourcesScoresOfABatchGoInOneRecordPerFramesPartitionInTheOrderRead() {
        byte[] a = "line-a".getBytes(StandardCharsets.UTF_8);
        byte[] b = "line-b".getBytes(StandardCharsets.UTF_8);
        // two keys that are not UTF-8 and read as the same text: different sources all the same
        byte[] odd1 = {(byte) 0xff};
        byte[] odd2 = {(byte) 0xfe};
        List<ConsumerRecord<byte[], ByteBuffer>> frames = List.of(frameOf(a, 0, 10, 100), frameOf(b, 1, 11, 300), frameOf(a, 0, 12, 90),
                frameOf(a, 2, 13, 95), frameOf(odd1, 0, 14, 80), frameOf(odd2, 0, 15, 70), frameOf(b, 1, 16, 200), frameOf(a, 0, 17, -1));
        List<ScoreRecord> scores = frames.stream().map(f -> scoreOf(f, null)).toList();
        List<ProducerRecord<byte[], byte[]>> out = RECORDS.scores(frames, scores);
        assertThat(out).extracting(r -> new String(r.key(), StandardCharsets.ISO_8859_1) + ":"
                        + Topics.defaults().scores().deserialize(r.value()).scores().stream().map(s -> s.frame().offset()).toList() + "@"
                        + r.timestamp())
                .containsExactly("line-a:[10, 12, 17]@100", "line-b:[11, 16]@300", "line-a:[13]@95", "\u00ff:[14]@80", "\u00fe:[15]@70");
        assertThat(out).allSatisfy(r -> assertThat(r.topic()).isEqualTo(Topics.defaults().scores().name()));
    }

    @Test
    void aSourcesScoresAreSplitWhereARecordWouldPassTheLargestRecord() {
        int max = 65_536;
        OutgoingRecords records = new OutgoingRecords(Topics.defaults(), max);
        byte[] key = "camera-1".getBytes(StandardCharsets.UTF_8);
        byte[] pixels = new byte[64 * 64];
        Picture picture = new Picture(64, 64, 1, 1f, pixels, 0f, 1f, pixels, null, pixels);
        List<ConsumerRecord<byte[], ByteBuffer>> frames = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            frames.add(frameOf(key, 0, i, 1000 + i));
        }
        List<ScoreRecord> scores = frames.stream().map(f -> scoreOf(f, f.offset() % 2 == 0 ? picture : null)).toList();
        List<ProducerRecord<byte[], byte[]>> out = records.scores(frames, scores);
        assertThat(out).hasSizeGreaterThan(1);
        List<Long> offsets = new ArrayList<>();
        for (ProducerRecord<byte[], byte[]> r : out) {
            assertThat(OutgoingRecords.size(r.key(), r.value(), r.headers())).isLessThanOrEqualTo(max);
            Topics.defaults().scores().deserialize(r.value()).scores().forEach(s -> offsets.add(s.frame().offset()));
        }
        assertThat(offsets).isEqualTo(java.util.stream.LongStream.range(0, 40).boxed().toList());
    }

    @Test
    void inJsonEachFrameHasItsOwnRecord() {
        OutgoingRecords json = new OutgoingRecords(Topics.named("frames", "scores", "anomalies", "dlq", "drift", "verdicts", "memory",
                "history", ScoresFormat.JSON), MAX);
        byte[] a = "line-a".getBytes(StandardCharsets.UTF_8);
        List<ConsumerRecord<byte[], ByteBuffer>> frames = List.of(frameOf(a, 0, 10, 100), frameOf(a, 0, 11, 101));
        List<ProducerRecord<byte[], byte[]>> out = json.scores(frames, frames.stream().map(f -> scoreOf(f, null)).toList());
        assertThat(out).hasSize(2).allSatisfy(r -> assertThat(r.value()[0]).isEqualTo((byte) '{'));
        assertThat(out).extracting(ProducerRecord::timestamp).containsExactly(100L, 101L);
    }

    @Test
    void aDeadLetterThatFitsIsTheFrameUnchanged() {
        ConsumerRecord<byte[], ByteBuffer> f = frame(10, 4096);
        ProducerRecord<byte[], byte[]> dl = RECORDS.deadLetter(f, TOO_LARGE, "m1");
        assertThat(dl.key()).isEqualTo(f.key());
        assertThat(dl.value()).isEqualTo(FetchedBytes.bytes(f.value()));
        assertThat(header(dl, DeadLetterHeaders.TRUNCATED)).isNull();
        assertThat(header(dl, DeadLetterHeaders.ERROR_REASON)).isEqualTo(FrameDecodeException.TOO_LARGE);
    }

    @Test
    void aDeadLetterOfAFrameNearTheBrokersLimitIsCutToFitAndSaysSo() {
        // a frame the broker accepted, a few hundred bytes under its limit: its copy plus the reason would not fit
        ConsumerRecord<byte[], ByteBuffer> f = frame(10, 1_048_300);
        ProducerRecord<byte[], byte[]> dl = RECORDS.deadLetter(f, TOO_LARGE, "m1");
        assertThat(OutgoingRecords.size(dl.key(), dl.value(), dl.headers())).isLessThanOrEqualTo(MAX);
        assertThat(dl.key()).isEqualTo(f.key());
        assertThat(dl.value().length).isGreaterThan(1_040_000).isLessThan(f.value().remaining());
        assertThat(dl.value()).isEqualTo(Arrays.copyOf(FetchedBytes.bytes(f.value()), dl.value().length));
        assertThat(header(dl, DeadLetterHeaders.TRUNCATED)).isEqualTo("key=10,value=1048300");
        assertThat(header(dl, DeadLetterHeaders.ERROR_REASON)).isEqualTo(FrameDecodeException.TOO_LARGE);
        assertThat(header(dl, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(header(dl, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("641");
    }

    @Test
    void aKeyTooLargeToFitIsCutToo() {
        ConsumerRecord<byte[], ByteBuffer> f = frame(2_000_000, 100);
        ProducerRecord<byte[], byte[]> dl = RECORDS.deadLetter(f, new FrameDecodeException(FrameDecodeException.KEY_TOO_LARGE, "key"), "m1");
        assertThat(OutgoingRecords.size(dl.key(), dl.value(), dl.headers())).isLessThanOrEqualTo(MAX);
        assertThat(dl.value()).isEmpty();
        assertThat(header(dl, DeadLetterHeaders.TRUNCATED)).isEqualTo("key=2000000,value=100");
    }

    @Test
    void aHeadersOnlyDeadLetterSaysWhatItLeftOut() {
        ConsumerRecord<byte[], ByteBuffer> f = frame(10, 1_048_300);
        ProducerRecord<byte[], byte[]> dl = RECORDS.deadLetterKeepingNothing(f, TOO_LARGE, "m1");
        assertThat(dl.key()).isNull();
        assertThat(dl.value()).as("empty, not null: readers skip a record without a value as a deletion").isEmpty();
        assertThat(dl.headers().headers(DeadLetterHeaders.TRUNCATED)).hasSize(1);
        assertThat(header(dl, DeadLetterHeaders.TRUNCATED)).isEqualTo("key=10,value=1048300");
        assertThat(header(dl, DeadLetterHeaders.ERROR_REASON)).isEqualTo(FrameDecodeException.TOO_LARGE);
        assertThat(header(dl, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("641");
        assertThat(f.value().remaining()).isEqualTo(1_048_300);
        assertThat(dl.timestamp()).as("the producer's clock").isNull();
    }

    /**
     * A frame whose own headers nearly fill a record: cut to its headers its copy is still too large (the broker refused
     * it again and again, the partition stalled behind it). Its dead letter keeps none of its headers at once.
     */
    @Test
    void aFrameWhoseHeadersAloneFillARecordStillHasADeadLetterThatFits() {
        org.apache.kafka.common.header.internals.RecordHeaders own = new org.apache.kafka.common.header.internals.RecordHeaders();
        for (int i = 0; i < 4; i++) {
            own.add("bulk-" + i, new byte[MAX / 4]);
        }
        ConsumerRecord<byte[], ByteBuffer> f = new ConsumerRecord<>("frames", 3, 641, 5L,
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 10, 0, new byte[10], FetchedBytes.within(new byte[0]), own,
                java.util.Optional.empty());
        ProducerRecord<byte[], byte[]> dl = RECORDS.deadLetter(f, new FrameDecodeException(
                FrameDecodeException.EMPTY, "x".repeat(100_000)), "m1");
        assertThat(OutgoingRecords.size(dl.key(), dl.value(), dl.headers())).isLessThan(4096);
        assertThat(dl.headers().headers("bulk-0")).isEmpty();
        assertThat(header(dl, DeadLetterHeaders.TRUNCATED)).isEqualTo("key=10,value=0,headers=4");
        assertThat(header(dl, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("641");
        assertThat(header(dl, DeadLetterHeaders.ERROR_MESSAGE)).hasSizeLessThan(1100);
    }
}
