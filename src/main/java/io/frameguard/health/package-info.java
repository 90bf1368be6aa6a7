/**
 * Readiness and liveness of the service. Ready ({@code PipelineReadiness}): the scorer's workers have joined their
 * group, the detector's Kafka Streams is running, the brokers answer ({@code BrokerConnectivity}) and the registry
 * watcher has a model to serve. Alive ({@code PipelineLiveness}): no part stopped that cannot come back by itself.
 *
 * <p>May depend on: {@code scoring}, {@code serving}.
 */
package io.frameguard.health;
