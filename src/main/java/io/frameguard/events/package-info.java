/**
 * The records on frameguard's topics, in one place: {@link io.frameguard.events.Topics} declares every topic with its
 * key and value types and serdes ({@link io.frameguard.events.Topic}; the registry and the trainers' lease topic belong
 * to {@code ModelRegistry} and {@code TrainerLease}); the record types ({@code ScoreBatch} of {@code ScoreRecord}s,
 * {@code AnomalyEvent}, {@code DriftEvent}, {@code Verdict}, {@code MemoryEntry}, {@code SourceMinute}, the dead
 * letters' {@code DeadLetterHeaders}) and their parts ({@code FrameRef}: a frame's coordinates and its id;
 * {@code ChannelError}, {@code ImageRegion}, {@code Incident}, {@code Picture}, {@code Signature},
 * {@code Recollection}, {@code Base64Bytes}); {@code EventText} (an event as one line); the JSON and
 * state-store serdes; creating the topics ({@code TopicSetup}) and reading bounded ranges of them
 * ({@code TopicRanges}). docs/EVENTS.md documents every record; a JSON layout change bumps its version and keeps the
 * old one readable here.
 *
 * <p>The detector's state stores are internal (their changelogs are read by no one else): their value types and
 * serdes sit with the state they hold ({@code SourceState}, {@code DriftState}), built on {@code StateSerde} here.
 *
 * <p>May depend on: {@code config} (topic names). Every stage that reads or writes a topic depends on this package.
 */
package io.frameguard.events;
