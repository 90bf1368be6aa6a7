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
                record(1, drift(DriftEvent.DRIFT, "pump-7")), record(2, new byte[] {0, 1, 2})), TOPICS, null);
        assertThat(trigger).startsWith("drift on pump-7");
    }

    @Test
    void aRecoveryOrNothingTriggersNothing() {
        assertThat(RetrainingTriggers.driftTrigger(List.of(record(0, drift(DriftEvent.RECOVERED, "pump-1")), record(1, null)), TOPICS, null))
                .isNull();
        assertThat(RetrainingTriggers.driftTrigger(List.of(), TOPICS, null)).isNull();
    }

    /**
     * Drift of a version no longer served (reported while a run replaced it, read after the run) is moot: it started a
     * second run at once, on the frames the first had just read.
     */
    @Test
    void driftOfAVersionNoLongerServedTriggersNothing() {
        List<ConsumerRecord<String, byte[]>> polled = List.of(record(0, drift(DriftEvent.DRIFT, "pump-3")));
        assertThat(RetrainingTriggers.driftTrigger(polled, TOPICS, "m2")).isNull();
        assertThat(RetrainingTriggers.driftTrigger(polled, TOPICS, "m1")).startsWith("drift on pump-3");
    }

    private static byte[] verdict(String eventId, String verdict) {
        return TOPICS.verdicts().serialize(new Verdict(Verdict.SCHEMA_VERSION, eventId, verdict, null, null,
                Instant.now().toString(), "test", null));
    }

    @Test
    void verdictsAreReadAsTheTrainersDataReadThem() {
        List<ConsumerRecord<String, byte[]>> polled = List.of(
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 0, "frames/0/1", verdict("frames/0/1", Verdict.FALSE_ALARM)),
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 1, "frames/0/2", verdict("frames/0/2", Verdict.CONFIRMED)),
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 2, "frames/0/1", null), // withdrawn
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 3, "x", "{not json".getBytes(StandardCharsets.UTF_8)),
                // a verdict without its event (Jackson requires no field): no false alarm, not a stopped trainer
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 3, "frames/0/3",
                        "{\"verdict\":\"false-alarm\"}".getBytes(StandardCharsets.UTF_8)),
                // keyed by another event: the trainer's data read it as no verdict on either
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 4, "frames/0/9", verdict("frames/0/8", Verdict.FALSE_ALARM)),
                new ConsumerRecord<>(TOPICS.verdicts().name(), 0, 5, "frames/1/7", verdict("frames/1/7", Verdict.FALSE_ALARM)));
        assertThat(RetrainingTriggers.verdictsIn(polled, TOPICS)).containsExactly(
                new RetrainingTriggers.Judged("frames/0/1", true), new RetrainingTriggers.Judged("frames/0/2", false),
                new RetrainingTriggers.Judged("frames/0/1", false), new RetrainingTriggers.Judged("frames/0/3", false),
                new RetrainingTriggers.Judged("frames/0/9", false), new RetrainingTriggers.Judged("frames/1/7", true));
    }

    private static RetrainingTriggers.Judged falseAlarm(String eventId) {
        return new RetrainingTriggers.Judged(eventId, true);
    }

    @Test
    void aFalseAlarmConfirmedSinceStartsNothing() {
        Instant t0 = Instant.parse("2026-12-06T08:00:00Z");
        RetrainingTriggers.PendingFalseAlarms pending = new RetrainingTriggers.PendingFalseAlarms(Duration.ofMinutes(10));
        pending.add(List.of(falseAlarm("frames/0/1"), new RetrainingTriggers.Judged("frames/0/1", false)), t0);
        assertThat(pending.trigger(t0.plus(Duration.ofHours(2)))).isNull();
    }

    @Test
    void falseAlarmsStartARunOnceTheyPauseOrAtTheLatestAfterTheLongestWait() {
        Duration quiet = Duration.ofMinutes(10);
        Instant t0 = Instant.parse("2026-12-06T08:00:00Z");
        RetrainingTriggers.PendingFalseAlarms pending = new RetrainingTriggers.PendingFalseAlarms(quiet);
        assertThat(pending.trigger(t0)).isNull();
        pending.add(List.of(falseAlarm("frames/0/1"), falseAlarm("frames/0/2"), falseAlarm("frames/0/4")), t0);
        pending.add(List.of(falseAlarm("frames/0/1")), t0.plusSeconds(60)); // judged again: counted once, but the latest
        // confirmed since (or withdrawn): the latest verdict holds, as in the trainer's data
        pending.add(List.of(new RetrainingTriggers.Judged("frames/0/4", false)), t0.plusSeconds(30));
        assertThat(pending.trigger(t0.plusSeconds(60).plus(quiet).minusSeconds(1))).isNull();
        assertThat(pending.trigger(t0.plusSeconds(60).plus(quiet))).isEqualTo("2 false-alarm verdicts, the latest on frames/0/1");
        pending.clear();
        assertThat(pending.trigger(t0.plus(quiet.multipliedBy(10)))).isNull();
        // verdicts that keep coming: a run at the latest the longest wait after the first
        for (int minute = 0; minute <= 60; minute += 5) {
            pending.add(List.of(falseAlarm("frames/0/" + (100 + minute))), t0.plus(Duration.ofMinutes(minute)));
            Instant now = t0.plus(Duration.ofMinutes(minute));
            if (minute < 60) {
                assertThat(pending.trigger(now)).as("minute %d", minute).isNull();
            } else {
                assertThat(pending.trigger(now)).startsWith("13 false-alarm verdicts, the latest on frames/0/160")
                        .contains("verdicts kept coming for PT1H");
            }
        }
    }

    /**
     * False alarms judged before the active model's activation start nothing; those judged since are read again when the
     * trainer takes the lease; a confirmed anomaly starts nothing; false alarms judged one after another start one run,
     * once none came for the quiet time; one given while a run trains starts another.
     */
    @Test
    void falseAlarmsJudgedTogetherStartOneRunOnceOperatorsPause() throws Exception {
        Duration quiet = Duration.ofSeconds(2);
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(TOPICS.names(), 2);
            List<String> runs = new CopyOnWriteArrayList<>();
            List<Instant> runAt = new CopyOnWriteArrayList<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/0/1", verdict("frames/0/1", Verdict.FALSE_ALARM))).get();
                Thread.sleep(100);
                Instant activated = Instant.now();
                Thread.sleep(100);
                // judged after the active model was activated, before this trainer took the lease
                producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/1/2", verdict("frames/1/2", Verdict.FALSE_ALARM))).get();
                RetrainingTriggers triggers = new RetrainingTriggers("m", Duration.ZERO, 0, false, quiet,
                        () -> new io.frameguard.model.ModelRegistry.Activation("m", "m1", List.of(), activated.toString(), null));
                Thread trainer = startTriggers(triggers, t -> {
                    runs.add(t);
                    runAt.add(Instant.now());
                    if (runs.size() == 2) {
                        // given while a run trains: it may not have read it, so another run follows
                        producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/0/6",
                                verdict("frames/0/6", Verdict.FALSE_ALARM))).get();
                    }
                }, runs, bootstrap, RetrainingTriggers.Handover.NONE);
                try {
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !runs.isEmpty());
                    assertThat(runs).containsExactly("1 false-alarm verdict on frames/1/2");
                    producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), "frames/0/2", verdict("frames/0/2", Verdict.CONFIRMED))).get();
                    Thread.sleep(quiet.toMillis() + 3000);
                    assertThat(runs).as("a confirmed anomaly").hasSize(1);
                    Instant last = null;
                    for (String event : List.of("frames/0/3", "frames/1/4", "frames/0/5", "frames/0/3")) {
                        last = Instant.now(); // before the trainer can have read it
                        producer.send(new ProducerRecord<>(TOPICS.verdicts().name(), event, verdict(event, Verdict.FALSE_ALARM))).get();
                        Thread.sleep(quiet.toMillis() / 4);
                    }
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> runs.size() > 1);
                    Thread.sleep(quiet.toMillis() + 5000);
                    assertThat(runs).containsExactly("1 false-alarm verdict on frames/1/2",
                            "3 false-alarm verdicts, the latest on frames/0/3", "1 false-alarm verdict on frames/0/6");
                    assertThat(Duration.between(last, runAt.get(1))).as("after the quiet time").isGreaterThanOrEqualTo(quiet);
                } finally {
                    trainer.interrupt();
                    trainer.join(10_000);
                }
            }
        }
    }

    /**
     * Drift of a version activated since the trainer last read the registry (by an operator, a rollback) starts a run:
     * the trainer reads which version is active when an event names another; drift of a version no longer active does
     * not. Before, it kept the version it read at the lease and dropped every event of the new one.
     */
    @Test
    void driftOfAVersionActivatedSinceStartsARun() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(TOPICS.names(), 1);
            java.util.concurrent.atomic.AtomicReference<String> active = new java.util.concurrent.atomic.AtomicReference<>("m1");
            List<String> runs = new CopyOnWriteArrayList<>();
            RetrainingTriggers triggers = new RetrainingTriggers("m", Duration.ZERO, 0, true, null,
                    () -> new io.frameguard.model.ModelRegistry.Activation("m", active.get(), List.of(), Instant.now().toString(), null));
            Thread trainer = startTriggers(triggers, runs::add, runs, bootstrap, RetrainingTriggers.Handover.NONE);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                Thread.sleep(3000); // the trainer reads from the end of the drift topic
                active.set("m2"); // activated by an operator: the trainer has not read it
                producer.send(new ProducerRecord<>(TOPICS.drift().name(), "pump-1", driftOf("pump-1", "m2"))).get();
                org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !runs.isEmpty());
                assertThat(runs).containsExactly("drift on pump-1 (PSI 0.400)");
                producer.send(new ProducerRecord<>(TOPICS.drift().name(), "pump-2", driftOf("pump-2", "m1"))).get();
                Thread.sleep(8000);
                assertThat(runs).as("drift of the version replaced").hasSize(1);
            } finally {
                trainer.interrupt();
                trainer.join(10_000);
            }
        }
    }

    /**
     * A trainer taking the lease goes on from what the holder before left: the drift reported after the other last read
     * the drift topic starts a run (it was dropped: a new holder read from the topic's end), and the frames that
     * arrived since the other's last run count toward {@code --after-frames} (the count restarted at the takeover).
     * Each check leaves this trainer's state for the next holder.
     */
    @Test
    void aTakeoverGoesOnFromWhatTheHolderBeforeLeft() throws Exception {
        try (KafkaTestBroker broker = KafkaTestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopics(TOPICS.names(), 1);
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new StringSerializer(), new ByteArraySerializer())) {
                // the other holder read the drift topic up to here, then the service reported drift and it died
                producer.send(new ProducerRecord<>(TOPICS.drift().name(), "pump-0", driftOf("pump-0", "m1"))).get();
                producer.send(new ProducerRecord<>(TOPICS.drift().name(), "pump-1", driftOf("pump-1", "m1"))).get();
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(TOPICS.frames().name(), "pump-1", new byte[] {1})).get();
                }
            }
            String left = new RetrainingTriggers.State(Instant.now().minusSeconds(60).toEpochMilli(), 1, Map.of(0, 1L)).text();
            assertThat(takeOver(bootstrap, triggers(0, true), left)).as("drift reported after the other read").containsExactly(
                    "drift on pump-1 (PSI 0.400)");
            RetrainingTriggers counting = triggers(2, false);
            assertThat(takeOver(bootstrap, counting, left)).as("frames since the other's last run")
                    .containsExactly("2 new frames since the last run");
            assertThat(takeOver(bootstrap, counting, left)).as("taking the lease again: its own later run holds, not what "
                    + "was left before it").isEmpty();
            assertThat(takeOver(bootstrap, triggers(2, true), null)).as("nothing left: from the drift topic's end, frames "
                    + "from now").isEmpty();
            assertThat(takeOver(bootstrap, triggers(0, true), "1|5|-1|0:-4,")).as("a negative position: no state").isEmpty();
        }
    }

    private static RetrainingTriggers triggers(long afterFrames, boolean onDrift) {
        return new RetrainingTriggers("m", Duration.ZERO, afterFrames, onDrift, null,
                () -> new io.frameguard.model.ModelRegistry.Activation("m", "m1", List.of(), "2026-01-01T00:00:00Z", null));
    }

    /**
     * The runs of a trainer that takes the lease, with what the holder before left, within a few checks; while a run
     * trains, what it leaves is still what came before the run (a holder that dies training leaves the trigger).
     */
    private static List<String> takeOver(String bootstrap, RetrainingTriggers triggers, String left) throws Exception {
        List<String> runs = new CopyOnWriteArrayList<>();
        List<String> leaves = new CopyOnWriteArrayList<>();
        RetrainingTriggers.Handover handover = new RetrainingTriggers.Handover() {
            @Override
            public String received() {
                return left;
            }

            @Override
            public void leave(String state) {
                leaves.add(state);
            }
        };
        RetrainingTriggers.State before = RetrainingTriggers.State.of(left);
        Thread trainer = startTriggers(triggers, t -> {
            runs.add(t);
            String latest = leaves.isEmpty() ? left : leaves.get(leaves.size() - 1);
            assertThat(latest == null ? null : RetrainingTriggers.State.of(latest).lastRun()).as("left while it runs")
                    .isEqualTo(before == null ? null : before.lastRun());
        }, runs, bootstrap, handover);
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> leaves.size() >= 2);
        } finally {
            trainer.interrupt();
            trainer.join(10_000);
        }
        RetrainingTriggers.State last = RetrainingTriggers.State.of(leaves.get(leaves.size() - 1));
        assertThat(last).as("a state left").isNotNull();
        if (!runs.isEmpty()) {
            assertThat(last.lastRun()).as("its run's start").isGreaterThan(before == null ? 0 : before.lastRun());
        }
        assertThat(runs).as("no failure").noneMatch(r -> r.startsWith("failed"));
        return runs;
    }

    /** The triggers checked on a thread of their own until it is interrupted; a failure is added to {@code runs}. */
    private static Thread startTriggers(RetrainingTriggers triggers, RetrainingTriggers.Run job, List<String> runs,
            String bootstrap, RetrainingTriggers.Handover handover) {
        Thread trainer = new Thread(() -> {
            try {
                triggers.runWhile(() -> true, job, Map.of("bootstrap.servers", bootstrap), TOPICS, handover);
            } catch (InterruptedException | org.apache.kafka.common.errors.InterruptException e) {
                // stopped
            } catch (Exception e) {
                runs.add("failed: " + e);
            }
        }, "triggers");
        trainer.start();
        return trainer;
    }

    private static byte[] driftOf(String source, String version) {
        return TOPICS.drift().serialize(new DriftEvent(DriftEvent.SCHEMA_VERSION, source, DriftEvent.DRIFT, 0.4, 0.2, version, 500,
                new double[] {0.5, 0.5}, 1000, 2000, 3000));
    }
}
