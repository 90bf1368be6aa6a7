package io.frameguard.testing;

import io.frameguard.local.LocalKafka;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The local broker process with more listeners and settings on top of the plain one (which readiness checks and test
 * setup keep using), for tests of secured clients.
 */
public final class SecuredLocalKafka extends LocalKafka {

    private final Map<String, String> listeners;
    private final Map<String, String> properties;
    private final List<String> formatArguments;

    private SecuredLocalKafka(Map<String, String> listeners, Map<String, String> properties, List<String> formatArguments) {
        this.listeners = listeners;
        this.properties = properties;
        this.formatArguments = formatArguments;
    }

    /**
     * Starts a fresh broker from {@code classpath} in {@code workDir}.
     *
     * @param listeners listener name to security protocol, each on a free port ({@link #listenerAddress(String)})
     * @param properties added to server.properties as they are
     * @param formatArguments added to {@code StorageTool format}, e.g. {@code --add-scram} for SCRAM users
     */
    public static SecuredLocalKafka start(String classpath, Path workDir, Map<String, String> listeners,
            Map<String, String> properties, List<String> formatArguments) throws IOException, InterruptedException {
        SecuredLocalKafka kafka = new SecuredLocalKafka(listeners, properties, formatArguments);
        kafka.startFresh(classpath, workDir);
        return kafka;
    }

    @Override
    protected Map<String, String> extraListeners() {
        return listeners;
    }

    @Override
    protected Map<String, String> extraProperties() {
        return properties;
    }

    @Override
    protected List<String> extraFormatArguments() {
        return formatArguments;
    }
}
