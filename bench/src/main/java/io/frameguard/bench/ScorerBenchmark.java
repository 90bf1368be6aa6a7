package io.frameguard.bench;

import io.frameguard.datasets.SensorSimulator;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.inference.InferenceDevice;
import io.frameguard.inference.InferenceThreads;
import io.frameguard.inference.ModelRunner;
import io.frameguard.model.ModelArtifact;
import io.frameguard.scoring.BrokerlessScorer;
import io.frameguard.serving.ActiveModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench/scorer}: the scorer's own work per float32 frame with no broker, against the model alone, in one JVM: the
 * service's worker ({@link BrokerlessScorer}) over a backlog held in memory, after a warm-up backlog, its thread's CPU
 * and the other threads' meanwhile (TensorFlow's pool among them). The frames and the model are bench/e2e's (16
 * machines the model was not trained on, so about a tenth of the frames are candidate anomalies). With no broker and
 * no other process, it moves less from run to run than bench/e2e, so it can tell a change of a microsecond in the
 * scorer; what bench/e2e's service figure holds beyond it is the Kafka clients' work (fetching, parsing, producing,
 * committing), the detector's and the anomaly memory's. (The detector under TopologyTestDriver is no measure: the
 * driver commits, and so flushes its stores, after every record.)
 */
@Command(name = "scorer", mixinStandardHelpOptions = true,
        description = "The scorer's own CPU per float32 frame with no broker, against the model alone.")
