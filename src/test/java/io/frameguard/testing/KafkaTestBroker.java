package io.frameguard.testing;

import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A real single-node KRaft Kafka broker (combined controller + broker) inside the test JVM. */
public final class KafkaTestBroker implements AutoCloseable {

    private final KafkaClusterTestKit kit;

    private KafkaTestBroker(KafkaClusterTestKit kit) {
        this.kit = kit;
    }

    public static KafkaTestBroker start() throws Exception {
        KafkaClusterTestKit kit = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .setBootstrapMetadataVersion(MetadataVersion.latestProduction())
                .build())
                // One broker: internal topics cannot have more replicas than that.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "4")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                // Consumers join without the default 3 s wait for more members.
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kit.format();
        kit.startup();
        kit.waitForReadyBrokers();
        return new KafkaTestBroker(kit);
    }

    public String bootstrapServers() {
        return kit.bootstrapServers();
    }

    /** Creates the topics, each with {@code partitions} partitions, waiting until the broker has them. */
    public void createTopics(java.util.Collection<String> names, int partitions) throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", bootstrapServers()))) {
            admin.createTopics(names.stream().map(n -> new org.apache.kafka.clients.admin.NewTopic(n, partitions, (short) 1))
                    .toList()).all().get();
        }
    }

    /** A producer of frames as an outside client sends them: string keys, byte values, 5 ms linger. */
    public static KafkaProducer<String, byte[]> frameProducer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public void close() throws Exception {
        kit.close();
    }

    /**
     * A test class's own broker, started before its tests and closed after them:
     * {@code @RegisterExtension static final KafkaTestBroker.PerClass broker = new KafkaTestBroker.PerClass();}.
     */
    public static final class PerClass implements BeforeAllCallback, AfterAllCallback {
        private KafkaTestBroker broker;

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            broker = start();
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            if (broker != null) { // null when it did not start: that failure is the one to see
                broker.close();
            }
        }

        public String bootstrapServers() {
            return broker.bootstrapServers();
        }
    }
}
