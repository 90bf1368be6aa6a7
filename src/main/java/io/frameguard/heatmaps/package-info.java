/**
 * Anomalies in pictures: {@code Pictures} (the small copy of a frame and its error map that the scorer attaches to a
 * candidate anomaly's score, for the anomaly memory) and {@code HeatmapRenderer} (the PNG the API draws from it).
 *
 * <p>May depend on: {@code events}, {@code inference}, {@code frames}.
 */
package io.frameguard.heatmaps;
