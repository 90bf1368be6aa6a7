package io.frameguard.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.Priorities;
import jakarta.annotation.Priority;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Gives the detector's Kafka Streams every client setting under {@code kafka.*}, as the scorer's clients get them:
 * {@code kafka.X} (or the environment variable {@code KAFKA_X}) is also {@code kafka-streams.X}, unless that is set
 * itself. Quarkus hands Streams only {@code kafka-streams.*} and its own {@code quarkus.kafka-streams.*} keys, so
 * without this a secured cluster's settings beyond a fixed list (an OAUTHBEARER token endpoint, a login callback
 * handler, a config provider) reached the scorer and not the detector.
 *
 * <p>Left out: the settings Streams owns for its own clients ({@link #OWNED_BY_STREAMS}), and what is not a Kafka
 * client setting (names with a dash, Quarkus's own {@code kafka.ui}, Streams' own {@code KAFKA_STREAMS_*} variables).
 */
@Priority(Priorities.LIBRARY + 500)
public final class KafkaSettingsForStreams implements ConfigSourceInterceptor {

    private static final long serialVersionUID = 1L;

    static final String CLIENT_PREFIX = "kafka.";
    static final String STREAMS_PREFIX = "kafka-streams.";
    private static final String ENV_PREFIX = "KAFKA_";
    private static final String STREAMS_ENV_PREFIX = "KAFKA_STREAMS_";

    /**
     * Client settings Streams sets per client from its own settings (group and transactional ids from the
     * application id, exactly-once from processing.guarantee, its serdes), or that are the scorer's alone (where it
     * starts in a topic it has never read, its transactions' timeout): passing them would break the detector.
     */
    static final Set<String> OWNED_BY_STREAMS = Set.of("group.id", "group.instance.id", "transactional.id",
            "enable.idempotence", "isolation.level", "enable.auto.commit", "auto.offset.reset", "transaction.timeout.ms",
            "key.serializer", "value.serializer", "key.deserializer", "value.deserializer", "ui");

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue own = context.proceed(name);
        if (own != null || !name.startsWith(STREAMS_PREFIX)) {
            return own;
        }
        String key = name.substring(STREAMS_PREFIX.length());
        if (!passed(key)) {
            return null;
        }
        ConfigValue client = context.proceed(CLIENT_PREFIX + key);
        return client == null ? null : client.withName(name);
    }

    @Override
    public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
        Set<String> names = new LinkedHashSet<>();
        context.iterateNames().forEachRemaining(names::add);
        for (String name : Set.copyOf(names)) {
            clientKey(name).filter(KafkaSettingsForStreams::passed).ifPresent(key -> names.add(STREAMS_PREFIX + key));
        }
        return names.iterator();
    }

    /**
     * The client setting a configuration name stands for: {@code kafka.sasl.mechanism} or {@code KAFKA_SASL_MECHANISM}
     * ({@code KAFKA_STREAMS_*} are Streams' own); the commands read their environment with it too.
     */
    public static Optional<String> clientKey(String name) {
        if (name.startsWith(CLIENT_PREFIX)) {
            return Optional.of(name.substring(CLIENT_PREFIX.length()));
        }
        if (name.startsWith(ENV_PREFIX) && !name.startsWith(STREAMS_ENV_PREFIX) && name.equals(name.toUpperCase(Locale.ROOT))) {
            return Optional.of(name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        return Optional.empty();
    }

    static boolean passed(String key) {
        // "streams.*": the environment's KAFKA_STREAMS_* read as kafka.streams.*, Streams' own settings, not a client's
        return !key.isEmpty() && !key.contains("-") && !OWNED_BY_STREAMS.contains(key) && !key.startsWith("ui.")
                && !key.startsWith("streams.");
    }
}
