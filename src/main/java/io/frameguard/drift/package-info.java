/**
 * The drift branch of the detector's topology, after the detector: the scores of frames outside fault episodes to drift
 * events when a source's validation ranks stop looking like the model's validation data ({@code DriftPolicy} states
 * the rule; {@code DriftState}, {@code DriftProcessor}).
 *
 * <p>May depend on: {@code events}, {@code metrics}, {@code config}.
 */
package io.frameguard.drift;
