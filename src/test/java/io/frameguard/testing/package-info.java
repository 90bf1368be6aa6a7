/**
 * Shared test fixtures: the in-process test broker ({@code KafkaTestBroker}) and the Quarkus test resource built on
 * it ({@code BrokerTestResource}), small trained test models ({@code TestModels}), a topic reader, a real Prometheus
 * process ({@code PrometheusServer}), external tools ({@code ExternalTool}: kcat, promtool, podman, ...) and TLS
 * certificates ({@code Certificates}).
 *
 * <p>May depend on: every product package.
 */
package io.frameguard.testing;
