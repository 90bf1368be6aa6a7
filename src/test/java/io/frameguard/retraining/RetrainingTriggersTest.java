package io.frameguard.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.DriftEvent;
import io.frameguard.events.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** What a poll of the drift topic tells the trainer. */
class RetrainingTriggersTest {

    private static final Topics TOPICS = Topics.defaults();

    private static ConsumerRecord<String, byte[]> record(long offset, byte[] value) {
        return new ConsumerRecord<>(TOPICS.drift().name(), 0, offset, "pump-1", value);
    }

    private static byte[] drift(String status, String source) {
        return TOPICS.drift().serialize(new DriftEvent(DriftEvent.SCHEMA_VERSION, source, status, 0.4, 0.2, "m1", 500,
                new double[] {0.5, 0.5}, 1000, 2000, 3000));
    }

    @Test
    void aRecordThatIsNoDriftEventIsSkippedAndTheDriftAfterItTriggers() {
        String trigger = RetrainingTriggers.driftTrigger(List.of(record(0, "{not json".getBytes(StandardCharsets.UTF_8)),
                record(1, drift(DriftEvent.DRIFT, "pump-7")), record(2, new byte[] {0, 1, 2})), TOPICS);
        assertThat(trigger).startsWith("drift on pump-7");
    }

    @Test
    void aRecoveryOrNothingTriggersNothing() {
        assertThat(RetrainingTriggers.driftTrigger(List.of(record(0, drift(DriftEvent.RECOVERED, "pump-1")), record(1, null)), TOPICS))
                .isNull();
        assertThat(RetrainingTriggers.driftTrigger(List.of(), TOPICS)).isNull();
    }
}
