package io.frameguard.cli;

import io.frameguard.frames.FrameFile;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options that name a file of frames, shared by {@code train} and {@code score}. */
final class FrameInput {
    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Frames file.")
    Path data;

    @Option(names = "--format", required = true, paramLabel = "csv|f32",
            description = "csv: one frame per line (optional header of feature names); f32: raw float32 little-endian.")
    FrameFile.Format format;

    @Option(names = "--dim", paramLabel = "N", defaultValue = "0",
            description = "Values per frame (required for f32; checked for csv).")
    int dim;

    FrameFile read() throws IOException {
        return FrameFile.read(data, format, dim);
    }
}