final class ScorerBenchmark implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--frames", defaultValue = "300000", description = "Frames measured (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--warmup-frames", defaultValue = "600000", description = "Frames scored first, not measured "
            + "(default: ${DEFAULT-VALUE}).")
    int warmupFrames;

    @Option(names = "--dim", defaultValue = "1024", description = "Values per frame (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--max-batch", defaultValue = "256", description = "The scorer's max-batch, and the model alone's batch "
            + "(default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--rounds", defaultValue = "3", description = "Times the measured frames are scored; the median counts "
            + "(default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the frames (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--work", description = "Working directory (default: a temporary one, deleted after).")
    Path work;

    @Override
    public Integer call() throws Exception {
        E2eBenchmark.requireAtLeast(spec, 1, "--frames", frames);
        E2eBenchmark.requireAtLeast(spec, 0, "--warmup-frames", warmupFrames);
        E2eBenchmark.requireAtLeast(spec, 1, "--dim", dim);
        E2eBenchmark.requireAtLeast(spec, 1, "--max-batch", maxBatch);
        E2eBenchmark.requireAtLeast(spec, 1, "--partitions", partitions);
        E2eBenchmark.requireAtLeast(spec, 1, "--rounds", rounds);
        boolean temporary = work == null;
        Path dir = temporary ? Files.createTempDirectory("frameguard-scorer") : Files.createDirectories(work);
        try {
            return run(dir);
        } finally {
            if (temporary) {
                FileUtils.deleteQuietly(dir.toFile());
            }
        }
    }

    private int run(Path dir) throws Exception {
        E2eBaselines.pinInferenceThreads(InferenceDevice.AUTO, InferenceThreads.ON_CALLER); // as the service runs its model, before training
        System.out.printf("training the bench model (%d values) ...%n", dim);
        ModelArtifact artifact = E2eRuns.trainModel(dim, dir.resolve("model"));
        SensorSimulator sim = new SensorSimulator(dim, FrameLoad.PLANT_SEED);
        float[][] pool = FrameLoad.pool(sim);
        long pid = ProcessHandle.current().pid();
        ActiveModel model = new ActiveModel();
        model.swap(ModelRunner.load(artifact));
        double[] scorerMicros = new double[rounds];
        double[] othersMicros = new double[rounds];
        long[] scoreBytes = {0};
        long[] scoreRecords = {0};
        try {
            System.out.printf("scoring %,d frames to warm up, then %,d measured, %d times ...%n", warmupFrames, frames, rounds);
            BrokerlessScorer.score(log(pool, warmupFrames), model, maxBatch, r -> { });
            for (int round = 0; round < rounds; round++) {
                var measured = log(pool, frames);
                System.gc(); // the warm-up's and the rounds' before left to the collector before, not during, the round
                scoreBytes[0] = 0;
                scoreRecords[0] = 0;
                double cpuAtStart = ProcessStats.cpuSeconds(pid) - ProcessStats.jitSeconds(pid);
                BrokerlessScorer.Result scorer = BrokerlessScorer.score(measured, model, maxBatch, r -> {
                    scoreBytes[0] += r.value().length;
                    scoreRecords[0]++;
                });
                double all = ProcessStats.cpuSeconds(pid) - ProcessStats.jitSeconds(pid) - cpuAtStart;
                scorerMicros[round] = scorer.workerCpuSeconds() / frames * 1e6;
                othersMicros[round] = (all - scorer.workerCpuSeconds()) / frames * 1e6;
                System.out.printf(Locale.ROOT, "  round %d: scorer thread %.2f µs, other threads %.2f µs per frame%n", round + 1,
                        scorerMicros[round], othersMicros[round]);
            }
        } finally {
            model.current().retire();
        }
        System.out.println("the model alone ...");
        double modelMicros = E2eBaselines.modelMicrosPerFrame(artifact, pool, maxBatch);
        double scorer = JsonParseBenchmark.median(scorerMicros);
        double others = JsonParseBenchmark.median(othersMicros);
        double[] totals = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            totals[round] = scorerMicros[round] + othersMicros[round];
        }
        double total = JsonParseBenchmark.median(totals);
        System.out.printf(Locale.ROOT, "%nThe scorer without a broker (%s; %,d float32 frames of %d values after %,d, max-batch %d, "
                + "%d partitions, median of %d rounds; CPU µs per frame, JIT compiling left out):%n%n", LocalDate.now(), frames, dim,
                warmupFrames, maxBatch, partitions, rounds);
        System.out.println("| part | CPU µs per frame (median) | rounds' least - most |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| scorer thread (decoding, predictor calls' Java side, explanations, candidates' pictures, "
                + "score records, transactions' bookkeeping) | %.2f | %.2f - %.2f |%n", scorer, min(scorerMicros), max(scorerMicros));
        System.out.printf(Locale.ROOT, "| other threads meanwhile (TensorFlow's pool, decode helper, GC) | %.2f | %.2f - %.2f |%n",
                others, min(othersMicros), max(othersMicros));
        System.out.printf(Locale.ROOT, "| both (the median round's) | %.2f | %.2f - %.2f |%n", total, min(totals), max(totals));
        System.out.printf(Locale.ROOT, "| the model alone (predictor calls of %d frames) | %.2f | |%n", maxBatch, modelMicros);
        System.out.printf(Locale.ROOT, "%nscorer thread / the model alone: %.2f; both / the model alone: %.2f; score records: %.1f "
                + "bytes per frame (%,d records)%n", scorer / modelMicros, total / modelMicros, (double) scoreBytes[0] / frames,
                scoreRecords[0]);
        System.out.printf(Locale.ROOT, "RESULT scorer scorer_us=%.2f others_us=%.2f model_us=%.2f ratio=%.3f score_bytes_per_frame=%.1f%n",
                scorer, others, modelMicros, total / modelMicros, (double) scoreBytes[0] / frames);
        return 0;
    }

    /**
     * {@code n} float32 frames of the pool's 16 machines, each machine's on one partition, in offset order: as a
     * producer keyed by machine writes them (the frame's bytes shared, each record with a buffer of its own).
     */
    private Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log(float[][] pool, int n) {
        byte[][] encoded = new byte[pool.length][];
        for (int i = 0; i < pool.length; i++) {
            encoded[i] = FrameEncoding.float32(pool[i]);
        }
        RecordHeaders headers = FrameLoad.contentType(FrameLoad.FLOAT32);
        Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log = new HashMap<>();
        long now = System.currentTimeMillis();
        for (int i = 0; i < n; i++) {
            int machine = i % FrameLoad.SOURCES;
            TopicPartition tp = new TopicPartition("frames", machine % partitions);
            List<ConsumerRecord<byte[], ByteBuffer>> frames = log.computeIfAbsent(tp, k -> new ArrayList<>());
            byte[] key = ("machine-" + machine).getBytes(StandardCharsets.UTF_8);
            byte[] value = encoded[i % pool.length];
            frames.add(new ConsumerRecord<>(tp.topic(), tp.partition(), frames.size(), now, TimestampType.CREATE_TIME, key.length,
                    value.length, key, ByteBuffer.wrap(value), headers, Optional.empty()));
        }
        return log;
    }

    private static double min(double[] xs) {
        return java.util.Arrays.stream(xs).min().orElse(Double.NaN);
    }

    private static double max(double[] xs) {
        return java.util.Arrays.stream(xs).max().orElse(Double.NaN);
    }
}
