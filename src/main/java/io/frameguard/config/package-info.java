/**
 * The service's settings: {@code FrameguardConfig} (the validated {@code frameguard.*} mapping), {@code ConfigCheck}
 * (checks across settings, failing the start with a message that names them), {@code KafkaSettingsForStreams} (the
 * {@code kafka.*} client settings for the detector's Kafka Streams too) and {@code ScoresFormat}.
 *
 * <p>May depend on: nothing else of frameguard.
 */
package io.frameguard.config;
