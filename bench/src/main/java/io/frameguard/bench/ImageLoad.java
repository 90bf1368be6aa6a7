package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.ImageFiles;
import io.frameguard.frames.RawImageFrameDecoder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The end-to-end benchmark's image load: gray images of an IDX file (Fashion-MNIST's by default) sent as raw 8-bit
 * pixels ({@code image/x-gray8} with their size in headers) from {@value FrameLoad#SOURCES} cameras. The model is
 * trained on one class ({@value #NORMAL_CLASS}); the backlog cycles through that class's images, and one frame in
 * {@value FrameLoad#FAULT_EVERY} is an image of another class, so the detector has anomalies to report as it would on
 * a camera line.
 *
 * @param file the IDX image file, its labels beside it
 * @param width pixels per row
 * @param height rows
 * @param normal the pixels of the normal class's images
 * @param others the pixels of the other classes' images
 */
record ImageLoad(Path file, int width, int height, List<byte[]> normal, List<byte[]> others) {

    /** The class the benchmark's image model is trained on (Fashion-MNIST: T-shirts/tops). */
    static final int NORMAL_CLASS = 0;

    private static final int IDX_IMAGES = 0x00000803;

    /** Reads the images and their labels, split into the normal class and the others. */
    static ImageLoad read(Path images) throws IOException {
        int[] labels = ImageFiles.readIdxLabels(ImageFiles.labelsFileFor(images));
        try (DataInputStream in = open(images)) {
            if (in.readInt() != IDX_IMAGES) {
                throw new IOException(images + ": not an IDX file of 8-bit images");
            }
            int count = in.readInt();
            if (labels.length != count) {
                throw new IOException(images + ": " + count + " images but " + labels.length + " labels");
            }
            int height = in.readInt();
            int width = in.readInt();
            List<byte[]> normal = new ArrayList<>();
            List<byte[]> others = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] pixels = new byte[width * height];
                in.readFully(pixels);
                (labels[i] == NORMAL_CLASS ? normal : others).add(pixels);
            }
            if (normal.isEmpty() || others.isEmpty()) {
                throw new IOException(images + ": needs images of class " + NORMAL_CLASS + " and of other classes");
            }
            return new ImageLoad(images, width, height, normal, others);
        }
    }

    /** The normal class's images as training data, converted as the service converts image frames. */
    FrameFile trainingData() throws IOException {
        return ImageFiles.readIdx(file, Set.of(NORMAL_CLASS));
    }

    /** The first 64 normal images as the model's input values (pixels / 255, as the service converts gray frames). */
    float[][] pool() throws IOException {
        FrameFile data = trainingData();
        float[][] pool = new float[Math.min(64, data.rows())][];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = java.util.Arrays.copyOfRange(data.values(), i * data.dim(), (i + 1) * data.dim());
        }
        return pool;
    }

    /** Frame {@code i} of a backlog: the normal class's images in turn, every {@value FrameLoad#FAULT_EVERY}th another class's. */
    byte[] frame(long i) {
        return i % FrameLoad.FAULT_EVERY == FrameLoad.FAULT_EVERY - 1
                ? others.get((int) (i / FrameLoad.FAULT_EVERY % others.size()))
                : normal.get((int) (i % normal.size()));
    }

    /** Produces {@code n} image frames to {@code topic}, frame i from camera i % {@value FrameLoad#SOURCES}, on that camera's partition ({@link FrameLoad#partition}). */
    void produceBacklog(String bootstrap, String topic, int n) {
        try (KafkaProducer<String, byte[]> producer = FrameLoad.producer(bootstrap, 20)) {
            int partitions = producer.partitionsFor(topic).size();
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(topic, FrameLoad.partition(i % FrameLoad.SOURCES, partitions),
                        System.currentTimeMillis(), "camera-" + (i % FrameLoad.SOURCES),
                        frame(i), headers()));
            }
            producer.flush();
        }
    }

    private RecordHeaders headers() {
        RecordHeaders h = FrameLoad.contentType(RawImageFrameDecoder.GRAY8);
        h.add(RawImageFrameDecoder.WIDTH_HEADER, Integer.toString(width).getBytes(StandardCharsets.UTF_8));
        h.add(RawImageFrameDecoder.HEIGHT_HEADER, Integer.toString(height).getBytes(StandardCharsets.UTF_8));
        return h;
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in);
    }
}
