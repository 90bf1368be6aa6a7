/**
 * Readiness of the service: the scorer's workers have joined their group and the detector's Kafka Streams is
 * running ({@code PipelineReadiness}), and the brokers answer ({@code BrokerConnectivity}).
 *
 * <p>May depend on: {@code scoring}, {@code config}.
 */
package io.frameguard.health;
