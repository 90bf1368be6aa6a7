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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
     * to {@code geometry}, or when null to the first image's size and channels (gray when its colour space is:
     * {@link ImageConversion#isGray}); hidden files (a name starting with a dot) are left out.
     *
     * @throws FrameFile.FrameFormatException naming the first file that is not a readable image
     */
    public static FrameFile readImageDir(Path dir, ImageGeometry geometry) throws IOException {
        return readImageDir(dir, geometry, false).frames();
    }

    /**
     * A directory's images as frames, and which file each frame is.
     *
     * @param frames the readable images, in file-name order; null when none is
     * @param places each frame's place among the directory's image files (counting those skipped)
     * @param files every image file's name, in file-name order
     * @param skipped each file left out, and why
     * @param doubts what looks wrong though the images can be read (images of another size or colour than the frames'),
     *     for the command to say
     */
    public record ImageDir(FrameFile frames, int[] places, List<String> files, Map<String, String> skipped, List<String> doubts) {}

    /**
     * Reads a directory's images as {@link #readImageDir(Path, ImageGeometry)} does; with {@code skipUnreadable}, a file
     * that is not a readable image is left out and said in {@link ImageDir#skipped} (as the service dead-letters such a
     * frame and goes on), where otherwise it is refused.
     *
     * @throws FrameFile.FrameFormatException when the directory holds no image files
     */
    public static ImageDir readImageDir(Path dir, ImageGeometry geometry, boolean skipUnreadable) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                // hidden files left out: macOS writes ._NAME.png beside each file of a zip it makes, which is no image
                return !n.startsWith(".") && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"))
                        && Files.isRegularFile(p);
            }).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new FrameFile.FrameFormatException(dir + ": no .png or .jpg files");
        }
        ImageGeometry g = geometry;
        float[] values = null;
        int[] places = new int[files.size()];
        int rows = 0;
        Map<String, String> skipped = new LinkedHashMap<>();
        ImageGeometry first = null; // the first readable image's own size and colour
        Map<ImageGeometry, Integer> converted = new LinkedHashMap<>(); // the others', where they differ from it
        for (int i = 0; i < files.size(); i++) {
            BufferedImage image;
            try {
                image = readImage(files.get(i));
            } catch (FrameFile.FrameFormatException e) {
                if (!skipUnreadable) {
                    throw e;
                }
                skipped.put(files.get(i).getFileName().toString(), e.getMessage());
                continue;
            }
            if (g == null) {
                g = new ImageGeometry(image.getWidth(), image.getHeight(),
                        ImageConversion.isGray(image) ? ImageGeometry.GRAY : ImageGeometry.RGB);
            }
            if (values == null) {
                values = new float[valuesFor(dir, files.size(), g, geometry == null)];
            }
            ImageGeometry own = new ImageGeometry(image.getWidth(), image.getHeight(),
                    ImageConversion.isGray(image) ? ImageGeometry.GRAY : ImageGeometry.RGB);
            if (first == null) {
                first = own;
            } else if (!own.equals(first)) {
                converted.merge(own, 1, Integer::sum);
            }
            ImageConversion.toValues(image, g, values, rows * g.dim());
            places[rows++] = i;
        }
        List<String> names = files.stream().map(f -> f.getFileName().toString()).toList();
        if (rows == 0) {
            return new ImageDir(null, new int[0], names, skipped, List.of());
        }
        // pictures of one camera are alike: some of another size or colour are worth a look (another camera, a crop)
        List<String> doubts = converted.isEmpty() ? List.of() : List.of(converted.values().stream().mapToInt(c -> c).sum()
                + " of the " + rows + " images are not " + first + " like the first but " + converted.entrySet().stream()
                        .map(e -> e.getValue() + " x " + e.getKey()).collect(java.util.stream.Collectors.joining(", "))
                + ": each is converted to " + g + " (stretched to its size, its colour " + (g.channels() == 1 ? "dropped" : "kept or made from gray")
                + ")" + (geometry == null ? ", the first image's; give --image-size to choose the size and channels" : ""));
        return new ImageDir(new FrameFile(g.dim(), rows, rows == files.size() ? values : Arrays.copyOf(values, rows * g.dim()),
                null, g), Arrays.copyOf(places, rows), names, skipped, doubts);
    }

    /**
     * Room for {@code files} images of {@code g}, refused with what to do when one array cannot hold them or, for images
     * at the first one's own size ({@code ownSize}: a camera's 900x900 say, no size chosen), the heap cannot train on them.
     */
    static int valuesFor(Path dir, int files, ImageGeometry g, boolean ownSize) throws FrameFile.FrameFormatException {
        long values = (long) files * g.dim();
        long bytes = 4 * values;
        long heap = Runtime.getRuntime().maxMemory();
        if (values > Integer.MAX_VALUE - 8 || ownSize && bytes > heap / HEAP_SHARE) {
            throw new FrameFile.FrameFormatException(String.format(Locale.ROOT, "%s: %d images of %s are %.1f GB as values, "
                    + "more than this Java heap of %.1f GB can hold for training: train with --image-size at a smaller size "
                    + "(e.g. %s), read the directory in parts, or give Java more heap (JAVA_OPTS=-Xmx...)", dir, files, g,
                    bytes / 1e9, heap / 1e9,
                    new ImageGeometry(Math.min(g.width(), 128), Math.min(g.height(), 128), g.channels())));
        }
        return (int) values;
    }

    /** The images' values may take at most this fraction of the heap: training holds more than one copy of them. */
    private static final int HEAP_SHARE = 3;

    /**
     * One image file, or why it is not a readable PNG or JPEG: decoded as the service decodes an image frame (refused
     * when incomplete or damaged, with the service's reason), with no limit on its size (the files are the user's own).
     */
    private static BufferedImage readImage(Path path) throws FrameFile.FrameFormatException {
        byte[] file;
        try {
            file = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new FrameFile.FrameFormatException(path + ": cannot be read (" + e.getMessage() + ")");
        }
        try {
            return io.frameguard.frames.EncodedImageFrameDecoder.read(file, Long.MAX_VALUE, Long.MAX_VALUE);
        } catch (io.frameguard.frames.FrameDecodeException e) {
            throw new FrameFile.FrameFormatException(path + ": " + e.getMessage());
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(file.getFileName().toString().endsWith(".gz")
                ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw);
    }
}
