package io.frameguard.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.KafkaTestBroker;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The source of an event's frame, read from a real broker; what is not there is said, and nothing is created. */
class FrameSourcesTest {

    @RegisterExtension
    static final KafkaTestBroker.PerClass broker = new KafkaTestBroker.PerClass();

    @Test
    void findsTheFramesKeyAndSaysWhatIsNotThere() throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(List.of(new NewTopic("lines", 2, (short) 1))).all().get();
        }
        long pump;
        long press;
        try (KafkaProducer<String, byte[]> producer = KafkaTestBroker.frameProducer(broker.bootstrapServers())) {
            pump = producer.send(new ProducerRecord<>("lines", 1, "pump-7", new byte[4])).get().offset();
            press = producer.send(new ProducerRecord<>("lines", 1, "press-2", new byte[4])).get().offset();
        }
        try (FrameSources sources = new FrameSources(client, "lines")) {
            assertThat(sources.sourceOf("lines/1/" + pump).source()).isEqualTo("pump-7");
            assertThat(sources.sourceOf("lines/1/" + press).source()).isEqualTo("press-2");
            assertThat(sources.sourceOf("lines/1/" + pump).source()).as("again, from what was found").isEqualTo("pump-7");
            assertThat(sources.sourceOf("lines/1/" + (press + 1)).problem()).contains("no frame lines/1/" + (press + 1) + " yet");
            assertThat(sources.sourceOf("lines/2/0").problem()).contains("topic lines has no partition 2 (it has 2)");
            assertThat(sources.sourceOf("not an id").problem()).contains("TOPIC/PARTITION/OFFSET");
            assertThat(sources.sourceOf("frameguard.models/0/0").problem()).as("no other topic is read")
                    .contains("is not on the frames topic lines");
        }
        try (FrameSources sources = new FrameSources(client, "mistyped")) {
            FrameSources.Lookup none = sources.sourceOf("mistyped/0/0");
            assertThat(none.problem()).contains("no topic mistyped");
            assertThat(none.passing()).isFalse();
        }
        try (Admin admin = Admin.create(client)) {
            assertThat(admin.listTopics().names().get()).as("a lookup creates no topic").doesNotContain("mistyped");
        }
    }

    /** While one lookup reads, a few may wait for their turn; the next is answered "not now" at once, holding no thread. */
    @Test
    void lookupsBeyondTheWaitingOnesAreAnsweredAtOnce() throws Exception {
        Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
        try (FrameSources sources = new FrameSources(client, "lines")) {
            sources.reading.lock(); // a lookup that reads for long
            java.util.concurrent.ExecutorService waiting = java.util.concurrent.Executors.newFixedThreadPool(FrameSources.MAX_WAITING);
            try {
                for (int i = 0; i < FrameSources.MAX_WAITING; i++) {
                    int offset = i;
                    waiting.submit(() -> sources.sourceOf("lines/0/" + offset));
                }
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(2))
                        .until(() -> sources.reading.getQueueLength() == FrameSources.MAX_WAITING);
                FrameSources.Lookup refused = sources.sourceOf("lines/0/99"); // not after its turn's wait: "reading" then
                assertThat(refused.source()).isNull();
                assertThat(refused.passing()).isTrue();
                assertThat(refused.problem()).contains("other lookups are waiting");
            } finally {
                sources.reading.unlock();
                waiting.shutdown();
                assertThat(waiting.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
