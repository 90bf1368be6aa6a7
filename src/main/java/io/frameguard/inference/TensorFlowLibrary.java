package io.frameguard.inference;

import java.io.File;
import java.util.Properties;
import org.bytedeco.javacpp.Loader;
import org.jboss.logging.Logger;

/**
 * Makes DJL's TensorFlow engine use a local native library, never a download.
 *
 * <p>DJL looks for {@code libjnitensorflow.so} in {@code TENSORFLOW_LIBRARY_PATH} (environment or system
 * property) and otherwise downloads one. When it is not set (the CPU default), this loads TensorFlow Java's
 * CPU natives through javacpp (the same TF 2.10.1 build, which the trainer needs anyway) and points DJL at the
 * directory javacpp unpacked them to. When it is set (the GPU image points it at TensorFlow's CUDA build), DJL
 * loads that build and javacpp is pointed at it too, so training and scoring share one TensorFlow.
 */
public final class TensorFlowLibrary {

    public static final String LIBRARY_PATH = "TENSORFLOW_LIBRARY_PATH";
    private static final String PRELOAD_PATH = "org.bytedeco.javacpp.platform.preloadpath";
    private static final Logger LOG = Logger.getLogger(TensorFlowLibrary.class);
    private static volatile String loadedFrom;

    private TensorFlowLibrary() {}

    /**
     * Whether the library in use is a CUDA build: DJL's native packages name their build in
     * {@code tensorflow.properties} ({@code classifier=cu113-linux-x86_64}); TensorFlow Java's natives are CPU builds.
     */
    public static boolean isCudaBuild() {
        File properties = new File(ensureLocal(), "tensorflow.properties");
        if (!properties.isFile()) {
            return false;
        }
        Properties p = new Properties();
        try (var in = new java.io.FileInputStream(properties)) {
            p.load(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + properties + ": " + e.getMessage(), e);
        }
        return p.getProperty("classifier", "").startsWith("cu");
    }

    /** Idempotent; returns the directory DJL will load TensorFlow from. */
    public static synchronized String ensureLocal() {
        if (loadedFrom != null) {
            return loadedFrom;
        }
        System.setProperty("ai.djl.offline", "true");
        String configured = System.getenv(LIBRARY_PATH);
        if (configured == null) {
            configured = System.getProperty(LIBRARY_PATH);
        }
        if (configured != null && !configured.isBlank()) {
            loadedFrom = configured;
            // TensorFlow Java (the trainer) loads through javacpp: have it take the same library from there. Its
            // own CPU natives jar must not be on the class path then, or javacpp loads that build first (and DJL,
            // sharing it, sees no GPU): the GPU image removes it.
            String preload = System.getProperty(PRELOAD_PATH);
            System.setProperty(PRELOAD_PATH, preload == null || preload.isBlank() ? configured
                    : configured + File.pathSeparator + preload);
            LOG.infof("TensorFlow native library from %s=%s", LIBRARY_PATH, configured);
            return loadedFrom;
        }
        String lib = Loader.load(org.tensorflow.internal.c_api.global.tensorflow.class);
        if (lib == null) {
            throw new IllegalStateException("javacpp could not load TensorFlow Java's native library; set "
                    + LIBRARY_PATH + " to a directory holding " + System.mapLibraryName("jnitensorflow"));
        }
        loadedFrom = new File(lib).getParent();
        System.setProperty(LIBRARY_PATH, loadedFrom);
        LOG.debugf("TensorFlow native library from TensorFlow Java: %s", loadedFrom);
        return loadedFrom;
    }
}
