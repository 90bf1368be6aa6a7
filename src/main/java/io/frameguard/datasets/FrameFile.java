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
 *   <li>{@code csv}: one frame per line, numbers separated by commas (or semicolons, or tabs: the first two lines
 *       say which, {@link #separatorOf}); an optional first line of non-numeric column names becomes the feature names.
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
        FrameFile frames;
        try {
            frames = switch (format) {
                case csv -> readCsv(file, options.expectedDim());
                case f32 -> readF32(file, options.expectedDim());
                case idx -> ImageFiles.readIdx(file, options.labels());
                case pngDir -> ImageFiles.readImageDir(file, options.imageGeometry());
            };
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new FrameFormatException(file + ": not UTF-8 text (" + e.getMessage() + "): save it as UTF-8");
        } catch (java.io.EOFException e) {
            throw new FrameFormatException(file + ": ends before its " + format.label() + " content does (truncated?)");
        }
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
        if (size == 0) {
            throw new FrameFormatException(file + ": no frames (the file is empty)");
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
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            // the first two lines that hold frames (or a header) decide the separator; the file is read once (it may be
            // a pipe)
            List<String> first = new ArrayList<>(2);
            List<Integer> firstNo = new ArrayList<>(2);
            int lineNo = 0;
            String line;
            while (first.size() < 2 && (line = r.readLine()) != null) {
                line = significant(line, ++lineNo);
                if (line != null) {
                    first.add(line);
                    firstNo.add(lineNo);
                }
            }
            CsvRows rows = new CsvRows(file, expectedDim, separatorOf(first));
            for (int i = 0; i < first.size(); i++) {
                rows.add(first.get(i), firstNo.get(i));
            }
            while ((line = r.readLine()) != null) {
                line = significant(line, ++lineNo);
                if (line != null) {
                    rows.add(line, lineNo);
                }
            }
            return rows.frames();
        }
    }

    /** The most values one Java array holds, and so one file read at once. */
    static final int MAX_VALUES = Integer.MAX_VALUE - 8;

    /** A CSV file's lines as they are read: the header's names, then the frames' values. */
    private static final class CsvRows {
        private final Path file;
        private final int expectedDim;
        private final String separator;
        private List<String> names;
        private int dim = -1;
        private float[] values = new float[1024];
        private int n;

        CsvRows(Path file, int expectedDim, String separator) {
            this.file = file;
            this.expectedDim = expectedDim;
            this.separator = separator;
        }

        void add(String line, int lineNo) throws FrameFormatException {
            if (!"\t".equals(separator) && line.isBlank()) {
                return; // stray tabs in a file separated otherwise: a blank line (in a TSV, a row of missing values)
            }
            String[] cells = line.split(separator, -1);
            if (dim < 0) {
                dim = cells.length;
                if (expectedDim > 0 && dim != expectedDim) {
                    throw new FrameFormatException(file + ":" + lineNo + ": " + dim + " columns, --dim says " + expectedDim);
                }
                if (isHeader(cells)) {
                    names = new ArrayList<>(cells.length);
                    for (String cell : cells) {
                        names.add(cleanName(cell));
                    }
                    return;
                }
            }
            if (cells.length != dim) {
                throw new FrameFormatException(file + ":" + lineNo + ": " + cells.length + " values, expected " + dim);
            }
            if (n + dim > values.length) {
                long grown = Math.max(2L * values.length, (long) n + dim);
                if ((long) n + dim > MAX_VALUES) {
                    throw new FrameFormatException(file + ":" + lineNo + ": more than " + MAX_VALUES + " values, more than "
                            + "one Java array holds: split the file, or keep fewer of its rows or columns");
                }
                values = java.util.Arrays.copyOf(values, (int) Math.min(grown, MAX_VALUES));
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
                        throw new FrameFormatException(file + ":" + lineNo + ": column " + (k + 1) + " is " + cell
                                + (Float.isNaN(v) || cell.toLowerCase(java.util.Locale.ROOT).contains("inf") ? ", no number"
                                        : ", beyond float32's range (3.4e38)") + ": frames hold finite numbers only");
                    }
                    values[n++] = v;
                } catch (NumberFormatException e) {
                    throw new FrameFormatException(file + ":" + lineNo + ": not a number: '" + cell + "'"
                            + (DECIMAL_COMMA.matcher(cell).matches() ? " (a decimal comma: numbers are written with a point, "
                                    + cell.replace(',', '.') + ")"
                                    : SPACED.matcher(cell).matches() ? " (numbers separated by spaces: separate them by "
                                            + "commas, semicolons or tabs)" : ""));
                }
            }
        }

        /**
         * Whether a first line is a header: at least half its cells hold names, or its first cell is a name or empty and
         * the others are numbers that rise (the column numbers or wavelengths pandas writes after an index's empty name or
         * a time column's name). So a frame with a value missing (empty, or written {@code nan} or {@code NA}) is a frame,
         * refused as such, not a header whose names are its numbers.
         */
        static boolean isHeader(String[] cells) {
            int names = 0;
            for (String cell : cells) {
                String c = cell.strip();
                // numbers split by spaces are no name (a file whose separator is a space, refused with a hint)
                names += !c.isEmpty() && !isNumber(c) && !SPACED.matcher(c).matches() ? 1 : 0;
            }
            if (2 * names >= cells.length) {
                return true;
            }
            String first = cells[0].strip();
            if (cells.length < 3 || !first.isEmpty() && isNumber(first)) {
                return false;
            }
            double previous = Double.NEGATIVE_INFINITY;
            for (int i = 1; i < cells.length; i++) {
                String c = cells[i].strip();
                if (!isNumber(c) || Double.parseDouble(c) <= previous) {
                    return false;
                }
                previous = Double.parseDouble(c);
            }
            return true;
        }

        FrameFile frames() throws FrameFormatException {
            if (dim < 0 || n == 0) {
                throw new FrameFormatException(file + ": no frames");
            }
            return new FrameFile(dim, n / dim, java.util.Arrays.copyOf(values, n), names != null ? names : defaultNames(dim));
        }
    }

    /**
     * What looks wrong with these sensor frames though they can be read, for the trainer to say before it learns from
     * them: a column that grows from row to row and never falls (an index, a clock or a counter: every column is a feature, and later frames bring
     * values it never saw), a header column without a name (an index, as pandas writes it), a first frame that is the
     * column numbers (a header of numbers, read as a frame).
     */
    public List<String> doubts() {
        List<String> doubts = new ArrayList<>();
        if (image != null || rows < 3) {
            return doubts;
        }
        boolean countsFromZero = true;
        boolean countsFromOne = true;
        for (int c = 0; c < dim; c++) {
            countsFromZero &= values[c] == c;
            countsFromOne &= values[c] == c + 1;
            if (featureNames.get(c).isEmpty()) {
                doubts.add("column " + (c + 1) + " of the header has no name: an index? Every column is a feature: leave it "
                        + "out of the file");
            }
            // never falling and higher at the end: a clock's seconds since 1970 are equal in float32 for 128 s at a time
            boolean grows = values[(rows - 1) * dim + c] > values[c];
            for (int r = 1; r < rows && grows; r++) {
                grows = values[r * dim + c] >= values[(r - 1) * dim + c];
            }
            if (grows) {
                doubts.add("column " + featureNames.get(c) + " grows from row to row and never falls: an index, a time or a "
                        + "counter? Every column is a feature, and later frames will bring values it never saw: leave it out "
                        + "of the file");
            }
            boolean same = true;
            for (int r = 1; r < rows && same; r++) {
                same = Float.compare(values[r * dim + c], values[c]) == 0;
            }
            if (same) {
                doubts.add("column " + featureNames.get(c) + " is " + values[c] + " in every frame: a setpoint or a flag? It "
                        + "is kept, and any other value of it will score as a fault: leave it out of the file if it may "
                        + "change in normal running");
            }
        }
        if ((countsFromZero || countsFromOne) && dim > 1) {
            doubts.add("the first frame is " + (countsFromZero ? "0, 1, 2" : "1, 2, 3") + ", ...: a header of column numbers? "
                    + "It is read as a frame");
        }
        return doubts;
    }

    private static final String BYTE_ORDER_MARK = "\ufeff";
    private static final java.util.regex.Pattern DECIMAL_COMMA = java.util.regex.Pattern.compile("[-+]?[0-9]+,[0-9]+");
    private static final java.util.regex.Pattern SPACED = java.util.regex.Pattern.compile("[-+0-9.eE]+( +[-+0-9.eE]+)+");

    /**
     * A line as read, or null when it holds no frame (blank, a {@code #} comment): spaces around it dropped (not tabs,
     * which may separate an empty first column), and the byte-order mark spreadsheet programs start a UTF-8 file with.
     */
    private static String significant(String line, int lineNo) {
        if (lineNo == 1 && line.startsWith(BYTE_ORDER_MARK)) {
            line = line.substring(1);
        }
        // blank is spaces only: a line of tabs is a TSV row whose values are all missing, refused as such
        if (line.chars().allMatch(ch -> ch == ' ') || line.strip().startsWith("#")) {
            return null;
        }
        int from = 0;
        int to = line.length();
        while (line.charAt(from) == ' ') {
            from++;
        }
        while (line.charAt(to - 1) == ' ') {
            to--;
        }
        return line.substring(from, to);
    }

    /** Separators a file's values may be split by, in the order they are tried. */
    private static final List<String> SEPARATORS = List.of(",", ";", "\t");

    /**
     * The file's separator: the first of a comma, a semicolon and a tab that splits its first two lines (a header and a
     * frame, or two frames) into the same number of cells, more than one; a comma where none does (one column). So a
     * comma file whose header names hold a semicolon stays a comma file, and a semicolon file with decimal commas (the
     * files of locales that write them) is a semicolon file.
     */
    private static String separatorOf(List<String> first) {
        for (String separator : SEPARATORS) {
            int cells = -1;
            boolean agree = !first.isEmpty();
            for (String line : first) {
                int n = line.split(separator, -1).length;
                agree &= n > 1 && (cells < 0 || n == cells);
                cells = n;
            }
            if (agree) {
                return separator;
            }
        }
        return ",";
    }

    /** A header's column name without the spaces, quotes and byte-order mark spreadsheet programs put around names. */
    private static String cleanName(String name) {
        String n = name.replace(BYTE_ORDER_MARK, "").strip();
        if (n.length() >= 2 && n.startsWith("\"") && n.endsWith("\"")) {
            n = n.substring(1, n.length() - 1).strip();
        }
        return n;
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
        if (image != null || modelNames == null || featureNames == null || modelNames.size() != dim) {
            return this;
        }
        // cards written by earlier readers kept quotes and byte-order marks in their names
        List<String> model = modelNames.stream().map(FrameFile::cleanName).toList();
        List<String> defaults = defaultNames(dim);
        if (featureNames.equals(model) || featureNames.equals(defaults) || !unique(model) || !unique(featureNames)) {
            return this; // in the model's order, or no header, or names that cannot say which column is which (windows)
        }
        java.util.Map<String, Integer> column = new java.util.HashMap<>();
        for (int c = 0; c < featureNames.size(); c++) {
            column.put(featureNames.get(c), c);
        }
        List<String> missing = model.stream().filter(name -> !column.containsKey(name)).toList();
        if (!missing.isEmpty()) {
            if (model.equals(defaults)) {
                return this; // a model trained on a file without a header: its columns by position
            }
            throw new FrameFormatException(file + ": " + columnsAgainst(modelNames) + " (the model's columns: " + model + ")");
        }
        float[] ordered = new float[values.length];
        int[] from = model.stream().mapToInt(column::get).toArray();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < dim; c++) {
                ordered[r * dim + c] = values[r * dim + from[c]];
            }
        }
        return new FrameFile(dim, rows, ordered, model, null);
    }

    /**
     * For a file of another width than the model's: the header's names the model does not have and the model's the header
     * lacks, as a phrase ("its [time] are not the model's; the model's [s5] are missing"), or empty where the file or the
     * model has no names of its own (no header, default names).
     */
    public String columnsAgainst(List<String> modelNames) {
        if (image != null || modelNames == null || featureNames == null || featureNames.equals(defaultNames(dim))) {
            return "";
        }
        List<String> model = modelNames.stream().map(FrameFile::cleanName).toList();
        if (model.equals(defaultNames(model.size()))) {
            return "";
        }
        List<String> unknown = featureNames.stream().filter(name -> !model.contains(name)).toList();
        List<String> missing = model.stream().filter(name -> !featureNames.contains(name)).toList();
        return (unknown.isEmpty() ? "" : "its columns " + unknown + " are not the model's")
                + (!unknown.isEmpty() && !missing.isEmpty() ? "; " : "")
                + (missing.isEmpty() ? "" : "the model's " + missing + " are missing");
    }

    private static boolean unique(List<String> names) {
        return new java.util.HashSet<>(names).size() == names.size();
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
