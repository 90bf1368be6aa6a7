package io.frameguard.cli;

import io.frameguard.datasets.FrameFile;
import io.frameguard.frames.ImageGeometry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that name a file of frames, shared by {@code train} and {@code score}. */
final class FrameInput {
    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "Frames file (csv, f32, idx images), or a directory of PNG/JPEG files (png-dir).")
    Path data;

    @Option(names = "--format", paramLabel = "csv|f32|idx|png-dir", converter = FormatConverter.class,
            description = "csv: one frame per line (optional header of feature names); f32: raw float32 little-endian; "
                    + "idx: MNIST-style image file (.gz or not); png-dir: a directory of PNG/JPEG images. Default: told by "
                    + "the --data name (.csv, .tsv, .txt; .f32; idx in the name; a directory).")
    FrameFile.Format format;

    @Option(names = "--dim", paramLabel = "N", defaultValue = "0",
            description = "Values per frame (required for f32; checked for the others).")
    int dim;

    @Option(names = "--labels", paramLabel = "L[,L...]", split = ",",
            description = "idx: keep only images with these labels (the normal classes); read from the matching labels file.")
    List<Integer> labels;

    @Option(names = "--image-size", paramLabel = "WxHxC",
            description = "png-dir: convert every image to this width, height and channels (1 or 3); default: the first image's "
                    + "(train), the model's (score, which takes no other).")
    String imageSize;

    /** The --format given, or the one the --data name tells. */
    FrameFile.Format format() {
        if (format != null) {
            return format;
        }
        String name = data.getFileName() == null ? "" : data.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (java.nio.file.Files.isDirectory(data)) {
            return FrameFile.Format.pngDir;
        }
        if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) {
            return FrameFile.Format.csv;
        }
        if (name.endsWith(".f32")) {
            return FrameFile.Format.f32;
        }
        if (name.contains("idx")) {
            return FrameFile.Format.idx;
        }
        throw new IllegalArgumentException("--format: the name of " + data + " does not tell its format; give --format "
                + "csv|f32|idx|png-dir");
    }

    FrameFile read() throws IOException {
        return read(parseGeometry(imageSize));
    }

    /**
     * Reads the frames; images in a directory are converted to {@code geometry} when it is not null. What looks wrong
     * with them though they can be read is then {@link #doubts}.
     */
    FrameFile read(ImageGeometry geometry) throws IOException {
        FrameFile.Format f = format();
        String named = f == FrameFile.Format.pngDir ? "png-dir" : f.name();
        // options that would do nothing for this format are refused, not ignored
        if (labels != null && f != FrameFile.Format.idx) {
            throw new IllegalArgumentException("--labels keeps the images of those classes of an idx file (read from its "
                    + "labels file); " + data + " is " + named + ": leave --labels out");
        }
        if (imageSize != null && (f == FrameFile.Format.csv || f == FrameFile.Format.f32)) {
            throw new IllegalArgumentException("--image-size converts images; " + data + " holds sensor frames (" + named
                    + "): leave --image-size out");
        }
        if (f == FrameFile.Format.pngDir) {
            io.frameguard.datasets.ImageFiles.ImageDir dir = io.frameguard.datasets.ImageFiles.readImageDir(data, geometry, false);
            doubts = dir.doubts();
            return dir.frames();
        }
        FrameFile frames = FrameFile.read(data, format(), new FrameFile.ReadOptions(dim,
                labels == null ? null : new LinkedHashSet<>(labels), geometry));
        doubts = frames.doubts();
        return frames;
    }

    /** What looks wrong with the frames last read though they can be read ({@link FrameFile#doubts}, {@code ImageDir.doubts}). */
    List<String> doubts() {
        return doubts;
    }

    private List<String> doubts = List.of();

    /** Refuses an output that is the input file itself: writing it would destroy the frames before they are read. */
    void refuseOverwriting(String option, Path output) throws IOException {
        if (output != null && java.nio.file.Files.exists(output) && java.nio.file.Files.exists(data)
                && java.nio.file.Files.isSameFile(output, data)) {
            throw new IllegalArgumentException(option + " " + output + " is the --data file: writing it would overwrite the frames");
        }
    }

    static ImageGeometry parseGeometry(String size) {
        if (size == null) {
            return null;
        }
        String[] parts = size.toLowerCase(java.util.Locale.ROOT).split("x");
        try {
            if (parts.length == 3) {
                return new ImageGeometry(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--image-size '" + size + "': expected WIDTHxHEIGHTxCHANNELS such as 28x28x1");
    }

    /** Accepts the formats' user-facing names, {@code png-dir} included. */
    static final class FormatConverter implements picocli.CommandLine.ITypeConverter<FrameFile.Format> {
        @Override
        public FrameFile.Format convert(String value) {
            return FrameFile.Format.ofLabel(value);
        }
    }
}
