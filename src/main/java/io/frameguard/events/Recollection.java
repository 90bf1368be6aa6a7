package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * What the anomaly memory says about a new anomaly event: the past anomalies most like it, and what operators' verdicts
 * on them imply. Part of the event ({@link AnomalyEvent#similar()}, {@link AnomalyEvent#recognisedAs()},
 * {@link AnomalyEvent#suppressed()}).
 *
 * @param similar the nearest past anomalies, nearest first
 * @param recognisedAs the label that the nearest past anomalies confirmed with one agree on (whether or not they are
 *     among {@code similar}); null when none
 * @param suppressed why the event may be dropped by alert rules (its source's near neighbours were all false alarms);
 *     null when not
 */
public record Recollection(List<SimilarAnomaly> similar, Recognition recognisedAs, Suppression suppressed) {

    public static final Recollection NONE = new Recollection(List.of(), null, null);

    /**
     * A past incident like this one.
     *
     * @param eventId the incident's id (its first event)
     * @param detectedTimestamp when its latest event was detected
     * @param count its events
     * @param verdict the verdict that holds for it (the latest on any of its events); null when none
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SimilarAnomaly(String eventId, double similarity, String source, long detectedTimestamp, int count,
            String verdict, String label) {}

    /** The label of the confirmed past anomalies ({@code because}) that are like this one. */
    public record Recognition(String label, List<String> because) {

        /**
         * The recognition of an anomaly by its nearest past ones, {@code similar}: the label that all the confirmed ones
         * at least {@code recogniseSimilarity} alike agree on; null when none is, or they disagree.
         */
        public static Recognition of(List<SimilarAnomaly> similar, double recogniseSimilarity) {
            List<SimilarAnomaly> confirmed = similar.stream().filter(s -> s.similarity() >= recogniseSimilarity
                    && Verdict.CONFIRMED.equals(s.verdict()) && s.label() != null).toList();
            return !confirmed.isEmpty() && confirmed.stream().map(SimilarAnomaly::label).distinct().count() == 1
                    ? new Recognition(confirmed.get(0).label(), confirmed.stream().map(SimilarAnomaly::eventId).toList())
                    : null;
        }
    }

    /** The past false alarms of the same source ({@code because}) that are like this one. */
    public record Suppression(List<String> because) {}
}
