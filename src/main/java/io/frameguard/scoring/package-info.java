/**
 * The consume, score, produce loop: {@code ScorerService} starts the workers; a {@code ScorerWorker} batches frames
 * ({@code FramePoller}), decodes them ({@code BatchDecoder}), scores them with the served model, writes a score or a
 * dead letter per frame ({@code OutgoingRecords}: a source's scores of a batch in one record) and commits them with
 * the offsets in one Kafka transaction ({@code ScoringTransaction}); {@code ScorerSettings} holds its settings and
 * which frames are candidates, {@code WorkerFailures} a worker's failures in a row.
 *
 * <p>May depend on: {@code events}, {@code frames}, {@code inference}, {@code serving}, {@code heatmaps} (pictures),
 * {@code metrics}, {@code config}, {@code detection} (the lowest threshold the detector judges by).
 */
package io.frameguard.scoring;
