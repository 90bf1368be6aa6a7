package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Run control of the end-to-end benchmark: each run gets its own topics, consumer group, detector application id and
 * state (a random suffix), the service settings that point at them, and a model for its frame size (trained once per
 * size); when the run ends, its topics and state are deleted.
 */
final class E2eRuns {

    private final Path work;
    private final int maxBatch;
    private final String commitInterval;
    private final Map<String, String> serviceSettings;
    /** The benchmark's model for each frame size, trained once. */
    private final Map<Integer, ModelArtifact> models = new HashMap<>();
    /** The image model, trained once on first use. */
    private ModelArtifact imageModel;

    E2eRuns(Path work, int maxBatch, String commitInterval, Map<String, String> serviceSettings) {
        this.work = work;
        this.maxBatch = maxBatch;
        this.commitInterval = commitInterval;
        this.serviceSettings = serviceSettings;
    }

    /** What a run measures between {@link #prepare} and {@link #drop}. */
    @FunctionalInterface
    interface RunBody<T> {
        T measure(Run run) throws Exception;
    }

    /** Prepares a run, measures it with {@code body}, and deletes its topics and state whatever the outcome. */
    <T> T inRun(String bootstrap, int predictBatch, E2eReport.Shape shape, RunBody<T> body) throws Exception {
        return inRun(bootstrap, predictBatch, shape, null, body);
    }

    /** As {@link #inRun(String, int, E2eReport.Shape, RunBody)}, on {@code images} with the image model where not null. */
    <T> T inRun(String bootstrap, int predictBatch, E2eReport.Shape shape, ImageLoad images, RunBody<T> body) throws Exception {
        Run run = prepare(bootstrap, predictBatch, shape, images);
        try {
            return body.measure(run);
        } finally {
            drop(bootstrap, run);
        }
    }

    /** Topics and service settings of one run; {@code images} the image frames where the run has them, else null. */
    record Run(String suffix, String frames, String scores, String anomalies, Map<String, String> settings, ModelArtifact model,
            int predictBatch, ImageLoad images) {}

    private Run prepare(String bootstrap, int predictBatch, E2eReport.Shape shape, ImageLoad images) throws Exception {
        ModelArtifact model = images == null ? model(shape.dim()) : imageModel(images);
        String suffix = "-" + UUID.randomUUID().toString().substring(0, 8);
        Run run = new Run(suffix, "frames" + suffix, "scores" + suffix, "anomalies" + suffix, new HashMap<>(), model,
                predictBatch, images);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(run.frames(), shape.partitions(), (short) 1))).all().get();
        }
        Map<String, String> s = run.settings();
        s.put("kafka.bootstrap.servers", bootstrap);
        s.put("frameguard.model.dir", model.dir().toAbsolutePath().toString());
        s.put("frameguard.topics.frames", run.frames());
        s.put("frameguard.topics.scores", run.scores());
        s.put("frameguard.topics.anomalies", run.anomalies());
        s.put("frameguard.topics.dlq", "dlq" + suffix);
        s.put("frameguard.topics.drift", "drift" + suffix);
        // a fresh install each run: the anomaly memory, verdicts and history of earlier runs would grow from run to run
        s.put("frameguard.topics.memory", "memory" + suffix);
        s.put("frameguard.topics.verdicts", "verdicts" + suffix);
        s.put("frameguard.topics.history", "history" + suffix);
        s.put("frameguard.scorer.predict-batch", Integer.toString(predictBatch));
        s.put("frameguard.scorer.group-id", "bench" + suffix);
        s.put("frameguard.scorer.max-batch", Integer.toString(maxBatch));
        s.put("frameguard.scorer.commit-interval", commitInterval);
        s.put("frameguard.scorer.workers", Integer.toString(shape.workers()));
        s.put("kafka-streams.state.dir", work.resolve("streams" + suffix).toAbsolutePath().toString());
        s.put("quarkus.kafka-streams.application-id", "bench-detector" + suffix);
        s.putAll(serviceSettings);
        return run;
    }

    /**
     * Deletes a finished run's topics (frames, scores, events, dead letters, drift and the detector's internal topics all
     * carry the run's suffix) and the detector's state: a full bench writes a few GB per run, and without this they all
     * stayed on disk until the end. A failure here is reported, not thrown, so it cannot hide the run's own outcome.
     */
    private void drop(String bootstrap, Run run) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            List<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(t -> t.contains(run.suffix())).toList();
            admin.deleteTopics(topics).all().get(30, TimeUnit.SECONDS);
            FileUtils.deleteDirectory(work.resolve("streams" + run.suffix()).toFile());
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            System.out.println("could not delete the run's topics or state (" + run.suffix() + "): " + e);
        }
    }

    /** The benchmark's dense autoencoder for frames of {@code dim} floats, trained on first use. */
    private ModelArtifact model(int dim) throws IOException {
        ModelArtifact m = models.get(dim);
        if (m == null) {
            m = trainModel(dim, work.resolve("model-" + UUID.randomUUID()));
            models.put(dim, m);
        }
        return m;
    }

    /** The image model (dense, as training picks for gray images: 784-128-32-128-784 for 28x28), trained on first use. */
    private ModelArtifact imageModel(ImageLoad images) throws IOException {
        if (imageModel == null) {
            imageModel = new AutoencoderTrainer(TrainingOptions.builder().name("bench").version("e2e-image").epochs(2)
                    .validationFraction(0.2).build(), TrainingProgress.NONE).train(images.trainingData(),
                            work.resolve("model-" + UUID.randomUUID()), images.file().getFileName() + ", class " + ImageLoad.NORMAL_CLASS);
        }
        return imageModel;
    }

    /** The end-to-end benchmarks' dense autoencoder (1024-128-32-128-1024 for 1,024 floats), trained into {@code dir}. */
    static ModelArtifact trainModel(int dim, Path dir) throws IOException {
        SensorSimulator sim = new SensorSimulator(dim, FrameLoad.PLANT_SEED);
        return new AutoencoderTrainer(TrainingOptions.builder().name("bench").version("e2e-" + dim).hidden(128).latent(32).epochs(2)
                .build(), TrainingProgress.NONE).train(new FrameFile(dim, 2000, sim.trainingData(2000, 8), FrameFile.defaultNames(dim)),
                        dir, "simulated " + dim + "-channel frames");
    }
}
