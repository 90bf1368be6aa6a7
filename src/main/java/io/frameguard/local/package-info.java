/**
 * Running frameguard on one machine: {@code LocalKafka} (a real Apache Kafka broker as a child process, from the
 * Maven Central jars), {@code LocalService} (the packaged service as a child process), both also used by the
 * benchmarks, and {@code Demo} ({@code frameguard demo}: broker, model, service, a simulated stream with injected
 * faults, and the anomalies printed as they arrive).
 *
 * <p>May depend on: {@code datasets}, {@code events}, {@code frames}, {@code memory} (the demo's verdicts), {@code model},
 * {@code training}.
 */
package io.frameguard.local;
