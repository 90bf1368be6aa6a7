package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.Topics;
import io.frameguard.frames.FetchedBytes;
import io.frameguard.frames.FrameDecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

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
        ProducerRecord<byte[], byte[]> dl = RECORDS.deadLetterHeadersOnly(f, TOO_LARGE, "m1");
        assertThat(dl.key()).isNull();
        assertThat(dl.value()).isNull();
        assertThat(dl.headers().headers(DeadLetterHeaders.TRUNCATED)).hasSize(1);
        assertThat(header(dl, DeadLetterHeaders.TRUNCATED)).isEqualTo("key=10,value=1048300");
        assertThat(header(dl, DeadLetterHeaders.ERROR_REASON)).isEqualTo(FrameDecodeException.TOO_LARGE);
        assertThat(header(dl, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("641");
        assertThat(f.value().remaining()).isEqualTo(1_048_300);
    }
}
