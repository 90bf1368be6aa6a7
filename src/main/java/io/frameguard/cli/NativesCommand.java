package io.frameguard.cli;

import java.io.File;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.Loader;
import picocli.CommandLine.Command;

/**
 * {@code frameguard natives}: unpacks TensorFlow Java's native libraries into javacpp's cache
 * ({@code FRAMEGUARD_NATIVE_CACHE}), or with {@code TENSORFLOW_LIBRARY_PATH} set loads the library there, and
 * prints where they are. Image builds run it so that containers start
 * without unpacking them (hundreds of MB) and can keep a read-only root file system.
 */
@Command(name = "natives", mixinStandardHelpOptions = true,
        description = "Unpack TensorFlow's native libraries into the cache (image builds) and print their directory.")
final class NativesCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        io.frameguard.inference.TensorFlowLibrary.ensureLocal(); // honours TENSORFLOW_LIBRARY_PATH (the GPU image)
        String lib = Loader.load(org.tensorflow.internal.c_api.global.tensorflow.class);
        if (lib == null) {
            System.err.println("javacpp could not load TensorFlow Java's native library");
            return 1;
        }
        System.out.println(new File(lib).getParent());
        return 0;
    }
}
