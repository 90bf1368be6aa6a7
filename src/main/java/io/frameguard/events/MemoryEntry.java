package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One incident as the anomaly memory keeps it, on the memory topic (JSON, key = the incident's id; compacted, so the
 * latest record of an incident is the incident). The detector writes it whenever events join the incident, once per
 * score record that holds them, in the same transaction as those events. docs/EVENTS.md documents the layout.
 *
 * @param incident its id, event count and first detection
 * @param source the source whose frames the incident's events are about
 * @param lastSeen when its latest event was detected, epoch ms
 * @param members ids of its events: the first and the newest, at most {@value #MAX_MEMBERS} (a verdict on any of them
 *     is a verdict on the incident)
 * @param event its latest event, signature included
 * @param picture the latest event's frame and error map, small (null when the score record carried none)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MemoryEntry(int schemaVersion, Incident incident, String source, long lastSeen, List<String> members,
        AnomalyEvent event, Picture picture) {

    public static final int SCHEMA_VERSION = 1;
    /** Event ids an entry lists: bounds the record of a long incident. */
    public static final int MAX_MEMBERS = 32;

    public MemoryEntry {
        members = members == null ? List.of() : List.copyOf(members);
    }

    /** The incident's id, or null when the record names none. */
    public String id() {
        return incident == null ? null : incident.id();
    }
}
