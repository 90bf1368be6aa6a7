package io.frameguard.events;

/**
 * The incident an anomaly event belongs to: the events of one source whose frames were captured within
 * {@code frameguard.memory.merge-window} of each other and look alike (signatures at least {@code frameguard.memory.merge-similarity}
 * similar) are one incident, remembered once in the anomaly memory.
 *
 * @param id the event id of the incident's first event (its key on the memory topic)
 * @param count events in the incident so far, this one included
 * @param firstSeen when its first event was detected, epoch ms
 */
public record Incident(String id, int count, long firstSeen) {}
