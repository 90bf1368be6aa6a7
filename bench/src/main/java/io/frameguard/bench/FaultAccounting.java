package io.frameguard.bench;

import static io.frameguard.bench.FaultStream.NORMAL;
import static io.frameguard.bench.FaultStream.TOPICS;
import static io.frameguard.bench.FaultStream.coordinate;

import io.frameguard.detection.SourceState;
import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.TopicRanges;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The fault suite's verdict, exact rather than statistical: each normal frame must have exactly one score and no dead
 * letter; each hostile frame exactly one dead letter (with a reason) and no score; every score names a model
 * version; the anomaly events must be exactly those the detector's rule ({@link ThresholdPolicy}) yields when
 * replayed over the committed scores of each source in order, from the card's threshold.
 */
final class FaultAccounting {

    private FaultAccounting() {}

    /**
     * Reads the scores, dead letters and anomaly events back and accounts for every frame that {@code stream} sent;
     * the anomaly events expected are those {@code policy} yields over each source's committed scores, in order.
     */
    static FaultReport.Figures analyse(String bootstrap, FaultStream stream, ThresholdPolicy policy, List<FaultReport.Kill> killed,
            FaultReport.Outage outage, boolean swapped, FaultReport.Tampering tampering, long peakRss, double seconds) throws Exception {
        Map<Long, String> kindAt = stream.kindAt();
        long normalSent = kindAt.values().stream().filter(NORMAL::equals).count();
        long hostileSent = kindAt.size() - normalSent;

        // scores: one per normal frame, none for hostile ones, each with a model version
        Map<Long, Integer> scoreCount = new HashMap<>();
        Map<String, Long> byModel = new TreeMap<>();
        long withoutModel = 0;
        Map<String, List<ScoreRecord>> bySource = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, TOPICS.scores().name())) {
            for (ScoreRecord s : TOPICS.scores().deserialize(r.value()).scores()) {
                scoreCount.merge(coordinate(s.frame().partition(), s.frame().offset()), 1, Integer::sum);
                if (s.modelVersion() == null) {
                    withoutModel++;
                } else {
                    byModel.merge(s.modelVersion(), 1L, Long::sum);
                }
                bySource.computeIfAbsent(s.source(), x -> new ArrayList<>()).add(s);
            }
        }
        long scored = scoreCount.keySet().stream().filter(c -> NORMAL.equals(kindAt.get(c))).count();
        long duplicateScores = scoreCount.values().stream().mapToLong(n -> n - 1).sum();
        long hostileScored = scoreCount.keySet().stream().filter(c -> !NORMAL.equals(kindAt.get(c))).count();

        // dead letters: one per hostile frame, with a reason
        Map<Long, Integer> dlqCount = new HashMap<>();
        Map<String, Map<String, Long>> reasons = new TreeMap<>();
        long withoutReason = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, TOPICS.dlq().name())) {
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
        // a hostile frame without a dead letter shows under its kind, and where it is, so that a loss can be traced
        kindAt.forEach((c, kind) -> {
            if (!NORMAL.equals(kind) && !dlqCount.containsKey(c)) {
                reasons.computeIfAbsent(kind, k -> new TreeMap<>()).merge("(no dead letter)", 1L, Long::sum);
                System.out.printf(Locale.ROOT, "hostile frame %s at %d/%d has no dead letter%n", kind, c >> 48, c & ((1L << 48) - 1));
            }
        });
        long normalDeadLettered = dlqCount.keySet().stream().filter(c -> NORMAL.equals(kindAt.get(c))).count();
        long duplicateDeadLetters = dlqCount.values().stream().mapToLong(n -> n - 1).sum();

        // anomaly events: exactly what the rule yields over each source's committed scores, in order
        Set<String> expected = new java.util.HashSet<>();
        for (List<ScoreRecord> scores : bySource.values()) {
            SourceState state = null;
            for (ScoreRecord s : scores) {
                ThresholdPolicy.Decision d = policy.evaluate(state, s.modelVersion(), s.modelThreshold(), s.modelMedian(), s.score());
                state = d.next();
                if (d.anomaly()) {
                    expected.add(s.frame().id());
                }
            }
        }
        Map<String, Integer> eventCount = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(bootstrap, TOPICS.anomalies().name())) {
            eventCount.merge(TOPICS.anomalies().deserialize(r.value()).eventId(), 1, Integer::sum);
        }
        long events = eventCount.values().stream().mapToLong(Integer::longValue).sum();
        long missingEvents = expected.stream().filter(id -> !eventCount.containsKey(id)).count();
        long unexpectedEvents = eventCount.keySet().stream().filter(id -> !expected.contains(id)).count();
        long duplicateEvents = eventCount.values().stream().mapToLong(n -> n - 1).sum();

        return new FaultReport.Figures(normalSent, hostileSent, stream.sendFailures(), scored, normalSent - scored, duplicateScores, hostileScored,
                withoutModel, byModel, deadLettered, hostileSent - deadLettered, duplicateDeadLetters, normalDeadLettered, withoutReason,
                reasons, expected.size(), events, missingEvents, unexpectedEvents, duplicateEvents, killed, outage, swapped, tampering, peakRss, seconds);
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

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
