package io.frameguard.local;

import io.frameguard.datasets.FrameFile;
import io.frameguard.datasets.SensorSimulator.Fault;
import io.frameguard.datasets.SensorSimulator;
import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.EventText;
import io.frameguard.events.FrameRef;
import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.frames.Float32FrameDecoder;
import io.frameguard.frames.FrameDecoders;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.frames.JsonFrameDecoder;
import io.frameguard.memory.VerdictWriter;
import io.frameguard.model.InvalidModelException;
import io.frameguard.model.ModelArtifact;
import io.frameguard.training.AutoencoderTrainer;
import io.frameguard.training.TrainingOptions;
import io.frameguard.training.TrainingProgress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The whole pipeline on one machine ({@code frameguard demo}): a local Kafka broker (separate process), a model trained
 * on simulated normal sensor data (or the one already in the work directory), the service itself (separate process,
 * the real {@code serve}), simulated machines streaming frames with injected faults, and the anomaly events printed as
 * they arrive, marked with the fault that caused them and with the past anomaly they look like. The demo plays the
 * operator too: it marks each event confirmed (labelled with the fault it injected) or a false alarm, so later events
 * show what the anomaly memory learns.
 */
public final class Demo {

    private static final int DIM = 16;
    private static final long SIM_SEED = 7;
    private static final List<String> SOURCES = List.of("pump-1", "pump-2", "compressor-3", "fan-4", "press-5", "mixer-6");
    private static final int FAULT_CHANNELS = DIM;
    /** The service's default topics, which the demo's service uses. */
    private static final Topics TOPICS = Topics.defaults();

    private final Path work;
    private final int seconds;
    private final int rate;
    private final int faultEvery;
    private final int httpPort;
    private final int managementPort;

    /**
     * @param work directory for the broker, the model and the logs
     * @param seconds how long to stream frames
     * @param rate frames per second per machine
     * @param faultEvery seconds between injected faults
     */
    public Demo(Path work, int seconds, int rate, int faultEvery, int httpPort, int managementPort) {
        this.work = work;
        this.seconds = seconds;
        this.rate = rate;
        this.faultEvery = faultEvery;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
    }

    /** A fault injected on a source, from step {@code from} for {@code length} frames. */
    record Injected(String source, Fault fault, int channel, long from, int length) {}

    /** Runs the demo to its end: broker, model, service, the stream and the summary. */
    public void run() throws Exception {
        Path home = Path.of(System.getProperty("frameguard.home", "."));
        Path app = Path.of(System.getProperty("frameguard.app", home.resolve("target/quarkus-app").toString()));
        Files.createDirectories(work);
        say("work directory: %s", work.toAbsolutePath());

        say("starting a local Apache Kafka broker (KRaft) ...");
        try (LocalKafka kafka = LocalKafka.start(home.resolve("target/local-kafka/lib"), work.resolve("kafka"))) {
            say("broker ready at %s", kafka.bootstrapServers());
            Path model = ensureModel();
            Path log = work.resolve("service.log");
            say("starting the service (log: %s) ...", log);
            // a token of this run only, for the operator console (the API is closed without one)
            byte[] secret = new byte[12];
            new java.security.SecureRandom().nextBytes(secret);
            String token = "demo-" + java.util.HexFormat.of().formatHex(secret);
            try (LocalService service = LocalService.start(app, Map.of(
                    "kafka.bootstrap.servers", kafka.bootstrapServers(),
                    "frameguard.model.dir", model.toAbsolutePath().toString(),
                    "frameguard.api.admin-token", token,
                    "kafka-streams.state.dir", work.resolve("streams").toAbsolutePath().toString(),
                    "quarkus.http.port", Integer.toString(httpPort)), managementPort, log)) {
                service.awaitReady();
                say("service ready: metrics http://localhost:%d/q/metrics, health http://localhost:%d/q/health", managementPort, managementPort);
                say("operator console: http://localhost:%d/console/ (sign in with the token %s)", httpPort, token);
                stream(kafka.bootstrapServers(), service);
            }
        }
    }

    private Path ensureModel() throws IOException {
        Path model = work.resolve("model");
        if (Files.exists(model.resolve(ModelArtifact.CARD_FILE))) {
            ModelArtifact existing;
            try {
                existing = ModelArtifact.open(model);
            } catch (InvalidModelException e) {
                // the demo's own model from an earlier build (an older checksum format, say): the demo trains its own
                existing = null;
                say("model in %s cannot be served (%s); training a new one", model, e.getMessage());
            }
            if (existing != null && existing.card().signature() != null) {
                say("using model %s from %s", existing.card().version(), model);
                return model;
            }
            if (existing != null) {
                // a model from before signatures: the anomaly memory would have nothing to compare
                say("model %s in %s has no signature output; training a new one", existing.card().version(), model);
            }
            org.apache.commons.io.FileUtils.deleteDirectory(model.toFile());
        }
        Path data = work.resolve("normal-frames.csv");
        SensorSimulator sim = new SensorSimulator(DIM, SIM_SEED);
        sim.writeCsv(20_000, 8, data);
        say("training an autoencoder on 20,000 normal frames from %s ...", data);
        TrainingOptions options = TrainingOptions.builder().name("demo").epochs(20).targetFpr(0.005).build();
        ModelArtifact artifact = new AutoencoderTrainer(options, new TrainingProgress() {
            @Override
            public void epochDone(int epoch, double loss) {
                if (epoch % 5 == 0) {
                    say("  epoch %d/%d loss %.5f", epoch, options.epochs(), loss);
                }
            }
        }).train(FrameFile.read(data, FrameFile.Format.csv, DIM), model, "simulated machines, 20000 frames");
        say("model %s: initial threshold %.4g (validation p99 %.4g)", artifact.card().version(),
                artifact.card().threshold().value(), artifact.card().training().validationErrors().p99());
        return model;
    }

