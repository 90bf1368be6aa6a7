/**
 * The detection branch of the detector's topology: scores to anomaly events through a per-source rolling threshold
 * ({@code ThresholdPolicy} states the rule; {@code SourceState} is what a source's state store keeps;
 * {@code DetectorProcessor} applies it).
 *
 * <p>May depend on: {@code events}, {@code metrics}, {@code config}.
 */
package io.frameguard.detection;
