/**
 * The consume, score, produce loop: {@code ScorerService} starts the workers; a {@code ScorerWorker} batches frames
 * ({@code FramePoller}), decodes them ({@code BatchDecoder}), scores them with the served model, writes a score or a
 * dead letter per frame ({@code OutgoingRecords}: a source's scores of a batch in one record) and commits them with
 * the offsets in one Kafka transaction ({@code ScoringTransaction}).
 *
 * <p>May depend on: {@code events}, {@code frames}, {@code inference}, {@code serving}, {@code heatmaps} (pictures),
 * {@code metrics}, {@code config}.
 */
package io.frameguard.scoring;
