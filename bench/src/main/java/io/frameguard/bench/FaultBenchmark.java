package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.model.ArtifactArchive;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelRegistry;
import io.frameguard.model.ModelTrust;
import io.frameguard.testing.SigningKeys;
import io.frameguard.testing.TamperedModels;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The fault suite: a real broker (a local process), the packaged service as a child process, a paced stream of
 * normal frames with hostile frames mixed in, and faults while it flows: the service SIGKILLed at random points
 * and restarted, a model swap in the registry halfway through the kills, then the broker stopped for a while and
 * restarted. Afterwards the service is stopped and every topic is read to its end with read_committed.
 *
 * <p>The verdict is exact, not statistical. Every frame's coordinates (partition, offset) are known from the
 * producer's acknowledgements, so: each normal frame must have exactly one score and no dead letter; each
 * hostile frame exactly one dead letter (with a reason) and no score; every score names a model version. The
 * anomaly events must be exactly those the detector's rule ({@link ThresholdPolicy}) yields when replayed over
 * the committed scores of each source in order, from the card's threshold: a restart that lost or forgot a
 * source's threshold state (the changelog restore), or processed a score twice, changes that set.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "Fault suite: SIGKILLs, a model swap and a broker outage during a stream with hostile frames; exact accounting.")
public final class FaultBenchmark implements Callable<Integer> {

    private static final String MODEL_NAME = "faults";
    /** How long the run may wait for the service to work off its backlog after the last fault. */
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(5);
    @Option(names = "--frames", defaultValue = "100000", description = "Normal frames (default: ${DEFAULT-VALUE}).")
    int frames;

    @Option(names = "--hostile", defaultValue = "10000", description = "Hostile frames mixed in (default: ${DEFAULT-VALUE}).")
    int hostile;

    @Option(names = "--kills", defaultValue = "10", description = "SIGKILLs of the service (default: ${DEFAULT-VALUE}).")
    int kills;

    @Option(names = "--outage-seconds", defaultValue = "30", description = "Broker outage after the kills; 0 for none (default: ${DEFAULT-VALUE}).")
    int outageSeconds;

    @Option(names = "--rate", defaultValue = "500",
            description = "Frames per second offered, normal and hostile (default: ${DEFAULT-VALUE}): the stream should outlast the faults.")
    int rate;

    @Option(names = "--dim", defaultValue = "256", description = "Floats per frame (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the frames topic (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the kill points, hostile frames and data (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--report", description = "Markdown file whose fault-suite section is replaced with this run's figures.")
    Path report;

    @Option(names = "--work", defaultValue = "work/bench-faults", description = "Broker data, models, logs (default: ${DEFAULT-VALUE}).")
    Path work;

    /** A class path with Apache Kafka's server instead of target/local-kafka/lib (tests run the broker from their own). */
    @Option(names = "--broker-classpath", hidden = true)
    String brokerClasspath;

    private long peakRss;
    private ModelTrust trainerKey;

    @Override
    public Integer call() throws Exception {
        FaultReport.Figures f = run();
        String section = FaultReport.section(f, dim, rate, partitions);
        System.out.print(section);
        if (report != null) {
            FaultReport.writeReport(report, section);
            System.out.println("written to " + report);
        }
        Map<String, Long> problems = f.problems();
        System.out.printf(Locale.ROOT, "RESULT faults frames=%d hostile=%d scored=%d missing=%d duplicates=%d dead_letters=%d "
                + "events=%d missing_events=%d unexpected_events=%d kills=%d problems=%d%n", f.framesSent(), f.hostileSent(),
                f.scored(), f.missingScores(), f.duplicateScores(), f.deadLettered(), f.events(), f.missingEvents(),
                f.unexpectedEvents(), f.kills().size(), problems.size());
        if (!problems.isEmpty()) {
            System.out.println("FAILED: " + problems);
            return 1;
        }
        return 0;
    }

