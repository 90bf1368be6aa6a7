/**
 * Where an image anomaly is, in pictures: {@code HeatmapStore} (bounded memory of the error maps of recent
 * candidate anomalies, filled by the scorer) and {@code HeatmapRenderer} (the PNG the API serves).
 *
 * <p>May depend on: {@code events}, {@code inference}, {@code model}, {@code frames}, {@code config}.
 */
package io.frameguard.heatmaps;
