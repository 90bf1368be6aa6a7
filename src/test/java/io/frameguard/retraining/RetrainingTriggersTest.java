package io.frameguard.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.DriftEvent;
import io.frameguard.events.Topics;
import io.frameguard.events.Verdict;
import io.frameguard.testing.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** What polls of the drift and verdicts topics tell the trainer, and when it runs on them (a real broker). */
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

    private static byte[] verdict(String eventId, String verdict) {
        return TOPICS.verdicts().serialize(new Verdict(Verdict.SCHEMA_VERSION, eventId, verdict, null, null,
                Instant.now().toString(), "test"));
    }

    @Test
    void onlyFalseAlarmVerdictsCount() {
        List<ConsumerRecord<String, byte[]>> polled = List.of(
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 0, "frames/0/1", verdict("frames/0/1", Verdict.FALSE_ALARM)),
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 1, "frames/0/2", verdict("frames/0/2", Verdict.CONFIRMED)),
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 2, "frames/0/1", null), // withdrawn
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 3, "x", "{not json".getBytes(StandardCharsets.UTF_8)),
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 4, "frames/1/7", verdict("frames/1/7", Verdict.FALSE_ALARM)));
        assertThat(RetrainingTriggers.falseAlarmVerdicts(polled, TOPICS)).containsExactly("frames/0/1", "frames/1/7");
    }

    /**
     * Verdicts given before the trainer holds the lease start nothing; a confirmed anomaly starts nothing; false alarms
     * judged one after another start one run, once none came for the quiet time.
     */
    @Test
    void falseAlarmsJudgedTogetherStartOneRunOnceOperatorsPause() throws Exception {
        Duration quiet = Duration.ofSeconds(2);
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(TOPICS.names().stream().map(n -> new NewTopic(n, 2, (short) 1)).toList()).all().get();
            }
            List<String> runs = new CopyOnWriteArrayList<>();
            List<Instant> runAt = new CopyOnWriteArrayList<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/0/1", verdict("frames/0/1", Verdict.FALSE_ALARM))).get();
                RetrainingTriggers triggers = new RetrainingTriggers("m", Duration.ZERO, 0, false, quiet, () -> null);
                Thread trainer = new Thread(() -> {
                    try {
                        triggers.runWhile(() -> true, t -> {
                            runs.add(t);
                            runAt.add(Instant.now());
                        }, Map.of("bootstrap.servers", bootstrap), TOPICS);
                    } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
                        // stopped
                    } catch (Exception e) {
                        runs.add("failed: " + e);
                    }
                }, "triggers");
                trainer.start();
                try {
                    Thread.sleep(3000); // past its seek to the end
                    producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/0/2", verdict("frames/0/2", Verdict.CONFIRMED))).get();
                    Thread.sleep(quiet.toMillis() + 3000);
                    assertThat(runs).as("a verdict before the trainer followed the topic, and a confirmed anomaly").isEmpty();
                    Instant last = null;
                    for (String event : List.of("frames/0/3", "frames/1/4", "frames/0/5")) {
                        producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), event, verdict(event, Verdict.FALSE_ALARM))).get();
                        last = Instant.now();
                        Thread.sleep(quiet.toMillis() / 4);
                    }
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !runs.isEmpty());
                    Thread.sleep(quiet.toMillis() + 3000);
                    assertThat(runs).containsExactly("3 false-alarm verdicts, the latest on frames/0/5");
                    assertThat(Duration.between(last, runAt.get(0))).as("after the quiet time").isGreaterThanOrEqualTo(quiet);
                } finally {
                    trainer.interrupt();
                    trainer.join(10_000);
                }
            }
        }
    }
}
