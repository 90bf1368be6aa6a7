package io.frameguard.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks and file handling that several commands share, whatever their options' mixins. */
final class CommandOptions {

    private CommandOptions() {
    }

    /** A count option that must be positive, refused by name. */
    static void atLeastOne(String option, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
    }

    /** Makes the directories an output file goes into (as train does for its model directory). */
    static void createParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
    }
}
