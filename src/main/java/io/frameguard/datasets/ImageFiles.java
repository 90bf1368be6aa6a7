package io.frameguard.datasets;

import io.frameguard.frames.ImageConversion;
import io.frameguard.frames.ImageGeometry;
import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Image training data: IDX files (the MNIST / Fashion-MNIST format, gzipped or not, as Debian's
 * {@code dataset-fashion-mnist} installs them under {@code /usr/share/datasets/fashion-mnist}) and directories
 * of PNG/JPEG files. Pixels are converted exactly as the service converts image frames.
 */
public final class ImageFiles {

    private static final int IDX_UBYTE_3D = 0x00000803;
    private static final int IDX_UBYTE_1D = 0x00000801;

    private ImageFiles() {
    }

    /**
     * Reads an IDX image file; with {@code labels}, keeps only the images whose label (from the matching
     * {@code *-labels-idx1-ubyte[.gz]} file next to it) is in the set.
     */
    public static FrameFile readIdx(Path images, Set<Integer> labels) throws IOException {
        try (DataInputStream in = open(images)) {
            int magic = in.readInt();
            if (magic != IDX_UBYTE_3D) {
                throw new FrameFile.FrameFormatException(images + ": not an IDX file of 8-bit images (magic 0x"
                        + Integer.toHexString(magic) + ")");
            }
            int count = in.readInt();
            int height = in.readInt();
            int width = in.readInt();
            ImageGeometry g = new ImageGeometry(width, height, ImageGeometry.GRAY);
            byte[] keep = labels == null ? null : labelMask(readIdxLabels(labelsFileFor(images)), labels, count, images);
            int kept = 0;
            if (keep == null) {
                kept = count;
            } else {
                for (byte k : keep) {
                    kept += k;
                }
            }
            float[] values = new float[kept * g.dim()];
            byte[] pixels = new byte[g.dim()];
            int row = 0;
            for (int i = 0; i < count; i++) {
                in.readFully(pixels);
                if (keep == null || keep[i] == 1) {
                    ImageConversion.toValues(pixels, width, height, ImageGeometry.GRAY, g, values, row++ * g.dim());
                }
            }
            if (kept == 0) {
                throw new FrameFile.FrameFormatException(images + ": no image has a label in " + labels);
            }
            return new FrameFile(g.dim(), kept, values, null, g);
        }
    }

    /** The labels of an IDX label file, one per image. */
    public static int[] readIdxLabels(Path file) throws IOException {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IDX_UBYTE_1D) {
                throw new FrameFile.FrameFormatException(file + ": not an IDX label file (magic 0x" + Integer.toHexString(magic) + ")");
            }
            int[] labels = new int[in.readInt()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = in.readUnsignedByte();
            }
            return labels;
        }
    }

    /** {@code train-images-idx3-ubyte.gz} → {@code train-labels-idx1-ubyte.gz} in the same directory. */
    public static Path labelsFileFor(Path images) throws IOException {
        String name = images.getFileName().toString();
        if (!name.contains("images-idx3")) {
            throw new FrameFile.FrameFormatException(images + ": cannot find its labels file (expected a name with 'images-idx3')");
        }
        Path labels = images.resolveSibling(name.replace("images-idx3", "labels-idx1"));
        if (!Files.isRegularFile(labels)) {
            throw new FrameFile.FrameFormatException("labels file " + labels + " for " + images + " does not exist");
        }
        return labels;
    }

    private static byte[] labelMask(int[] all, Set<Integer> wanted, int count, Path images) throws IOException {
        if (all.length != count) {
            throw new FrameFile.FrameFormatException(images + ": " + count + " images but " + all.length + " labels");
        }
        byte[] keep = new byte[count];
        for (int i = 0; i < count; i++) {
            keep[i] = (byte) (wanted.contains(all[i]) ? 1 : 0);
        }
        return keep;
    }

    /**
     * Reads every {@code .png}, {@code .jpg} and {@code .jpeg} file of a directory (sorted by name), converted
     * to {@code geometry}, or when null to the first image's size and channels (gray if its raster is gray).
     */
    public static FrameFile readImageDir(Path dir, ImageGeometry geometry) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new FrameFile.FrameFormatException(dir + ": no .png or .jpg files");
        }
        ImageGeometry g = geometry;
        float[] values = null;
        for (int i = 0; i < files.size(); i++) {
            BufferedImage image;
            try {
                byte[] file = Files.readAllBytes(files.get(i));
                // a PNG the service would refuse as incomplete is refused here too, with the service's reason
                String incomplete = io.frameguard.frames.EncodedImageFrameDecoder.incompletePng(file);
                if (incomplete != null) {
                    throw new FrameFile.FrameFormatException(files.get(i) + ": " + incomplete);
                }
                image = ImageIO.read(new java.io.ByteArrayInputStream(file));
            } catch (FrameFile.FrameFormatException e) {
                throw e;
            } catch (IOException e) { // the image reader's own messages ("Error skipping PNG metadata") name no file
                throw new FrameFile.FrameFormatException(files.get(i) + ": not a readable PNG or JPEG (" + e.getMessage() + ")");
            }
            if (image == null) {
                throw new FrameFile.FrameFormatException(files.get(i) + ": not a readable PNG or JPEG");
            }
            if (g == null) {
                g = new ImageGeometry(image.getWidth(), image.getHeight(),
                        image.getRaster().getNumBands() == 1 ? ImageGeometry.GRAY : ImageGeometry.RGB);
            }
            if (values == null) {
                values = new float[files.size() * g.dim()];
            }
            ImageConversion.toValues(image, g, values, i * g.dim());
        }
        return new FrameFile(g.dim(), files.size(), values, null, g);
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(file.getFileName().toString().endsWith(".gz")
                ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }
}
