package io.frameguard.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Every {@code kafka.*} client setting, from a properties file or the environment, is a {@code kafka-streams.*} setting
 * too (what Quarkus hands Kafka Streams), unless set for Streams itself or owned by Streams.
 */
class KafkaSettingsForStreamsTest {

    private static SmallRyeConfig config(Map<String, String> properties, Map<String, String> env) {
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 300), new EnvConfigSource(env, 400))
                .withInterceptors(new KafkaSettingsForStreams())
                .build();
    }

    /** The {@code kafka-streams.*} settings as Quarkus collects them: every name with the prefix, and its value. */
    private static Map<String, String> streamsSettings(SmallRyeConfig config) {
        Map<String, String> settings = new HashMap<>();
        StreamSupport.stream(config.getPropertyNames().spliterator(), false)
                .filter(n -> n.startsWith("kafka-streams."))
                .forEach(n -> config.getOptionalValue(n, String.class).ifPresent(v -> settings.put(n.substring(14), v)));
        return settings;
    }

    @Test
    void everyClientSettingReachesStreamsFromPropertiesAndEnvironment() {
        SmallRyeConfig config = config(Map.of(
                        "kafka.bootstrap.servers", "broker:9093",
                        "kafka.sasl.mechanism", "OAUTHBEARER",
                        "kafka.sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
                        "kafka.sasl.oauthbearer.token.endpoint.url", "https://idp.example/token",
                        "kafka.metadata.max.age.ms", "60000",
                        "kafka-streams.processing.guarantee", "exactly_once_v2",
                        "kafka-streams.state.dir", "/default"),
                Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"fg\" clientSecret=\"s\";",
                        "KAFKA_STREAMS_STATE_DIR", "/tmp/state"));

        Map<String, String> streams = streamsSettings(config);
        assertThat(streams).containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("sasl.mechanism", "OAUTHBEARER")
                .containsEntry("sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler")
                .containsEntry("sasl.oauthbearer.token.endpoint.url", "https://idp.example/token")
                .containsEntry("metadata.max.age.ms", "60000")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("state.dir", "/tmp/state");
        assertThat(streams.get("sasl.jaas.config")).contains("clientId=\"fg\"");
        // the environment's KAFKA_STREAMS_* are Streams' own settings, never client settings named "streams.*"
        assertThat(streams).doesNotContainKey("streams.state.dir");
    }

    @Test
    void aStreamsSettingOfItsOwnWins() {
        SmallRyeConfig config = config(Map.of("kafka.metadata.max.age.ms", "60000", "kafka-streams.metadata.max.age.ms", "1000"), Map.of());
        assertThat(streamsSettings(config)).containsEntry("metadata.max.age.ms", "1000");
    }

    @Test
    void settingsStreamsOwnsAreNotPassed() {
        SmallRyeConfig config = config(Map.of("kafka.group.id", "someone-else", "kafka.transactional.id", "x",
                "kafka.auto.offset.reset", "latest", "kafka.transaction.timeout.ms", "900000", "kafka.isolation.level", "read_uncommitted",
                "kafka.value.deserializer", "x.Y"), Map.of("KAFKA_GROUP_ID", "env-group"));
        assertThat(streamsSettings(config)).isEmpty();
    }
}
