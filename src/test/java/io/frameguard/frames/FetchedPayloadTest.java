package io.frameguard.frames;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Frames read in place from the consumer's fetch response: every decoder reads exactly the bytes between the
 * payload's position and limit, wherever they lie in the array, gives the values the frame alone gives, and leaves the
 * buffer as it was. Bytes just outside the frame that would complete a cut frame (more digits and the closing
 * brackets of a JSON frame, the IEND chunk of a PNG) are never read.
 */
class FetchedPayloadTest {

    private static final byte[] KEY = "camera-1".getBytes(StandardCharsets.UTF_8);
    private static final ImageGeometry GRAY_8X6 = new ImageGeometry(8, 6, 1);
    private static final FrameDecoders DECODERS = FrameDecoders.standard("application/json", 5_000_000, 1_000_000);

    private static float[] decode(ByteBuffer payload, RecordHeaders headers, FrameShape shape) throws FrameDecodeException {
        int position = payload.position();
        int limit = payload.limit();
        float[] dest = new float[shape.dim() + 3];
        DECODERS.decode(KEY, payload, headers, dest, 3, shape);
        assertThat(payload.position()).isEqualTo(position);
        assertThat(payload.limit()).isEqualTo(limit);
        return dest;
    }

    /** The frame decoded alone, as a slice, and at a position in a larger array: the same values each time. */
    private static void sameInPlace(byte[] frame, RecordHeaders headers, FrameShape shape) throws FrameDecodeException {
        float[] alone = decode(ByteBuffer.wrap(frame), headers, shape);
        for (Function<byte[], ByteBuffer> view : java.util.List.<Function<byte[], ByteBuffer>>of(FetchedBytes::slice,
                FetchedBytes::within, b -> FetchedBytes.within(b).asReadOnlyBuffer())) {
            assertThat(decode(view.apply(frame), headers, shape)).containsExactly(alone);
        }
    }

    @Test
    void everyDecoderReadsItsFrameInPlace() throws Exception {
        Random random = new Random(5);
        float[] values = new float[64];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        FrameShape sensor = FrameShape.sensor(values.length);
        sameInPlace(FrameEncoding.json(values), ImageDecodersTest.headers("application/json", null, null), sensor);
        sameInPlace("{\"id\":1, \"values\":[1,2,3]}".getBytes(StandardCharsets.UTF_8), null, FrameShape.sensor(3));
        sameInPlace(FrameEncoding.float32(values), ImageDecodersTest.headers(Float32FrameDecoder.CONTENT_TYPE, null, null), sensor);
        FrameShape image = FrameShape.image(GRAY_8X6);
        BufferedImage gradient = ImageDecodersTest.gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY);
        sameInPlace(ImageDecodersTest.encode(gradient, "png"), ImageDecodersTest.headers("image/png", null, null), image);
        sameInPlace(ImageDecodersTest.encode(gradient, "jpg"), ImageDecodersTest.headers("image/jpeg", null, null), image);
        byte[] gray = new byte[8 * 6];
        random.nextBytes(gray);
        sameInPlace(gray, ImageDecodersTest.headers(RawImageFrameDecoder.GRAY8, 8, 6), image);
        byte[] rgb = new byte[4 * 3 * 3];
        random.nextBytes(rgb);
        sameInPlace(rgb, ImageDecodersTest.headers(RawImageFrameDecoder.RGB8, 4, 3), image);
    }

    @Test
    void aCutJsonFrameIsRefusedThoughTheBytesAfterItWouldCompleteIt() {
        byte[] whole = "{\"values\":[1.5,2.25]}".getBytes(StandardCharsets.UTF_8);
        for (int cut = 1; cut < whole.length; cut++) {
            ByteBuffer payload = ByteBuffer.wrap(whole, 0, cut);
            FrameDecodeException e = catchThrowableOfType(FrameDecodeException.class, () -> decode(payload, null, FrameShape.sensor(2)));
            assertThat(e).as(new String(whole, 0, cut, StandardCharsets.UTF_8)).isNotNull();
            assertThat(e.reason()).isEqualTo(FrameDecodeException.MALFORMED);
        }
    }

    @Test
    void aPngCutBeforeItsEndChunkIsRefusedThoughTheChunkFollowsIt() throws Exception {
        byte[] png = ImageDecodersTest.encode(ImageDecodersTest.gradient(8, 6, BufferedImage.TYPE_BYTE_GRAY), "png");
        ByteBuffer cut = ByteBuffer.wrap(png, 0, png.length - 12);
        FrameDecodeException e = catchThrowableOfType(FrameDecodeException.class,
                () -> decode(cut, ImageDecodersTest.headers("image/png", null, null), FrameShape.image(GRAY_8X6)));
        assertThat(e.reason()).isEqualTo(FrameDecodeException.CORRUPT_IMAGE);
        assertThat(Arrays.copyOfRange(png, png.length - 8, png.length - 4)).isEqualTo("IEND".getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void aFloat32FrameCutShortIsRefusedThoughMoreValuesFollowIt() {
        byte[] frame = FrameEncoding.float32(new float[] {1, 2, 3, 4});
        ByteBuffer cut = ByteBuffer.wrap(frame, 0, 12);
        FrameDecodeException e = catchThrowableOfType(FrameDecodeException.class,
                () -> decode(cut, ImageDecodersTest.headers(Float32FrameDecoder.CONTENT_TYPE, null, null), FrameShape.sensor(4)));
        assertThat(e.reason()).isEqualTo(FrameDecodeException.WRONG_DIMENSION);
    }
}
