package io.frameguard.events;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * One source's scores over one minute of the detector's clock, as the detector judged them: on {@code source-history}
 * (JSON, key = source id), for charts of a source's score against its rolling threshold over the last hours. The
 * detector writes a minute's record several times while the minute runs (each cumulative: the latest record of a
 * source and minute is the whole minute so far), and once more when it ends. docs/EVENTS.md documents the layout.
 *
 * @param minute the minute's start, epoch ms
 * @param frames frames of the source scored in it
 * @param maxScore the highest score; {@code meanScore} their mean
 * @param threshold the source's rolling threshold the minute's last frame was judged against
 * @param anomalies frames judged anomalous
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SourceMinute(int schemaVersion, String source, long minute, long frames, double maxScore, double meanScore,
        double threshold, long anomalies, String modelVersion) {

    public static final int SCHEMA_VERSION = 1;
    public static final long MINUTE_MS = 60_000;
}
