package io.frameguard.testing;

import io.frameguard.events.ScoreSerde;
import io.frameguard.events.Topics;

/**
 * A score record from the topic as JSON, whichever layout it was written in ({@code frameguard.topics.scores-format}):
 * binary records are decoded and written as the JSON layout, JSON records are returned as they are.
 */
public final class ScoreJson {

    private static final ScoreSerde JSON = new ScoreSerde(ScoreSerde.Format.JSON);

    private ScoreJson() {}

    public static byte[] of(byte[] value) {
        return value.length > 0 && value[0] == ScoreSerde.BINARY_V1 ? JSON.serialize("scores", Topics.SCORE_SERDE.deserialize("scores", value))
                : value;
    }

    /** The record as a tree. */
    public static com.fasterxml.jackson.databind.JsonNode tree(byte[] value) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(of(value));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
