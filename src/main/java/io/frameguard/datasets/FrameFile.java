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
 *   <li>{@code csv}: one frame per line, numbers separated by commas (or semicolons, or tabs: the first line
 *       says which); an optional first line of non-numeric column names becomes the feature names.
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
        String separator = null;
        float[] values = new float[1024];
        int n = 0;
        int lineNo = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                if (lineNo == 1 && line.startsWith(BYTE_ORDER_MARK)) {
                    line = line.substring(1); // spreadsheet programs start UTF-8 files with one
                }
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (separator == null) {
                    separator = separatorOf(line);
                }
                String[] cells = line.split(separator, -1);
                if (dim < 0) {
                    dim = cells.length;
                    if (expectedDim > 0 && dim != expectedDim) {
                        throw new FrameFormatException(file + ":" + lineNo + ": " + dim + " columns, --dim says " + expectedDim);
                    }
                    if (!isNumber(cells[0].strip())) {
                        names = columnNames(cells, file + ":" + lineNo);
                        continue;
                    }
                }
                if (cells.length != dim) {
                    throw new FrameFormatException(file + ":" + lineNo + ": " + cells.length + " values, expected " + dim);
                }
                if (n + dim > values.length) {
                    values = java.util.Arrays.copyOf(values, Math.max(values.length * 2, n + dim));
                }
                for (int k = 0; k < cells.length; k++) {
                    String cell = cells[k].strip();
                    if (cell.isEmpty()) {
                        throw new FrameFormatException(file + ":" + lineNo + ": column " + (k + 1) + " is empty"
                                + (k == cells.length - 1 ? " (a separator at the end of the line?)" : ""));
                    }
                    try {
                        float v = Float.parseFloat(cell);
                        if (!Float.isFinite(v)) {
                            throw new FrameFormatException(file + ":" + lineNo + ": non-finite value " + cell);
                        }
                        values[n++] = v;
                    } catch (NumberFormatException e) {
                        throw new FrameFormatException(file + ":" + lineNo + ": not a number: '" + cell + "'"
                                + (DECIMAL_COMMA.matcher(cell).matches() ? " (a decimal comma: numbers are written with a point, "
                                        + cell.replace(',', '.') + ")" : ""));
                    }
                }
            }
        }
        if (dim < 0 || n == 0) {
            throw new FrameFormatException(file + ": no frames");
        }
        return new FrameFile(dim, n / dim, java.util.Arrays.copyOf(values, n), names != null ? names : defaultNames(dim));
    }

    /**
     * What looks wrong with these sensor frames though they can be read, for the trainer to say before it learns from
     * them: a column that grows on every row (an index or a clock: every column is a feature, and later frames bring
     * values it never saw), a first frame that is the column numbers (a header of numbers, read as a frame).
     */
    public List<String> doubts() {
        List<String> doubts = new ArrayList<>();
        if (image != null || rows < 3) {
            return doubts;
        }
        boolean countsColumns = true;
        for (int c = 0; c < dim; c++) {
            countsColumns &= values[c] == c;
            boolean grows = true;
            for (int r = 1; r < rows && grows; r++) {
                grows = values[r * dim + c] > values[(r - 1) * dim + c];
            }
            if (grows) {
                doubts.add("column " + featureNames.get(c) + " grows on every row: an index or a time? Every column is a "
                        + "feature, and later frames will bring values it never saw: leave it out of the file");
            }
        }
        if (countsColumns && dim > 1) {
            doubts.add("the first frame is 0, 1, 2, ...: a header of column numbers? It is read as a frame");
        }
        return doubts;
    }

    private static final String BYTE_ORDER_MARK = "\ufeff";
    private static final java.util.regex.Pattern DECIMAL_COMMA = java.util.regex.Pattern.compile("[-+]?[0-9]+,[0-9]+");

    /**
     * The file's separator, from its first line: a semicolon where there is one (never part of a number; the files of
     * locales that write decimal commas use it), else a comma, else a tab, else a comma (one column).
     */
    private static String separatorOf(String line) {
        return line.contains(";") ? ";" : line.contains(",") ? "," : line.contains("\t") ? "\t" : ",";
    }

    /** A header's column names, without the quotes spreadsheet programs put around them; each named, each once. */
    private static List<String> columnNames(String[] cells, String where) throws FrameFormatException {
        List<String> names = new ArrayList<>(cells.length);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < cells.length; i++) {
            String name = cells[i].strip();
            if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
                name = name.substring(1, name.length() - 1).strip();
            }
            if (name.isEmpty()) {
                throw new FrameFormatException(where + ": column " + (i + 1) + " of the header has no name (an index column? "
                        + "every column is a feature: leave it out)");
            }
            if (!seen.add(name)) {
                throw new FrameFormatException(where + ": the header names column " + name + " twice");
            }
            names.add(name);
        }
        return names;
    }

    /**
     * These frames with their columns in the order of {@code modelNames} (a model card's feature names): a file whose
     * header names the same columns in another order is reordered by name; one whose header names others is refused,
     * since scoring it by position would judge each column by another's model. Files without a header (their names
     * {@link #defaultNames}), and models trained on such files, go by position.
     *
     * @param file the file the frames came from, for the message
     */
    public FrameFile inColumnOrder(List<String> modelNames, Path file) throws FrameFormatException {
        if (image != null || modelNames == null || featureNames == null || featureNames.equals(modelNames)
                || featureNames.equals(defaultNames(dim)) || modelNames.equals(defaultNames(dim))) {
            return this;
        }
        java.util.Map<String, Integer> column = new java.util.HashMap<>();
        for (int c = 0; c < featureNames.size(); c++) {
            column.put(featureNames.get(c), c);
        }
        List<String> missing = modelNames.stream().filter(name -> !column.containsKey(name)).toList();
        if (!missing.isEmpty() || modelNames.size() != dim) {
            List<String> unknown = featureNames.stream().filter(name -> !modelNames.contains(name)).toList();
            throw new FrameFormatException(file + ": its columns are not the model's: the model's " + missing
                    + " are missing, and " + unknown + " are unknown to it (the model's columns: " + modelNames + ")");
        }
        float[] ordered = new float[values.length];
        int[] from = modelNames.stream().mapToInt(column::get).toArray();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                ordered[r * dim + c] = values[r * dim + from[c]];
            }
        }
        return new FrameFile(dim, rows, ordered, List.copyOf(modelNames), null);
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
