package io.frameguard.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.detection.ThresholdPolicy;
import io.frameguard.drift.DriftPolicy;
import io.frameguard.events.FrameRef;
import io.frameguard.events.ScoreBatch;
import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.metrics.FrameguardMetrics;
import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.TopicReader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real broker: a source that stops sending leaves tombstones on the detector's changelogs, so that compaction
 * removes it from the topics (and from every replica that restores them), not only from one instance's RocksDB.
 */
class IdleSourceExpiryBrokerTest {

    private static final Topics TOPICS = Topics.defaults();
    private static final String APP = "expiry-test";
    private static final Duration EXPIRY = Duration.ofSeconds(3);

    @TempDir
    Path stateDir;

    @Test
    void anIdleSourceLeavesTombstonesOnEveryChangelog() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic(TOPICS.scores().name(), 1, (short) 1),
                        new NewTopic(TOPICS.anomalies().name(), 1, (short) 1), new NewTopic(TOPICS.drift().name(), 1, (short) 1)))
                        .all().get();
            }
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
            KafkaStreams streams = new KafkaStreams(TopologyProducer.build(TOPICS, new ThresholdPolicy(0.02, 0.5, 2.0, 1, 1),
                    DriftPolicy.defaults(), EXPIRY, new FrameguardMetrics(new SimpleMeterRegistry(), 10)), p);
            try (KafkaProducer<String, ScoreBatch> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    TOPICS.scores().keySerde().serializer(), TOPICS.scores().valueSerde().serializer());
                    TopicReader thresholds = new TopicReader(bootstrap, APP + "-" + TopologyProducer.THRESHOLD_STORE + "-changelog");
                    TopicReader drift = new TopicReader(bootstrap, APP + "-" + TopologyProducer.DRIFT_STORE + "-changelog")) {
                streams.start();
                for (int i = 0; i < 5; i++) {
                    send(producer, "gone", i);
                }
                // "stays" keeps sending; "gone" goes quiet until its tombstones appear
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int t = 0;
                while (!hasTombstone(thresholds.readUntil(rs -> false, Duration.ofMillis(500)), "gone")
                        && System.nanoTime() < deadline) {
                    send(producer, "stays", t++);
                }
                assertThat(hasTombstone(thresholds.readUntil(rs -> false, Duration.ZERO), "gone")).isTrue();
                assertThat(hasTombstone(drift.readUntil(rs -> hasTombstone(rs, "gone"), Duration.ofSeconds(10)), "gone")).isTrue();
                assertThat(hasTombstone(thresholds.readUntil(rs -> false, Duration.ZERO), "stays")).isFalse();
            } finally {
                streams.close(Duration.ofSeconds(10));
            }
        }
    }

    private static boolean hasTombstone(List<ConsumerRecord<String, byte[]>> changelog, String source) {
        return changelog.stream().anyMatch(r -> source.equals(r.key()) && r.value() == null);
    }

    private static void send(KafkaProducer<String, ScoreBatch> producer, String source, long offset) throws Exception {
        producer.send(new ProducerRecord<>(TOPICS.scores().name(), source, ScoreBatch.of(new ScoreRecord(ScoreRecord.SCHEMA_VERSION, source,
                new FrameRef("frames", 0, offset), System.currentTimeMillis(), System.currentTimeMillis(), 0.5, 1.0, "m1", 0.5,
                List.of(), null, 1, 100)))).get();
    }
}
