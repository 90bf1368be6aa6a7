package io.frameguard.scoring;

import io.frameguard.config.FrameguardConfig;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.inference.ModelRunner;
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
 * @param candidateRank frames whose validation rank is at least this are candidate anomalies: their score records carry
 *     the frame's signature and picture, for the anomaly memory ({@link #candidate})
 * @param floorFactor the detector's floor factor: its threshold never goes below this times the card's, so a frame
 *     scoring less is never an anomaly. For models whose card has no validation sketch, frames scoring at least that
 *     are candidates; without {@code explainEveryFrame}, only they are explained ({@link #explainFrom})
 * @param explainEveryFrame whether every frame's score record carries its explanation, not only those of frames the
 *     detector could call anomalous
 */
record ScorerSettings(int maxBatch, long maxBatchBytes, int predictBatch, Duration linger, Duration commitInterval, Duration retryBackoff,
        int decodeThreads, int maxRecordBytes, int maxAttempts, double candidateRank, double floorFactor, boolean explainEveryFrame) {

    static ScorerSettings from(FrameguardConfig config) {
        FrameguardConfig.Scorer s = config.scorer();
        return new ScorerSettings(s.maxBatch(), s.maxBatchBytes(), s.predictBatch(), s.linger(), s.commitInterval(), s.retryBackoff(),
                s.decodeThreads(), s.maxRecordBytes(), s.maxAttempts(), s.candidateRank(), config.detector().floorFactor(),
                s.explainEveryFrame());
    }

    /**
     * The least score whose frame is explained (its top channels or image region in its score record): the detector's
     * lowest threshold for the card's, below which no frame becomes an anomaly event, or every frame with
     * {@code explainEveryFrame}.
     */
    double explainFrom(double cardThreshold) {
        return explainEveryFrame ? ModelRunner.EXPLAIN_ALL : lowestThreshold(cardThreshold);
    }

    /**
     * Whether a scored frame may become an anomaly event worth remembering, so that its score record carries the frame's
     * signature and picture: its score ranks at least {@code candidateRank} among the model's validation scores (so about
     * that share of normal frames carries nothing extra, whatever the model's error distribution), or, without a
     * validation sketch, reaches the detector's lowest threshold.
     */
    boolean candidate(double score, Double validationRank, double cardThreshold) {
        return validationRank != null ? validationRank >= candidateRank : score >= lowestThreshold(cardThreshold);
    }

    /** The detector's lowest threshold for a card's. */
    private double lowestThreshold(double cardThreshold) {
        return ThresholdPolicy.lowestThreshold(cardThreshold, floorFactor);
    }

    /**
     * Copies of a batch's values alive at once while it is scored: the frames as fetched (a partition's fetch holds up to
     * a batch of float32 frames, {@link #partitionFetchBytes}), the decoded values, the input tensor and the error maps
     * (as wide as the input at most). The input's native copies (the session's staging buffer, TensorFlow's own
     * tensor) are off the heap: the JVM's direct memory (by default as large as the heap) and the process's.
     */
    static final int BATCH_COPIES = 4;

    /**
     * Checks, before any frame is read, that a full batch of frames of {@code dim} values fits: in one Java array,
     * and, for every worker at once, in the heap ({@code maxHeapBytes}). Fails naming the settings to lower.
     */
    void checkFits(int dim, int workers, long maxHeapBytes) {
        long values = (long) maxBatch * dim;
        if (values > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("frameguard.scorer.max-batch (" + maxBatch + ") x the model's " + dim
                    + " values per frame = " + values + " values per batch, more than one array holds; lower "
                    + "frameguard.scorer.max-batch to at most " + (Integer.MAX_VALUE - 8) / dim);
        }
        long bytes = values * Float.BYTES * BATCH_COPIES * workers;
        if (bytes > maxHeapBytes) {
            throw new IllegalStateException("frameguard.scorer.max-batch (" + maxBatch + ") x frameguard.scorer.workers ("
                    + workers + ") frames of " + dim + " values need about " + (bytes >> 20) + " MiB while scored, more "
                    + "than the heap's " + (maxHeapBytes >> 20) + " MiB; lower them or give the JVM more memory");
        }
    }

    /** The Kafka consumer's own {@code max.partition.fetch.bytes}. */
    static final int CLIENT_PARTITION_FETCH_BYTES = 1 << 20;

    /**
     * The scorer consumer's {@code max.partition.fetch.bytes}: a batch of float32 frames of the model's {@code dim}
     * values, at least the client's 1 MB, at most max-batch-bytes. With the client's 1 MB a fetch round brought about a
     * thousand 1,024-value frames per partition, so large batches (GPU pods) came a quarter full unless the linger's
     * top-up polls filled them (docs/BENCHMARKS.md, issue #26); the memory it adds is a batch's bytes, which a worker holds
     * anyway while it scores one.
     */
    int partitionFetchBytes(int dim) {
        long batchBytes = (long) maxBatch * dim * Float.BYTES;
        return (int) Math.min(Math.min(maxBatchBytes, Integer.MAX_VALUE), Math.max(CLIENT_PARTITION_FETCH_BYTES, batchBytes));
    }

    /** Frames per predictor call: at most max-batch. */
    int framesPerCall() {
        return predictBatch > 0 ? Math.min(predictBatch, maxBatch) : maxBatch;
    }
}
