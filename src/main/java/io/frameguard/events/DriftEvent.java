package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Written to the drift topic when a source's score distribution leaves the model's validation distribution
 * ({@code status} = {@value #DRIFT}) and when it returns ({@value #RECOVERED}). Key = source id. The trainer
 * can retrain on it ({@code frameguard trainer --on-drift}). docs/EVENTS.md documents the layout.
 *
 * <p>Layout 2 names its fields as the anomaly event does; layout 1's {@code v}, {@code windowStartTs},
 * {@code windowEndTs} and {@code detectedTs} are still read.
 *
 * @param schemaVersion layout version
 * @param psi the window's population stability index against the validation ranks
 * @param observedShares share of the window's frames in each tenth of validation rank (0.1 each without drift;
 *     mass in the last bins means scores above what the model saw in validation)
 * @param windowStartTimestamp capture time of the window's first frame; {@code windowEndTimestamp} of its last
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DriftEvent(
        @JsonAlias("v") int schemaVersion,
        String source,
        String status,
        double psi,
        double psiThreshold,
        String modelVersion,
        long windowFrames,
        double[] observedShares,
        @JsonAlias("windowStartTs") long windowStartTimestamp,
        @JsonAlias("windowEndTs") long windowEndTimestamp,
        @JsonAlias("detectedTs") long detectedTimestamp) {

    public static final int SCHEMA_VERSION = 2;
    public static final String DRIFT = "drift";
    public static final String RECOVERED = "recovered";
}
