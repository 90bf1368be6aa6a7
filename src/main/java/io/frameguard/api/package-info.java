/**
 * The service's HTTP API and the console's data: the anomaly memory ({@code AnomalyResource}: incidents, counts per
 * source, labels, history, families, pictures, heatmaps, similar anomalies, search by frame, the live feed, verdicts one
 * or many, written by {@code VerdictEndpoint}), the model registry ({@code ModelResource}: list, activate, roll back),
 * the token's role ({@code SessionResource}), the records' JSON Schemas ({@code SchemaResource}), the OpenAPI
 * description ({@code ApiDescription}), errors as JSON ({@code ApiErrors}), and the token filter in front of them
 * ({@code ApiAccessFilter}, bound to every resource by {@code @ApiAccess}; {@code @ReadsOnly} marks what the read
 * token may call).
 *
 * <p>May depend on: {@code heatmaps}, {@code memory}, {@code serving}, {@code model}, {@code inference}, {@code events},
 * {@code config}, {@code frames} (shown text).
 */
package io.frameguard.api;
