package io.frameguard.cli;

import io.frameguard.events.AnomalyEvent;
import io.frameguard.events.EventText;
import io.frameguard.events.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code frameguard tail anomalies|drift}: the service's events as they arrive, one line each as the demo prints them,
 * from any broker. It joins no consumer group (it reads every partition itself) and commits nothing, so it never
 * disturbs the service or another reader; it reads committed records only, as the service's consumers do.
 */
@Command(name = "tail", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Print the service's anomaly or drift events as they arrive, one line each, from any broker.",
                "Reads every partition without a consumer group (nothing committed, nobody disturbed); Ctrl-C stops it."})
final class TailCommand implements Callable<Integer> {

    /** What to follow. */
    enum Stream { anomalies, drift }

    /** How long a poll waits before the time limits are checked again. */
    private static final Duration POLL = Duration.ofMillis(500);

    @Mixin
    KafkaConnection kafka;

    @Parameters(index = "0", paramLabel = "anomalies|drift", description = "Which events: ${COMPLETION-CANDIDATES}.")
    Stream stream;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The events' topic (default: anomalies or drift, as the service names them).")
    String topic;

    @Option(names = "--from-beginning", description = "Start with the oldest events kept, not the next new one.")
    boolean fromBeginning;

    @Option(names = "--source", paramLabel = "SOURCE", description = "Only these sources (repeat the option for several).")
    Set<String> sources;

    @Option(names = "--max-events", defaultValue = "0", description = "Stop after this many events; 0: never (default: ${DEFAULT-VALUE}).")
    long maxEvents;

    @Option(names = "--for", defaultValue = "0s", converter = DurationConverter.class,
            description = "Stop after this long, e.g. 30s, 10m; 0: never (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--json", description = "Print each event's record as it is on the topic (one JSON object a line).")
    boolean json;

    @Option(names = "--incidents", description = "Anomalies: one line per incident rather than per event: the first event "
            + "seen of each incident, then one each time its count of events has doubled (about log2 of its events: some "
            + "16 lines for a fault of an hour at ten frames a second, not 36,000).")
    boolean incidents;

    /**
     * Incidents whose last printed count {@code --incidents} keeps, the one whose events were seen least recently
     * forgotten first (an incident forgotten is printed again at its next event, as if new).
     */
    static final int INCIDENTS_FOLLOWED = 10_000;

    @Override
    public Integer call() throws Exception {
        if (incidents && stream != Stream.anomalies) {
            throw new IllegalArgumentException("--incidents is for anomalies only"); // a usage error: exit 2, one line
        }
        String name = topic != null ? topic : stream == Stream.anomalies ? Topics.DEFAULT_ANOMALIES : Topics.DEFAULT_DRIFT;
        Topics topics = Topics.defaults(); // for the records' layouts; the topic read is `name`
        Map<String, Object> c = new HashMap<>(kafka.clientConfig());
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false); // a mistyped --topic is reported, never created
        long deadline = duration.isZero() ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();
        long printed = 0;
        Map<String, Integer> shownCounts = new java.util.LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                return size() > INCIDENTS_FOLLOWED;
            }
        };
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer())) {
            Runnable logConnections = CommandLogging.quietConnecting(System.getenv()); // until the first answer
            var infos = consumer.partitionsFor(name, Duration.ofSeconds(30));
            logConnections.run(); // then a broker lost while tailing is logged, as the service logs it
            if (infos == null || infos.isEmpty()) {
                System.err.println("frameguard tail: topic " + name + " does not exist on " + kafka.bootstrapServers);
                return 1;
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(name, p.partition())).toList();
            consumer.assign(partitions);
            if (fromBeginning) {
                consumer.seekToBeginning(partitions);
            } else {
                consumer.seekToEnd(partitions);
            }
            System.err.printf("frameguard tail: %s on %s, %s%n", name, kafka.bootstrapServers, fromBeginning ? "from the oldest kept" : "new events");
            while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline && (maxEvents == 0 || printed < maxEvents)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(POLL)) {
                    if (r.value() == null || (sources != null && !sources.contains(r.key()))) {
                        continue;
                    }
                    AnomalyEvent e = stream == Stream.anomalies && (incidents || !json) ? topics.anomalies().deserialize(r.value()) : null;
                    if (incidents && e != null && e.incident() != null) {
                        Integer shown = shownCounts.get(e.incident().id());
                        if (shown != null && e.incident().count() < 2L * shown) {
                            continue;
                        }
                        shownCounts.put(e.incident().id(), e.incident().count());
                    }
                    if (json) {
                        System.out.println(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
                    } else if (e != null) {
                        System.out.println(incidents ? EventText.anomaly(e) + EventText.incident(e) : EventText.anomaly(e));
                        String likeness = EventText.likeness(e);
                        if (likeness != null) {
                            System.out.println(likeness);
                        }
                    } else {
                        System.out.println(EventText.drift(topics.drift().deserialize(r.value())));
                    }
                    System.out.flush();
                    if (maxEvents > 0 && ++printed >= maxEvents) {
                        break;
                    }
                }
            }
        }
        return 0;
    }
}
