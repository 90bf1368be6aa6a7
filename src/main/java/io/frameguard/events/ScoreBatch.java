package io.frameguard.events;

import io.frameguard.config.ScoresFormat;

import java.util.List;

/**
 * One record of the {@code scores} topic: the scores of one or more frames of one source, in the order the frames were
 * read. The scorer writes, per predictor batch, one record per source (and frames partition) with all of that source's
 * frames in the batch ({@linkplain ScoresFormat#BINARY binary}, the default), or one record per frame
 * ({@linkplain ScoresFormat#JSON JSON}, for generic tools). A record carries what its frames share once (source,
 * frames topic and partition, model, threshold, predictor call), so the broker stores, and the detector fetches,
 * reads and judges with its stores, one record where a backlog brings many frames of a source at once.
 *
 * @param scores the frames' scores, at least one, all of the same source
 */
public record ScoreBatch(List<ScoreRecord> scores) {

    public ScoreBatch {
        if (scores == null || scores.isEmpty()) {
            throw new IllegalArgumentException("a score batch holds at least one score");
        }
        scores = List.copyOf(scores);
    }

    /** A record with these scores. */
    public static ScoreBatch of(ScoreRecord... scores) {
        return new ScoreBatch(List.of(scores));
    }

    /** The source of the frames (the record's key, unless it was written without one). */
    public String source() {
        return scores.get(0).source();
    }

    /** How many frames' scores the record holds. */
    public int size() {
        return scores.size();
    }
}
