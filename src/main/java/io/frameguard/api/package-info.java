/**
 * The service's HTTP API: the heatmap of an anomaly and operators' verdicts ({@code AnomalyResource}), the model registry
 * ({@code ModelResource}: list, activate, roll back) and the token filter in front of them
 * ({@code ApiAccessFilter}, bound to every resource by {@code @ApiAccess}).
 *
 * <p>May depend on: {@code heatmaps}, {@code memory}, {@code serving}, {@code model}, {@code inference}, {@code events},
 * {@code config}, {@code frames} (shown text).
 */
package io.frameguard.api;
