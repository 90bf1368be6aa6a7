package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FetchedBytes;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.FrameShape;
import io.frameguard.frames.JsonFrameDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A batch decoded on several threads comes out as on one: good frames packed in order, bad ones set aside. */
class BatchDecoderTest {

    private static final int DIM = 64;
    private static final FrameShape SHAPE = FrameShape.sensor(DIM);
    private static final FrameDecoders DECODERS = FrameDecoders.standard(JsonFrameDecoder.CONTENT_TYPE, 1 << 20,
            FrameDecoders.DEFAULT_MAX_IMAGE_PIXELS);
    /** Bad frames in the first slice, in later ones, and at the very end. */
    private static final Set<Integer> BAD = Set.of(0, 7, 100, 101, 150, 199);

    @Test
    void slicesOnHelperThreadsGiveTheSameRowsAndRejectionsAsOneThread() throws Exception {
        SensorSimulator sim = new SensorSimulator(DIM, 3);
        List<ConsumerRecord<byte[], ByteBuffer>> batch = new ArrayList<>();
        List<float[]> good = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            float[] frame = sim.frame("s", i);
            byte[] value = BAD.contains(i) ? "{\"values\":[1,2,".getBytes(StandardCharsets.UTF_8) : FrameEncoding.json(frame);
            if (!BAD.contains(i)) {
                good.add(frame);
            }
            batch.add(new ConsumerRecord<>("frames", 0, i, "s".getBytes(StandardCharsets.UTF_8), FetchedBytes.slice(value)));
        }
        for (int threads : new int[] {1, 2, 3}) {
            float[] buffer = new float[batch.size() * DIM];
            Arrays.fill(buffer, Float.NaN);
            try (BatchDecoder decoder = new BatchDecoder(DECODERS, threads, "test-decode")) {
                BatchDecoder.Result r = decoder.decode(batch, buffer, SHAPE);
                assertThat(r.decoded()).extracting(ConsumerRecord::offset)
                        .doesNotContainAnyElementsOf(BAD.stream().map(Integer::longValue).toList()).hasSize(good.size())
                        .isSorted();
                assertThat(r.rejected()).extracting(ConsumerRecord::offset).containsExactly(0L, 7L, 100L, 101L, 150L, 199L);
                assertThat(r.reasons()).extracting(FrameDecodeException::reason).containsOnly(FrameDecodeException.MALFORMED);
                for (int row = 0; row < good.size(); row++) {
                    assertThat(Arrays.copyOfRange(buffer, row * DIM, (row + 1) * DIM)).as("%d threads, row %d", threads, row)
                            .containsExactly(good.get(row));
                }
            }
        }
    }
}
