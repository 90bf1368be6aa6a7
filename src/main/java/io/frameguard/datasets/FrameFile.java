package io.frameguard.datasets;

import io.frameguard.frames.FrameShape;
import io.frameguard.frames.ImageGeometry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Frames stored in a file, for the {@code train} and {@code score} commands.
 *
 * <ul>
 *   <li>{@code csv}: one frame per line, comma-separated numbers; an optional first line of non-numeric
 *       column names becomes the feature names.
 *   <li>{@code f32}: raw float32 little-endian values, frames back to back; {@code --dim} says how many per
 *       frame (the same layout as the {@code application/x-float32} Kafka payload).
 *   <li>{@code idx}, {@code png-dir}: images, read by {@link ImageFiles}.
 * </ul>
 *
 * @param values row-major, {@code rows * dim} values
 * @param image the images' geometry, null for sensor frames
 */
public record FrameFile(int dim, int rows, float[] values, List<String> featureNames, ImageGeometry image) {

    /** Sensor frames. */
    public FrameFile(int dim, int rows, float[] values, List<String> featureNames) {
        this(dim, rows, values, featureNames, null);
    }

    public enum Format {
        csv("csv"), f32("f32"), idx("idx"), pngDir("png-dir");

        private final String label;

        Format(String label) {
            this.label = label;
        }

        /** The name users type: {@code csv}, {@code f32}, {@code idx}, {@code png-dir}. */
        public String label() {
            return label;
        }

        public static Format ofLabel(String label) {
            for (Format f : values()) {
                if (f.label.equalsIgnoreCase(label)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown frame file format '" + label + "'; expected csv, f32, idx or png-dir");
        }
    }

    /** How to read a file of frames. */
    public record ReadOptions(int expectedDim, java.util.Set<Integer> labels, ImageGeometry imageGeometry) {
        public static ReadOptions dim(int expectedDim) {
            return new ReadOptions(expectedDim, null, null);
        }
    }

    /**
     * @param expectedDim required for f32; for csv, checked against the file when positive
     * @throws FrameFormatException naming the file and line of the first problem
     */
    public static FrameFile read(Path file, Format format, int expectedDim) throws IOException {
        return read(file, format, ReadOptions.dim(expectedDim));
    }

    /**
     * @param options for idx, the labels to keep (null: all); for png-dir, the geometry to convert to (null: the
     *     first image's); for every format, the values per frame to check when positive
     */
    public static FrameFile read(Path file, Format format, ReadOptions options) throws IOException {
        FrameFile frames = switch (format) {
            case csv -> readCsv(file, options.expectedDim());
            case f32 -> readF32(file, options.expectedDim());
            case idx -> ImageFiles.readIdx(file, options.labels());
            case pngDir -> ImageFiles.readImageDir(file, options.imageGeometry());
        };
        if (options.expectedDim() > 0 && frames.dim() != options.expectedDim()) {
            throw new FrameFormatException(file + ": frames of " + frames.dim() + " values, expected " + options.expectedDim());
        }
        return frames;
    }

    public FrameShape shape() {
        return new FrameShape(dim, image);
    }

    private static FrameFile readF32(Path file, int dim) throws IOException {
        if (dim <= 0) {
            throw new FrameFormatException("--dim is required for f32 files");
        }
        long size = Files.size(file);
        long frameBytes = 4L * dim;
        if (size % frameBytes != 0) {
            throw new FrameFormatException(file + ": size " + size + " bytes is not a multiple of " + frameBytes
                    + " (dim " + dim + " float32 values)");
        }
        if (size / 4 > Integer.MAX_VALUE - 8) {
            throw new FrameFormatException(file + ": too large to load at once (" + size + " bytes)");
        }
        float[] values = new float[(int) (size / 4)];
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[(int) Math.min(size, 1 << 20) & ~3];
            int filled = 0;
            int pos = 0;
            for (int n; (n = in.read(buf, filled, buf.length - filled)) > 0; ) {
                filled += n;
                int whole = filled & ~3;
                ByteBuffer.wrap(buf, 0, whole).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values, pos, whole / 4);
                pos += whole / 4;
                System.arraycopy(buf, whole, buf, 0, filled - whole);
                filled -= whole;
            }
        }
        checkFinite(file, values, dim);
        return new FrameFile(dim, values.length / dim, values, defaultNames(dim));
    }

    private static FrameFile readCsv(Path file, int expectedDim) throws IOException {
        List<String> names = null;
        int dim = -1;
        float[] values = new float[1024];
        int n = 0;
        int lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (dim < 0) {
                    dim = cells.length;
                    if (expectedDim > 0 && dim != expectedDim) {
                        throw new FrameFormatException(file + ":" + lineNo + ": " + dim + " columns, --dim says " + expectedDim);
                    }
                    if (!isNumber(cells[0].strip())) {
                        names = new ArrayList<>();
                        for (String c : cells) {
                            names.add(c.strip());
                        }
                        continue;
                    }
                }
                if (cells.length != dim) {
                    throw new FrameFormatException(file + ":" + lineNo + ": " + cells.length + " values, expected " + dim);
                }
                if (n + dim > values.length) {
                    values = java.util.Arrays.copyOf(values, Math.max(values.length * 2, n + dim));
                }
                for (String c : cells) {
                    try {
                        float v = Float.parseFloat(c.strip());
                        if (!Float.isFinite(v)) {
                            throw new FrameFormatException(file + ":" + lineNo + ": non-finite value " + c.strip());
                        }
                        values[n++] = v;
                    } catch (NumberFormatException e) {
                        throw new FrameFormatException(file + ":" + lineNo + ": not a number: '" + c.strip() + "'");
                    }
                }
            }
        }
        if (dim < 0 || n == 0) {
            throw new FrameFormatException(file + ": no frames");
        }
        return new FrameFile(dim, n / dim, java.util.Arrays.copyOf(values, n), names != null ? names : defaultNames(dim));
    }

    private static boolean isNumber(String s) {
        try {
            Float.parseFloat(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void checkFinite(Path file, float[] values, int dim) throws FrameFormatException {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new FrameFormatException(file + ": frame " + (i / dim) + " has a non-finite value at index " + (i % dim));
            }
        }
    }

    public static List<String> defaultNames(int dim) {
        List<String> names = new ArrayList<>(dim);
        for (int i = 0; i < dim; i++) {
            names.add("ch" + i);
        }
        return names;
    }

    /** A frame file that cannot be read as its format says. */
    public static class FrameFormatException extends IOException {
        public FrameFormatException(String message) {
            super(message);
        }
    }
}
