/**
 * The detector's Kafka Streams application: {@code TopologyProducer}, the one {@code @Produces Topology} bean, reads
 * the scores once, judges them (detection) and hangs the drift branch on what detection forwards;
 * {@code IdleSourceExpiry} forgets the sources that went quiet; {@code DetectorDeadLetters} sends what it cannot read or
 * judge ({@code UnjudgeableScore}) to the dead-letter topic.
 *
 * <p>May depend on: {@code detection}, {@code drift}, {@code memory} (the past anomalies a new one is compared with),
 * {@code events}, {@code metrics}, {@code config}.
 */
package io.frameguard.streams;
