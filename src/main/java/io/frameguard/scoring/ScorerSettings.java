package io.frameguard.scoring;

import io.frameguard.config.FrameguardConfig;
import java.time.Duration;

/**
 * How a scorer worker batches and commits ({@code frameguard.scorer.*}).
 *
 * @param maxBatch most frames per poll and per batch
 * @param maxBatchBytes most payload bytes per batch (a frame larger than that is a batch of its own)
 * @param predictBatch frames per predictor call: 0 for max-batch; fewer only to reproduce a per-record pipeline
 *     (benchmarks)
 * @param linger longest wait for more frames once a batch has some
 * @param commitInterval longest a transaction stays open behind a backlog; 0 commits every batch
 * @param retryBackoff pause before a failed batch is read again
 * @param decodeThreads threads a batch's frames are decoded on
 * @param maxRecordBytes largest record written (larger dead letters are truncated)
 * @param maxAttempts failed attempts of the same frames before they are scored one at a time ({@link WorkerFailures})
 */
record ScorerSettings(int maxBatch, long maxBatchBytes, int predictBatch, Duration linger, Duration commitInterval, Duration retryBackoff,
        int decodeThreads, int maxRecordBytes, int maxAttempts) {

    static ScorerSettings from(FrameguardConfig.Scorer s) {
        return new ScorerSettings(s.maxBatch(), s.maxBatchBytes(), s.predictBatch(), s.linger(), s.commitInterval(), s.retryBackoff(),
                s.decodeThreads(), s.maxRecordBytes(), s.maxAttempts());
    }

    /** Frames per predictor call: at most max-batch. */
    int framesPerCall() {
        return predictBatch > 0 ? Math.min(predictBatch, maxBatch) : maxBatch;
    }
}
