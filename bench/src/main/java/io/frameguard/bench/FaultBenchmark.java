package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.detection.SourceState;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.TopicRanges;
import io.frameguard.events.Topics;
import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.local.LocalKafka;
import io.frameguard.local.LocalService;
import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelRegistry;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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

    private static final int SOURCES = 16;
    private static final String MODEL_NAME = "faults";
    /** A burst of faulty frames every this many steps per source, so that anomalies (k of n) happen. */
    private static final int FAULT_PERIOD = 97;
    private static final int FAULT_BURST = 4;
    /** How long the run may wait for the service to work off its backlog after the last fault. */
    private static final Duration DRAIN_LIMIT = Duration.ofMinutes(5);
    private static final String BEGIN = "<!-- fault-suite:begin -->";
    private static final String END = "<!-- fault-suite:end -->";

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

    /** One kill: when (seconds into the stream) and how long until the restarted service was ready again. */
    public record Kill(double atSeconds, double recoverySeconds) {}

    /** The broker outage: readiness DOWN after how long, ready again how long after the broker restarted. */
    public record Outage(int seconds, boolean readinessWentDown, double downAfterSeconds, double readyAfterRestartSeconds) {}

    /**
     * What the run found. The counts that must be zero: {@link #problems()}.
     *
     * @param hostileReasons per hostile kind, the dead-letter reasons seen and how often
     */
    public record Figures(long framesSent, long hostileSent, long sendFailures, long scored, long missingScores, long duplicateScores,
            long hostileScored, long scoresWithoutModel, Map<String, Long> scoresByModel, long deadLettered, long missingDeadLetters,
            long duplicateDeadLetters, long normalDeadLettered, long deadLettersWithoutReason, Map<String, Map<String, Long>> hostileReasons,
            long expectedEvents, long events, long missingEvents, long unexpectedEvents, long duplicateEvents, List<Kill> kills,
            Outage outage, boolean swapped, long peakRssMiB, double seconds) {

        /** Every count that must be zero, by name; empty when the run is clean. */
        public Map<String, Long> problems() {
            Map<String, Long> p = new LinkedHashMap<>();
            p.put("send failures", sendFailures);
            p.put("missing scores", missingScores);
            p.put("duplicate scores", duplicateScores);
            p.put("hostile frames scored", hostileScored);
            p.put("scores without a model version", scoresWithoutModel);
            p.put("missing dead letters", missingDeadLetters);
            p.put("duplicate dead letters", duplicateDeadLetters);
            p.put("normal frames dead-lettered", normalDeadLettered);
            p.put("dead letters without a reason", deadLettersWithoutReason);
            p.put("missing anomaly events", missingEvents);
            p.put("unexpected anomaly events", unexpectedEvents);
            p.put("duplicate anomaly events", duplicateEvents);
            p.values().removeIf(v -> v == 0);
            if (outage != null && !outage.readinessWentDown()) {
                p.put("readiness stayed UP during the broker outage", 1L);
            }
            return p;
        }
    }

    private final Map<Long, String> kindAt = new ConcurrentHashMap<>();
    private final AtomicLong sendFailures = new AtomicLong();
    private final AtomicReference<Exception> producerError = new AtomicReference<>();
    private long peakRss;

    @Override
    public Integer call() throws Exception {
        Figures f = run();
        String section = section(f);
        System.out.print(section);
        if (report != null) {
            writeReport(report, section);
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
    public Figures run() throws Exception {
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        Files.createDirectories(work);
        // a fresh run: what an earlier run left (models, cached artifacts, Streams state) would change this one
        for (String left : List.of("model-v1", "model-v2", "model-cache", "streams")) {
            org.apache.commons.io.FileUtils.deleteDirectory(work.resolve(left).toFile());
        }
        SensorSimulator sim = new SensorSimulator(dim, seed);
        ThresholdPolicy policy = new ThresholdPolicy(0.01, 0.02, 0.5, 2.0, 2, 3);
        ModelArtifact v1 = train(sim, "v1", 2);
        ModelArtifact v2 = train(sim, "v2", 3);
        SplittableRandom random = new SplittableRandom(seed);
        long total = (long) frames + hostile;
        double streamSeconds = (double) total / rate;
        long started = System.nanoTime();
        try (LocalKafka kafka = brokerClasspath != null ? LocalKafka.startWithClasspath(brokerClasspath, work.resolve("kafka"))
                : LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
                    ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC)) {
                admin.createTopics(List.of(new NewTopic("frames", partitions, (short) 1))).all().get();
                registry.ensureTopic((short) 1);
                registry.publish(v1);
                registry.publish(v2);
                registry.activate(MODEL_NAME, "v1", "fault suite: first model");
            }
            Map<String, String> settings = settings(bootstrap, policy);
            List<Kill> killed = new ArrayList<>();
            Outage outage = null;
            boolean swapped = false;
            LocalService service = start(app, settings, 0);
            service.awaitReady();
            Thread producer = new Thread(() -> produce(bootstrap, sim, random.split(), total), "fault-suite-producer");
            long streamStart = System.nanoTime();
            producer.start();
            try {
                // kill points: random, sorted, within the first 70% of the stream; the outage at 75%
                double[] at = random.doubles(kills, 0.05, 0.7).map(x -> x * streamSeconds).sorted().toArray();
                for (int k = 0; k < kills; k++) {
                    waitUntil(streamStart, at[k], service);
                    double killedAt = seconds(streamStart);
                    service.kill();
                    if (k == kills / 2) {
                        // the swap lands while a service is down and is picked up on restart, mid-stream
                        try (ModelRegistry registry = new ModelRegistry(Map.of("bootstrap.servers", bootstrap), ModelRegistry.DEFAULT_TOPIC)) {
                            registry.activate(MODEL_NAME, "v2", "fault suite: swap during the kill sequence");
                        }
                        swapped = true;
                    }
                    service = start(app, settings, k + 1);
                    service.awaitReady();
                    killed.add(new Kill(killedAt, seconds(streamStart) - killedAt));
                    System.out.printf(Locale.ROOT, "kill %d at %.1f s: ready again after %.1f s%n", k + 1, killedAt, killed.get(k).recoverySeconds());
                }
                if (outageSeconds > 0) {
                    waitUntil(streamStart, 0.75 * streamSeconds, service);
                    outage = outage(kafka, service);
                }
                producer.join();
                if (producerError.get() != null) {
                    throw new IOException("the frame producer failed", producerError.get());
                }
                awaitDrained(bootstrap, service, settings);
            } finally {
                producer.interrupt();
                service.close();
            }
            double seconds = seconds(started);
            return analyse(bootstrap, policy, killed, outage, swapped, seconds);
        }
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
        s.put("frameguard.detector.target-rate", Double.toString(policy.targetRate()));
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

    /** Sends the stream at the offered rate; hostile frames at random positions; records every frame's coordinates. */
    private void produce(String bootstrap, SensorSimulator sim, SplittableRandom random, long total) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true); // retries during the outage must not duplicate frames
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // ride out the broker outage: keep retrying and let send() block rather than fail
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) TimeUnit.MINUTES.toMillis(10));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, TimeUnit.MINUTES.toMillis(10));
        HostileFrames hostileFrames = new HostileFrames(sim, random.nextLong());
        double hostileShare = (double) hostile / total;
        long hostileLeft = hostile;
        long normalLeft = frames;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            long[] steps = new long[SOURCES];
            for (long i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / rate);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int s = (int) (i % SOURCES);
                String source = "machine-" + s;
                boolean isHostile = hostileLeft > 0 && (normalLeft == 0 || random.nextDouble() < hostileShare);
                ProducerRecord<String, byte[]> record;
                String kind;
                if (isHostile) {
                    HostileFrames.Hostile h = hostileFrames.next(hostile - hostileLeft, source);
                    hostileLeft--;
                    kind = h.kind();
                    record = new ProducerRecord<>("frames", null, System.currentTimeMillis(), h.key(), h.value(), h.headers());
                } else {
                    normalLeft--;
                    long t = steps[s]++;
                    float[] x = t % FAULT_PERIOD < FAULT_BURST
                            ? sim.faulty(source, t, SensorSimulator.Fault.LEVEL_SHIFT, (int) ((t / FAULT_PERIOD) % dim), t)
                            : sim.frame(source, t);
                    RecordHeaders h = new RecordHeaders();
                    boolean json = t % 10 == 0;
                    h.add(FrameDecoders.CONTENT_TYPE_HEADER, (json ? "application/json" : Float32FrameDecoder.CONTENT_TYPE)
                            .getBytes(StandardCharsets.UTF_8));
                    kind = NORMAL;
                    record = new ProducerRecord<>("frames", null, System.currentTimeMillis(), source,
                            json ? FrameEncoding.json(x) : FrameEncoding.float32(x), h);
                }
                String k = kind;
                producer.send(record, (md, e) -> {
                    if (e != null) {
                        sendFailures.incrementAndGet();
                    } else {
                        kindAt.put(coordinate(md.partition(), md.offset()), k);
                    }
                });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            producerError.set(e);
        }
    }

    private static final String NORMAL = "normal";

    private static long coordinate(int partition, long offset) {
        return ((long) partition << 48) | offset;
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

    private Outage outage(LocalKafka kafka, LocalService service) throws Exception {
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
        Outage o = new Outage(outageSeconds, downAfter >= 0, downAfter, seconds(restarted));
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
                if (caughtUp(admin, "frameguard-scorer", "frames", false) && caughtUp(admin, "frameguard-detector", "scores", true)) {
                    Thread.sleep(2000); // the detector's last commit interval (100 ms) and its events' transaction
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

    /** Every committed record of a topic, partition by partition in offset order. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // end offsets are then the last stable ones
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            TopicRanges.read(c, c.beginningOffsets(parts), c.endOffsets(parts), Duration.ofMinutes(2), out::add);
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition()) : Long.compare(a.offset(), b.offset()));
        return out;
    }

    private Figures analyse(String bootstrap, ThresholdPolicy policy, List<Kill> killed, Outage outage, boolean swapped, double seconds)
            throws Exception {
        long normalSent = kindAt.values().stream().filter(NORMAL::equals).count();
        long hostileSent = kindAt.size() - normalSent;

        // scores: one per normal frame, none for hostile ones, each with a model version
        Map<Long, Integer> scoreCount = new HashMap<>();
        Map<String, Long> byModel = new TreeMap<>();
        long withoutModel = 0;
        Map<String, List<ScoreRecord>> bySource = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, "scores")) {
            ScoreRecord s = Topics.SCORE_SERDE.deserializer().deserialize(r.topic(), r.value());
            scoreCount.merge(coordinate(s.frame().partition(), s.frame().offset()), 1, Integer::sum);
            if (s.modelVersion() == null) {
                withoutModel++;
            } else {
                byModel.merge(s.modelVersion(), 1L, Long::sum);
            }
            bySource.computeIfAbsent(s.source(), x -> new ArrayList<>()).add(s);
        }
        long scored = scoreCount.keySet().stream().filter(c -> NORMAL.equals(kindAt.get(c))).count();
        long duplicateScores = scoreCount.values().stream().mapToLong(n -> n - 1).sum();
        long hostileScored = scoreCount.keySet().stream().filter(c -> !NORMAL.equals(kindAt.get(c))).count();

        // dead letters: one per hostile frame, with a reason
        Map<Long, Integer> dlqCount = new HashMap<>();
        Map<String, Map<String, Long>> reasons = new TreeMap<>();
        long withoutReason = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, "frames.dlq")) {
            long c = coordinate(Integer.parseInt(header(r, DeadLetterHeaders.SOURCE_PARTITION)),
                    Long.parseLong(header(r, DeadLetterHeaders.SOURCE_OFFSET)));
            dlqCount.merge(c, 1, Integer::sum);
            String reason = header(r, DeadLetterHeaders.ERROR_REASON);
            if (reason == null || reason.isBlank()) {
                withoutReason++;
            }
            reasons.computeIfAbsent(kindAt.getOrDefault(c, "unknown frame"), k -> new TreeMap<>()).merge(String.valueOf(reason), 1L, Long::sum);
        }
        long deadLettered = dlqCount.keySet().stream().filter(c -> kindAt.containsKey(c) && !NORMAL.equals(kindAt.get(c))).count();
        long normalDeadLettered = dlqCount.keySet().stream().filter(c -> NORMAL.equals(kindAt.get(c))).count();
        long duplicateDeadLetters = dlqCount.values().stream().mapToLong(n -> n - 1).sum();

        // anomaly events: exactly what the rule yields over each source's committed scores, in order
        Set<String> expected = new java.util.HashSet<>();
        for (List<ScoreRecord> scores : bySource.values()) {
            SourceState state = null;
            for (ScoreRecord s : scores) {
                ThresholdPolicy.Decision d = policy.evaluate(state, s.modelVersion(), s.modelThreshold(), s.score());
                state = d.next();
                if (d.anomaly()) {
                    expected.add(s.frame().id());
                }
            }
        }
        Map<String, Integer> eventCount = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, "anomalies")) {
            eventCount.merge(Topics.ANOMALY_SERDE.deserializer().deserialize(r.topic(), r.value()).eventId(), 1, Integer::sum);
        }
        long events = eventCount.values().stream().mapToLong(Integer::longValue).sum();
        long missingEvents = expected.stream().filter(id -> !eventCount.containsKey(id)).count();
        long unexpectedEvents = eventCount.keySet().stream().filter(id -> !expected.contains(id)).count();
        long duplicateEvents = eventCount.values().stream().mapToLong(n -> n - 1).sum();

        return new Figures(normalSent, hostileSent, sendFailures.get(), scored, normalSent - scored, duplicateScores, hostileScored,
                withoutModel, byModel, deadLettered, hostileSent - deadLettered, duplicateDeadLetters, normalDeadLettered, withoutReason,
                reasons, expected.size(), events, missingEvents, unexpectedEvents, duplicateEvents, killed, outage, swapped, peakRss, seconds);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private String section(Figures f) {
        StringBuilder s = new StringBuilder();
        s.append(BEGIN).append('\n');
        s.append(String.format(Locale.ROOT, "## Last fault-suite run (%s)%n%n", LocalDate.now()));
        s.append("- machine: ").append(BenchReport.machine()).append('\n');
        s.append("- command: `").append(System.getenv().getOrDefault("FRAMEGUARD_BENCH_COMMAND", "bench/faults")).append("`\n");
        s.append(String.format(Locale.ROOT, "- stream: %,d normal frames (%d floats, float32 and every tenth JSON, 16 sources, a burst of %d "
                + "faulty frames every %d per source) and %,d hostile frames at random positions, %,d frames/s offered, %d partitions; "
                + "exactly-once; detector k=2 of n=3%n", f.framesSent(), dim, FAULT_BURST, FAULT_PERIOD, f.hostileSent(), rate, partitions));
        s.append(String.format(Locale.ROOT, "- verdict: **%s**; run took %.0f s%n%n", f.problems().isEmpty() ? "clean" : "FAILED " + f.problems(),
                f.seconds()));
        s.append("| what | count |\n|---|---:|\n");
        row(s, "normal frames sent (acknowledged)", f.framesSent());
        row(s, "hostile frames sent (acknowledged)", f.hostileSent());
        row(s, "send failures", f.sendFailures());
        row(s, "normal frames scored (read_committed)", f.scored());
        row(s, "normal frames without a score (lost)", f.missingScores());
        row(s, "duplicate scores", f.duplicateScores());
        row(s, "hostile frames scored", f.hostileScored());
        row(s, "scores without a model version", f.scoresWithoutModel());
        s.append("| scores per model version | ").append(f.scoresByModel().entrySet().stream().map(e -> String.format(Locale.ROOT,
                "%s: %,d", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append(" |\n");
        row(s, "hostile frames dead-lettered", f.deadLettered());
        row(s, "hostile frames without a dead letter (lost)", f.missingDeadLetters());
        row(s, "duplicate dead letters", f.duplicateDeadLetters());
        row(s, "normal frames dead-lettered", f.normalDeadLettered());
        row(s, "dead letters without a reason", f.deadLettersWithoutReason());
        row(s, "anomaly events expected (rule replayed over the committed scores)", f.expectedEvents());
        row(s, "anomaly events received", f.events());
        row(s, "missing anomaly events", f.missingEvents());
        row(s, "unexpected anomaly events", f.unexpectedEvents());
        row(s, "duplicate anomaly events", f.duplicateEvents());
        row(s, "peak RSS of the service (MiB)", f.peakRssMiB());
        s.append('\n');
        if (!f.kills().isEmpty()) {
            double[] rec = f.kills().stream().mapToDouble(Kill::recoverySeconds).sorted().toArray();
            s.append(String.format(Locale.ROOT, "SIGKILLs: %d, at %s s into the stream; restarted service ready again after %.1f s "
                    + "(median), %.1f s (max)%s.%n%n", rec.length, f.kills().stream().map(k -> String.format(Locale.ROOT, "%.0f", k.atSeconds()))
                    .collect(Collectors.joining(", ")), rec[rec.length / 2], rec[rec.length - 1],
                    f.swapped() ? "; the registry's active model was switched from v1 to v2 while the service was down after kill "
                            + (f.kills().size() / 2 + 1) : ""));
        }
        if (f.outage() != null) {
            Outage o = f.outage();
            s.append(String.format(Locale.ROOT, "Broker outage: stopped for %d s; readiness %s; ready again %.1f s after the broker restarted.%n%n",
                    o.seconds(), o.readinessWentDown() ? String.format(Locale.ROOT, "went DOWN %.1f s after the stop", o.downAfterSeconds())
                            : "never went DOWN", o.readyAfterRestartSeconds()));
        }
        s.append("Dead-letter reasons per hostile kind:\n\n| hostile kind | reasons (count) |\n|---|---|\n");
        f.hostileReasons().forEach((kind, r) -> s.append("| ").append(kind).append(" | ").append(r.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s (%,d)", e.getKey(), e.getValue())).collect(Collectors.joining(", "))).append(" |\n"));
        s.append(END).append('\n');
        return s.toString();
    }

    private static void row(StringBuilder s, String what, long n) {
        s.append(String.format(Locale.ROOT, "| %s | %,d |%n", what, n));
    }

    /** Replaces the fault-suite section of {@code report} (or appends one). */
    static void writeReport(Path report, String section) throws IOException {
        String text = Files.exists(report) ? Files.readString(report) : "# Reliability\n\n";
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        text = b >= 0 && e > b ? text.substring(0, b) + section + text.substring(e + END.length() + 1)
                : text + (text.endsWith("\n\n") ? "" : "\n") + section;
        Files.writeString(report, text);
    }
}
