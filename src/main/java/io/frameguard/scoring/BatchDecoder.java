package io.frameguard.scoring;

import io.frameguard.frames.FrameDecodeException;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameShape;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Decodes a batch of frame records into one float buffer, row after row, on the calling thread and {@code threads
 * - 1} helpers. Decoding is the scorer's costliest step for JSON and encoded image
 * frames (docs/benchmarks-history.md), and a batch's frames decode independently, so a batch is split into contiguous
 * slices, one per thread. Frames that cannot be decoded are set aside with their reason; the rows of the others
 * stay in batch order and are packed together.
 */
final class BatchDecoder implements AutoCloseable {

    /** Fewest frames a slice is worth: below this a hand-over costs more than it saves. */
    static final int MIN_FRAMES_PER_SLICE = 32;

    /** The frames decoded into rows 0..decoded-1 of the buffer, and those that could not be, with why. */
    record Result(List<ConsumerRecord<byte[], ByteBuffer>> decoded, List<ConsumerRecord<byte[], ByteBuffer>> rejected,
            List<FrameDecodeException> reasons) {}

    private final FrameDecoders decoders;
    private final int threads;
    private final ExecutorService helpers;

    BatchDecoder(FrameDecoders decoders, int threads, String name) {
        this.decoders = decoders;
        this.threads = threads;
        AtomicInteger n = new AtomicInteger();
        this.helpers = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
            Thread t = new Thread(r, name + "-" + n.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /** Decodes {@code batch} into {@code buffer} (at least batch.size() × dim values). */
    Result decode(List<ConsumerRecord<byte[], ByteBuffer>> batch, float[] buffer, FrameShape shape)
            throws InterruptedException {
        int n = batch.size();
        FrameDecodeException[] failures = new FrameDecodeException[n];
        int slices = helpers == null ? 1 : Math.max(1, Math.min(threads, n / MIN_FRAMES_PER_SLICE));
        if (slices == 1) {
            decodeSlice(batch, 0, n, buffer, shape, failures);
        } else {
            List<Future<?>> running = new ArrayList<>(slices - 1);
            for (int s = 1; s < slices; s++) {
                int from = n * s / slices;
                int to = n * (s + 1) / slices;
                running.add(helpers.submit(() -> decodeSlice(batch, from, to, buffer, shape, failures)));
            }
            RuntimeException failure = null;
            try {
                decodeSlice(batch, 0, n / slices, buffer, shape, failures);
            } catch (RuntimeException e) {
                failure = e;
            }
            // Every helper is done with the buffer before it is read or reused, even when one slice failed.
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
        int dim = shape.dim();
        List<ConsumerRecord<byte[], ByteBuffer>> decoded = new ArrayList<>(n);
        List<ConsumerRecord<byte[], ByteBuffer>> rejected = new ArrayList<>();
        List<FrameDecodeException> reasons = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (failures[i] != null) {
                rejected.add(batch.get(i));
                reasons.add(failures[i]);
                continue;
            }
            if (decoded.size() != i) {
                System.arraycopy(buffer, i * dim, buffer, decoded.size() * dim, dim);
            }
            decoded.add(batch.get(i));
        }
        return new Result(decoded, rejected, reasons);
    }

    /** Frame i of the batch goes to row i; a frame that cannot be decoded leaves its reason at index i. */
    private void decodeSlice(List<ConsumerRecord<byte[], ByteBuffer>> batch, int from, int to, float[] buffer,
            FrameShape shape, FrameDecodeException[] failures) {
        int dim = shape.dim();
        for (int i = from; i < to; i++) {
            ConsumerRecord<byte[], ByteBuffer> r = batch.get(i);
            try {
                decoders.decode(r.key(), r.value(), r.headers(), buffer, i * dim, shape);
            } catch (FrameDecodeException e) {
                failures[i] = e;
            }
        }
    }

    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }
}
