package io.frameguard.events;

/**
 * The incident an anomaly event belongs to: the events of one source whose frames were captured within
 * {@code frameguard.memory.merge-window} of each other and that look alike (signatures, top channels' shares or image
 * regions at least {@code frameguard.memory.merge-similarity} alike), or that come while the source is in a fault episode,
 * are one incident, remembered once in the anomaly memory ({@code detection.IncidentPolicy} says how).
 *
 * @param id the event id of the incident's first event (its key on the memory topic)
 * @param count events in the incident so far, this one included
 * @param firstSeen when its first event was detected, epoch ms
 */
public record Incident(String id, int count, long firstSeen) {}