    private void stream(String bootstrap, LocalService service) throws Exception {
        SensorSimulator sim = new SensorSimulator(DIM, SIM_SEED);
        Map<String, Injected> injectedAt = new ConcurrentHashMap<>(); // frame id -> fault
        List<Injected> injected = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Map<String, Integer> caught = new ConcurrentHashMap<>();
        int[] falseAlarms = {0};

        Thread printer = new Thread(() -> {
            try (VerdictWriter operator = new VerdictWriter(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    TOPICS.verdicts());
                    KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.GROUP_ID_CONFIG, "frameguard-demo-printer",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(TOPICS.anomalies().name()));
                while (!done.get()) {
                    for (var r : c.poll(Duration.ofMillis(200))) {
                        AnomalyEvent e = TOPICS.anomalies().deserialize(r.value());
                        Injected cause = injectedAt.get(e.eventId());
                        if (cause != null) {
                            caught.merge(cause.source() + cause.from(), 1, Integer::sum);
                        } else {
                            falseAlarms[0]++;
                        }
                        say("%s  <- %s", EventText.anomaly(e),
                                cause == null ? "no injected fault (false alarm)" : "injected " + cause.fault() + " on ch" + cause.channel());
                        String likeness = EventText.likeness(e);
                        if (likeness != null) {
                            say("%s", likeness);
                        }
                        // the demo plays the operator: it knows which anomalies it caused, and says so
                        operator.write(e.eventId(), cause == null ? Verdict.FALSE_ALARM : Verdict.CONFIRMED,
                                cause == null ? null : cause.fault().name().toLowerCase(Locale.ROOT) + "-ch" + cause.channel(),
                                null, "demo", e.source());
                    }
                }
            } catch (java.io.IOException e) {
                say("the demo's verdicts could not be written: %s", e.getMessage());
            }
        }, "demo-anomaly-printer");
        printer.start();
        Thread.sleep(2000); // let the printer join before the first frames

        Random random = new Random(1);
        long steps = (long) seconds * rate;
        long faultEverySteps = (long) faultEvery * rate;
        long sent = 0;
        Injected active = null;
        say("streaming %d machines x %d frames/s for %d s, a fault every ~%d s (JSON and float32 frames) ...",
                SOURCES.size(), rate, seconds, faultEvery);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer())) {
            long start = System.nanoTime();
            for (long t = 0; t < steps; t++) {
                if (t > 0 && t % faultEverySteps == 0) {
                    Fault kind = Fault.values()[random.nextInt(Fault.values().length)];
                    int length = kind == Fault.SPIKE ? 1 : kind == Fault.LEVEL_SHIFT ? rate : 2 * rate;
                    active = new Injected(SOURCES.get(random.nextInt(SOURCES.size())), kind, random.nextInt(FAULT_CHANNELS), t, length);
                    injected.add(active);
                }
                if (active != null && t >= active.from() + active.length()) {
                    active = null;
                }
                for (int s = 0; s < SOURCES.size(); s++) {
                    String source = SOURCES.get(s);
                    boolean faulty = active != null && active.source().equals(source);
                    float[] frame = faulty ? sim.faulty(source, t, active.fault(), active.channel(), active.from()) : sim.frame(source, t);
                    boolean binary = (t + s) % 2 == 0;
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(FrameDecoders.CONTENT_TYPE_HEADER, (binary ? Float32FrameDecoder.CONTENT_TYPE : JsonFrameDecoder.CONTENT_TYPE).getBytes(StandardCharsets.UTF_8));
                    Injected cause = faulty ? active : null;
                    producer.send(new ProducerRecord<>(TOPICS.frames().name(), null, source, binary ? FrameEncoding.float32(frame) : FrameEncoding.json(frame), headers),
                            (md, err) -> {
                                if (err == null && cause != null) {
                                    injectedAt.put(new FrameRef(md.topic(), md.partition(), md.offset()).id(), cause);
                                }
                            });
                    sent++;
                }
                long due = start + TimeUnit.SECONDS.toNanos(1) * (t + 1) / rate;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
        Thread.sleep(3000); // the last events
        done.set(true);
        printer.join();

        long detected = injected.stream().filter(i -> caught.containsKey(i.source() + i.from())).count();
        say("sent %d frames; injected %d faults, %d reported (spikes and level shifts at once; a frozen, faster or"
                + " out-of-step channel once it drifts from its true value); %d anomalies on normal frames", sent, injected.size(),
                detected, falseAlarms[0]);
        say("the service's own counters, from http://localhost:%d/q/metrics:", managementPort);
        service.metrics().stream().filter(l -> l.startsWith("frameguard_frames_scored_total") || l.startsWith("frameguard_frames_dlq_total")
                        || l.startsWith("frameguard_anomalies_total") || l.startsWith("frameguard_model_info")
                        || l.startsWith("frameguard_frame_to_event_seconds_count") || l.startsWith("frameguard_frame_to_event_seconds_sum"))
                .forEach(l -> say("  %s", l));
    }

    private static void say(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }
}
