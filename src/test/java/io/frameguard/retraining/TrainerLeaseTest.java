package io.frameguard.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.testing.KafkaTestBroker;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * What a holder of the lease leaves passes to the next: the group's committed offset of the lease partition carries it,
 * and only the member holding the partition commits it (a real broker; trainers as processes: {@code TrainerLeaseIT}).
 */
class TrainerLeaseTest {

    @Test
    void whatTheHolderLeavesIsWhatTheNextReceives() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
            String group = TrainerLease.group("test", "sensor");
            String left = new RetrainingTriggers.State(1_000, 42, Map.of(0, 7L, 3, 9L)).text();
            try (TrainerLease first = TrainerLease.join(client, TrainerLease.DEFAULT_TOPIC, group)) {
                assertThat(first.awaitHeld(Duration.ofSeconds(60))).isTrue();
                assertThat(first.received()).as("the first holder: nothing left").isNull();
                first.leave(left);
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> left.equals(committed(client, group)));
            }
            try (TrainerLease next = TrainerLease.join(client, TrainerLease.DEFAULT_TOPIC, group)) {
                assertThat(next.awaitHeld(Duration.ofSeconds(60))).isTrue();
                assertThat(next.received()).isEqualTo(left);
                assertThat(RetrainingTriggers.State.of(next.received())).isEqualTo(new RetrainingTriggers.State(1_000, 42,
                        Map.of(0, 7L, 3, 9L)));
            }
            // another model's lease, another group: nothing left there
            try (TrainerLease other = TrainerLease.join(client, TrainerLease.DEFAULT_TOPIC, TrainerLease.group("test", "images"))) {
                assertThat(other.awaitHeld(Duration.ofSeconds(60))).isTrue();
                assertThat(other.received()).isNull();
            }
            assertThat(RetrainingTriggers.State.of("2|1|2|")).as("a layout this release does not know").isNull();
            assertThat(RetrainingTriggers.State.of("1|x|2|")).as("no state").isNull();
        }
    }

    /** The metadata of the group's committed offset of the lease partition, as an admin reads it. */
    private static String committed(Map<String, Object> client, String group) throws Exception {
        try (Admin admin = Admin.create(client)) {
            var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            var m = offsets.get(new org.apache.kafka.common.TopicPartition(TrainerLease.DEFAULT_TOPIC, 0));
            return m == null ? null : m.metadata();
        }
    }
}
