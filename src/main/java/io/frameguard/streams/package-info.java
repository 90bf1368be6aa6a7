/**
 * The detector's Kafka Streams application: {@code TopologyProducer}, the one {@code @Produces Topology} bean, reads
 * the scores once and adds the detection and the drift branches to it; {@code DetectorDeadLetters} sends what it cannot
 * read or judge to the dead-letter topic.
 *
 * <p>May depend on: {@code detection}, {@code drift}, {@code memory} (the past anomalies a new one is compared with),
 * {@code events}, {@code metrics}, {@code config}.
 */
package io.frameguard.streams;