    /** Runs the suite and returns its figures. */
    public FaultReport.Figures run() throws Exception {
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        Files.createDirectories(work);
        // a fresh run: what an earlier run left (models, cached artifacts, Streams state) would change this one
        for (String left : List.of("model-v1", "model-v2", "model-cache", "streams", "tampered")) {
            org.apache.commons.io.FileUtils.deleteDirectory(work.resolve(left).toFile());
        }
        SensorSimulator sim = new SensorSimulator(dim, seed);
        ThresholdPolicy policy = new ThresholdPolicy(0.02, 0.5, 2.0, 2, 3);
        ModelArtifact v1 = train(sim, "v1", 2);
        ModelArtifact v2 = train(sim, "v2", 3);
        // the trainer's signing key; the service loads only what it signed (frameguard.registry.verify-key)
        trainerKey = SigningKeys.write(work.resolve("keys/trainer"));
        SplittableRandom random = new SplittableRandom(seed);
        long total = (long) frames + hostile;
        double streamSeconds = (double) total / rate;
        long started = System.nanoTime();
        try (LocalKafka kafka = brokerClasspath != null ? LocalKafka.startWithClasspath(brokerClasspath, work.resolve("kafka"))
                : LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
                    ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC,
                            trainerKey)) {
                admin.createTopics(List.of(new NewTopic(FaultStream.TOPICS.frames().name(), partitions, (short) 1))).all().get();
                registry.ensureTopic(java.util.Optional.of((short) 1));
                registry.publish(v1);
                registry.publish(v2);
                registry.activate(MODEL_NAME, "v1", "fault suite: first model");
            }
            Map<String, String> settings = settings(bootstrap, policy);
            List<FaultReport.Kill> killed = new ArrayList<>();
            FaultReport.Outage outage = null;
            boolean swapped = false;
            LocalService service = start(app, settings, 0);
            service.awaitReady();
            FaultReport.Tampering tampering = tamperWithRegistry(bootstrap, service, v1, v2);
            FaultStream stream = new FaultStream(bootstrap, sim, random.split(), frames, hostile, rate, dim);
            Thread producer = new Thread(stream, "fault-suite-producer");
            long streamStart = System.nanoTime();
            producer.start();
            try {
                // kill points: random, sorted, within the first 70% of the stream; the outage at 75%
                double[] at = random.doubles(kills, 0.05, 0.7).map(x -> x * streamSeconds).sorted().toArray();
                for (int k = 0; k < kills; k++) {
                    waitUntil(streamStart, at[k], service);
                    double killedAt = seconds(streamStart);
                    service.kill();
                    if (k == (kills - 1) / 2) {
                        // the swap lands while a service is down and is picked up on restart, mid-stream: at the middle
                        // kill of an odd count, the first of two (a later one may come after the stream's end when
                        // restarts are slow, and then no frame is left for the new model)
                        try (ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC)) {
                            registry.activate(MODEL_NAME, "v2", "fault suite: swap during the kill sequence");
                        }
                        swapped = true;
                    }
                    service = start(app, settings, k + 1);
                    service.awaitReady();
                    killed.add(new FaultReport.Kill(killedAt, seconds(streamStart) - killedAt));
                    System.out.printf(Locale.ROOT, "kill %d at %.1f s: ready again after %.1f s%n", k + 1, killedAt, killed.get(k).recoverySeconds());
                }
                if (outageSeconds > 0) {
                    waitUntil(streamStart, 0.75 * streamSeconds, service);
                    outage = outage(kafka, service);
                }
                producer.join();
                if (stream.error() != null) {
                    throw new IOException("the frame producer failed", stream.error());
                }
                awaitDrained(bootstrap, service, settings);
            } finally {
                producer.interrupt();
                service.close();
            }
            double seconds = seconds(started);
            return FaultAccounting.analyse(bootstrap, stream, policy, killed, outage, swapped, tampering, peakRss, seconds);
        }
    }

    /**
     * What a careless or hostile writer of the registry topic leaves there, while the first instance runs:
     * <ul>
     *   <li>a card that is not JSON and a control record for the served model that is no activation (skipped);
     *   <li>activations of versions that must be refused, refused by the registry and so written to the topic directly,
     *       each awaited on the service's
     *       {@code frameguard_model_refused_total{reason}}: a graph that reads a file (signed with the trainer's key,
     *       as a stolen key would sign it: {@code forbidden-op}), an artifact record replaced after publishing
     *       ({@code checksum-mismatch}), an unsigned artifact ({@code unsigned}) and one signed with another key
     *       ({@code bad-signature});
     * </ul>
     * then v1's activation again. The instance keeps serving v1 throughout: the accounting counts every score by the
     * version that made it, and a score by any of these versions is a problem.
     */
    private FaultReport.Tampering tamperWithRegistry(String bootstrap, LocalService service, ModelArtifact v1, ModelArtifact v2)
            throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrap);
        Map<String, Long> refused = new TreeMap<>();
        List<String> notRefused = new ArrayList<>();
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "max.request.size", ModelRegistry.MAX_ARTIFACT_BYTES), new StringSerializer(), new ByteArraySerializer());
                ModelRegistry trainer = new ModelRegistry(client, ModelRegistry.DEFAULT_TOPIC, trainerKey);
                ModelRegistry unsigned = new ModelRegistry(client, ModelRegistry.DEFAULT_TOPIC);
                ModelRegistry foreign = new ModelRegistry(client, ModelRegistry.DEFAULT_TOPIC, SigningKeys.write(work.resolve("keys/foreign")))) {
            raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "card/" + MODEL_NAME + "/v9",
                    "{not json".getBytes(StandardCharsets.UTF_8))).get();
            raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "active/" + MODEL_NAME,
                    "\"garbage\"".getBytes(StandardCharsets.UTF_8))).get();
            trainer.activate(MODEL_NAME, "v1", "fault suite: after the malformed records");

            // publish refuses it (it verifies what it sends): written as any writer of the topic could, signed as the
            // trainer signs
            ModelArtifact forbidden = TamperedModels.withGraph(v1, tampered("forbidden"), "v-forbidden",
                    g -> TamperedModels.readingFile(g, "/etc/passwd"));
            raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "artifact/" + MODEL_NAME + "/v-forbidden",
                    ArtifactArchive.pack(forbidden, trainerKey.signatureOf(forbidden)))).get();
            raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "card/" + MODEL_NAME + "/v-forbidden",
                    new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(forbidden.card()))).get();
            awaitRefused(trainer, bootstrap, service, "v-forbidden", "forbidden-op", refused, notRefused);

            trainer.publish(TamperedModels.withGraph(v1, tampered("replaced"), "v-replaced", g -> g));
            ModelArtifact impostor = TamperedModels.withGraph(v2, tampered("impostor"), "v-replaced", g -> g);
            raw.send(new ProducerRecord<>(ModelRegistry.DEFAULT_TOPIC, 0, "artifact/" + MODEL_NAME + "/v-replaced",
                    ArtifactArchive.pack(impostor, trainerKey.signatureOf(impostor)))).get();
            awaitRefused(trainer, bootstrap, service, "v-replaced", "checksum-mismatch", refused, notRefused);

            unsigned.publish(TamperedModels.withGraph(v2, tampered("unsigned"), "v-unsigned", g -> g));
            awaitRefused(trainer, bootstrap, service, "v-unsigned", "unsigned", refused, notRefused);

            foreign.publish(TamperedModels.withGraph(v2, tampered("foreign"), "v-foreign", g -> g));
            awaitRefused(trainer, bootstrap, service, "v-foreign", "bad-signature", refused, notRefused);

            trainer.activate(MODEL_NAME, "v1", "fault suite: after the tampering");
        }
        return new FaultReport.Tampering(refused, notRefused);
    }

    private Path tampered(String name) throws IOException {
        Path dir = work.resolve("tampered").resolve(name);
        org.apache.commons.io.FileUtils.deleteDirectory(dir.toFile());
        return dir;
    }

    /**
     * Activates {@code version}: the registry must refuse it (it verifies before activating), so the control record is
     * written as any writer of the topic could; then waits for the service to count a refusal with {@code reason}.
     */
    private static void awaitRefused(ModelRegistry registry, String bootstrap, LocalService service, String version,
            String reason, Map<String, Long> refused, List<String> notRefused) throws Exception {
        String metric = "frameguard_model_refused_total";
        String label = "reason=\"" + reason + "\"";
        double before = service.metricSum(metric, label);
        try {
            registry.activate(MODEL_NAME, version, "fault suite: tampering (" + reason + ")");
            notRefused.add(version + " (activated by the registry, expected " + reason + ")");
        } catch (ModelRegistry.RefusedException expected) {
            io.frameguard.testing.RegistryWrites.activate(bootstrap, MODEL_NAME, version, List.of("v1"));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (service.metricSum(metric, label) <= before) {
            if (System.nanoTime() > deadline) {
                notRefused.add(version + " (expected " + reason + ")");
                return;
            }
            Thread.sleep(200);
        }
        refused.merge(reason, 1L, Long::sum);
        System.out.printf("tampering: %s refused (%s)%n", version, reason);
    }

    private ModelArtifact train(SensorSimulator sim, String version, int epochs) throws IOException {
        return new AutoencoderTrainer(TrainingOptions.builder().name(MODEL_NAME).version(version).hidden(64).latent(16).epochs(epochs)
                .build(), TrainingProgress.NONE).train(new FrameFile(dim, 2000, sim.trainingData(2000, 8), FrameFile.defaultNames(dim)),
                        work.resolve("model-" + version), "simulated " + dim + "-channel frames");
    }

    private Map<String, String> settings(String bootstrap, ThresholdPolicy policy) {
        Map<String, String> s = new HashMap<>();
        s.put("kafka.bootstrap.servers", bootstrap);
        s.put("frameguard.registry.enabled", "true");
        s.put("frameguard.registry.model-name", MODEL_NAME);
        s.put("frameguard.registry.cache-dir", work.resolve("model-cache").toAbsolutePath().toString());
        s.put("frameguard.registry.verify-key", work.resolve("keys/trainer").resolve(SigningKeys.PUBLIC).toAbsolutePath().toString());
        s.put("frameguard.detector.adapt-rate", Double.toString(policy.adaptRate()));
        s.put("frameguard.detector.floor-factor", Double.toString(policy.floorFactor()));
        s.put("frameguard.detector.ceiling-factor", Double.toString(policy.ceilingFactor()));
        s.put("frameguard.detector.k", Integer.toString(policy.k()));
        s.put("frameguard.detector.n", Integer.toString(policy.n()));
        // the same state directory for every instance, as a pod's volume: Streams must cope with what a SIGKILL left
        s.put("kafka-streams.state.dir", work.resolve("streams").toAbsolutePath().toString());
        return s;
    }

    private LocalService start(Path app, Map<String, String> settings, int instance) throws IOException {
        return LocalService.start(app, settings, LocalKafka.freePort(), work.resolve("service-" + instance + ".log"));
    }

    /** Sleeps until {@code seconds} into the stream (at least one second, so a fresh instance gets to work). */
    private void waitUntil(long streamStart, double seconds, LocalService service) throws Exception {
        long until = Math.max(streamStart + (long) (seconds * 1e9), System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
        while (System.nanoTime() < until) {
            service.requireAlive();
            peakRss = Math.max(peakRss, ProcessStats.rssMiB(service.pid()));
            Thread.sleep(100);
        }
    }

    private FaultReport.Outage outage(LocalKafka kafka, LocalService service) throws Exception {
        System.out.printf("stopping the broker for %d s ...%n", outageSeconds);
        kafka.stop();
        long stopped = System.nanoTime();
        double downAfter = -1;
        while (System.nanoTime() - stopped < TimeUnit.SECONDS.toNanos(outageSeconds)) {
            service.requireAlive();
            if (downAfter < 0 && !service.isReady()) {
                downAfter = seconds(stopped);
            }
            Thread.sleep(250);
        }
        kafka.restart();
        long restarted = System.nanoTime();
        service.awaitReady();
        FaultReport.Outage o = new FaultReport.Outage(outageSeconds, downAfter >= 0, downAfter, seconds(restarted));
        System.out.printf(Locale.ROOT, "broker back: readiness %s, ready again %.1f s after the broker's restart%n",
                o.readinessWentDown() ? String.format(Locale.ROOT, "DOWN after %.1f s", downAfter) : "never DOWN", o.readyAfterRestartSeconds());
        return o;
    }

    /**
     * Waits until the scorer's committed offsets reach the end of the frames topic and the detector's reach the end
     * of the scores topic: everything sent is scored or dead-lettered, and every score has been judged.
     */
    private void awaitDrained(String bootstrap, LocalService service, Map<String, String> settings) throws Exception {
        long deadline = System.nanoTime() + DRAIN_LIMIT.toNanos();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            while (System.nanoTime() < deadline) {
                service.requireAlive();
                peakRss = Math.max(peakRss, ProcessStats.rssMiB(service.pid()));
                if (caughtUp(admin, "frameguard-scorer", FaultStream.TOPICS.frames().name(), false)
                        && caughtUp(admin, "frameguard-detector", FaultStream.TOPICS.scores().name(), true)) {
                    Thread.sleep(2000); // the detector's last commit interval and its events' transaction
                    return;
                }
                Thread.sleep(500);
            }
        }
        throw new IOException("the service did not catch up with the stream within " + DRAIN_LIMIT);
    }

    private static boolean caughtUp(Admin admin, String group, String topic, boolean transactional) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, Long> end = endOffsets(admin, topic);
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            // a transactional topic ends with a commit marker, which a consumer need not have stepped over
            long done = transactional ? e.getValue() - 1 : e.getValue();
            if (e.getValue() > 0 && (c == null || c.offset() < done)) {
                return false;
            }
        }
        return true;
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        int n = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> spec = new HashMap<>();
        for (int i = 0; i < n; i++) {
            spec.put(new TopicPartition(topic, i), OffsetSpec.latest());
        }
        Map<TopicPartition, Long> end = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : admin.listOffsets(spec,
                new org.apache.kafka.clients.admin.ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get().entrySet()) {
            end.put(e.getKey(), e.getValue().offset());
        }
        return end;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
