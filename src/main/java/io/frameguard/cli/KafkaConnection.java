package io.frameguard.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster is, with the client settings of a secured cluster: the options of every command that talks
 * to Kafka.
 */
final class KafkaConnection {

    @Option(names = "--bootstrap-servers", defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS or localhost:9092).")
    String bootstrapServers;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (security.protocol, sasl.*, ssl.*) for secured clusters; "
                    + "KAFKA_* environment variables (KAFKA_SASL_JAAS_CONFIG, ...) are read too, as the service does.")
    Path kafkaConfig;

    /**
     * Kafka client settings: environment variables KAFKA_* as the service reads them (KAFKA_SECURITY_PROTOCOL
     * is security.protocol, KAFKA_SASL_JAAS_CONFIG is sasl.jaas.config; KAFKA_STREAMS_* are the detector's and
     * skipped), then the properties file, then the brokers.
     */
    Map<String, Object> clientConfig() throws IOException {
        Map<String, Object> config = new HashMap<>(fromEnvironment(System.getenv()));
        if (kafkaConfig != null) {
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(kafkaConfig)) {
                p.load(in);
            }
            p.forEach((k, v) -> config.put(k.toString(), v));
        }
        config.put("bootstrap.servers", bootstrapServers);
        return config;
    }

    static final String ENV_PREFIX = "KAFKA_";

    static Map<String, Object> fromEnvironment(Map<String, String> env) {
        Map<String, Object> config = new HashMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(ENV_PREFIX) && !v.isBlank()) { // the service's own mapping of KAFKA_* names
                io.frameguard.config.KafkaSettingsForStreams.clientKey(k).ifPresent(key -> config.put(key, v));
            }
        });
        return config;
    }
}
