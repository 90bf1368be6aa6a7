/**
 * Running frameguard on one machine: {@code LocalKafka} (a real Apache Kafka broker as a child process, from the
 * Maven Central jars) and {@code LocalService} (the packaged service as a child process), used by the demo and the
 * benchmarks.
 *
 * <p>May depend on: nothing else of frameguard.
 */
package io.frameguard.local;
