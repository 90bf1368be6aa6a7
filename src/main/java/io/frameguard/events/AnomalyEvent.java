package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;

/**
 * One anomaly, as published on {@code anomalies} (JSON, key = source id). Schema documented in
 * docs/EVENTS.md; {@link #SCHEMA_VERSION} changes when a field changes meaning or goes away (adding fields
 * does not).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AnomalyEvent(
        int schemaVersion,
        String eventId,
        String source,
        FrameRef frame,
        long captureTimestamp,
        long scoredTimestamp,
        long detectedTimestamp,
        double score,
        double threshold,
        double modelThreshold,
        String modelVersion,
        String severity,
        Window window,
        Explanation explanation,
        @JsonInclude(JsonInclude.Include.NON_NULL) Signature signature,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Recollection.SimilarAnomaly> similar,
        @JsonInclude(JsonInclude.Include.NON_NULL) Recollection.Recognition recognisedAs,
        @JsonInclude(JsonInclude.Include.NON_NULL) Recollection.Suppression suppressed,
        @JsonInclude(JsonInclude.Include.NON_NULL) Incident incident) {

    public static final int SCHEMA_VERSION = 1;

    /** An event without {@code similar} (written before it existed, or with none) reads as one with an empty list. */
    public AnomalyEvent {
        similar = similar == null ? List.of() : similar;
    }

    /** The same event with what the anomaly memory says about it. */
    public AnomalyEvent with(Recollection r) {
        return new AnomalyEvent(schemaVersion, eventId, source, frame, captureTimestamp, scoredTimestamp, detectedTimestamp,
                score, threshold, modelThreshold, modelVersion, severity, window, explanation, signature, r.similar(),
                r.recognisedAs(), r.suppressed(), incident);
    }

    /** The same event as part of that incident. */
    public AnomalyEvent in(Incident i) {
        return new AnomalyEvent(schemaVersion, eventId, source, frame, captureTimestamp, scoredTimestamp, detectedTimestamp,
                score, threshold, modelThreshold, modelVersion, severity, window, explanation, signature, similar,
                recognisedAs, suppressed, i);
    }

    /** The k-of-n rule in force and how many of the last n frames exceeded. */
    public record Window(int k, int n, int exceeded) {}

    /**
     * Why. {@value #CHANNELS}: the sensor channels with the largest reconstruction errors. {@value #IMAGE_REGION}:
     * the image region of largest error. Both: the path of the frame's heatmap on the service's HTTP API (any replica,
     * drawn from the anomaly memory while it remembers the event's incident).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Explanation(String kind, List<ChannelError> topChannels, ImageRegion region,
            String heatmap) {
        public static final String CHANNELS = "channels";
        public static final String IMAGE_REGION = "image-region";

        /** What a score record says about why its frame scored as it did. */
        public static Explanation of(ScoreRecord s) {
            if (s.region() != null) {
                return new Explanation(IMAGE_REGION, null, s.region(), heatmapPath(s.frame()));
            }
            return new Explanation(CHANNELS, s.topChannels(), null, heatmapPath(s.frame()));
        }
    }

    /**
     * The frame an anomaly event is about, read from its JSON without binding the rest of the event, so that an event
     * whose other fields a reader cannot bind (a newer layout) still names its frame; null when it names none.
     */
    public static FrameRef frameOf(byte[] json) {
        Reference r = referenceOf(json);
        return r == null ? null : r.frame();
    }

    /** The frame an anomaly event is about and the id of the incident it is part of (its own id where it names none). */
    public record Reference(FrameRef frame, String incidentId) {}

    /** {@link #frameOf}, with the event's incident; null when the event names no frame. */
    public static Reference referenceOf(byte[] json) {
        try {
            JsonNode event = JsonSerde.MAPPER.readTree(json);
            JsonNode frame = event.get("frame");
            if (frame == null || !frame.isObject()) {
                return null;
            }
            FrameRef ref = JsonSerde.MAPPER.treeToValue(frame, FrameRef.class);
            JsonNode incident = event.path("incident").path("id");
            return new Reference(ref, incident.isTextual() ? incident.asText() : ref.id());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The path of a frame's heatmap on the service's HTTP API. */
    public static String heatmapPath(FrameRef frame) {
        return "/api/anomalies/" + frame.id() + "/heatmap.png";
    }
}
