package io.frameguard.config;

import java.util.Locale;

/**
 * How the scorer writes score records ({@code frameguard.topics.scores-format}); the layouts themselves are
 * {@code events.ScoreSerde}'s. A setting, so it lives with the settings: the records' package depends on this one, not
 * the other way round.
 */
public enum ScoresFormat {
    /** The compact binary layout, one record per source and batch (default). */
    BINARY,
    /**
     * JSON (docs/EVENTS.md, schemas/score.schema.json), one record per frame, for consumers that read the scores with
     * generic tools.
     */
    JSON;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
