package io.frameguard.detection;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.Recollection;

/**
 * What past anomalies say about a new one, as the detector asks before publishing it: the anomaly memory of this
 * replica ({@code memory.AnomalyMemory}), built from the same topics on every replica. Must not block for long: it
 * runs inside the detector's stream thread.
 */
@FunctionalInterface
public interface PastAnomalies {

    /** No memory: events carry nothing about the past. */
    PastAnomalies NONE = event -> Recollection.NONE;

    Recollection recall(AnomalyEvent event);
}
