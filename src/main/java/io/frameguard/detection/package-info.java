/**
 * The detection branch of the detector's topology: scores to anomaly events through a per-source rolling threshold
 * ({@code ThresholdPolicy} states the rule; {@code SourceState} is what a source's state store keeps;
 * {@code DetectorProcessor} applies it and forwards, besides the events, each incident's memory entry, each source's
 * minute of scores and the scores outside fault episodes that the drift branch reads); when an anomaly joins its
 * source's open incident ({@code IncidentPolicy}); what it asks the anomaly memory ({@code PastAnomalies}).
 *
 * <p>May depend on: {@code events}, {@code metrics}, {@code config}.
 */
package io.frameguard.detection;
