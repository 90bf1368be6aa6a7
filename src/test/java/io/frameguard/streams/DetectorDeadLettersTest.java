package io.frameguard.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.events.DeadLetterHeaders;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** The detector's dead letters: what is written, and when the detector goes on or stops. */
class DetectorDeadLettersTest {

    private static final byte[] KEY = "pump-1".getBytes(StandardCharsets.UTF_8);
    private static final byte[] VALUE = "not a score".getBytes(StandardCharsets.UTF_8);

    private final AtomicReference<Map<String, Object>> producerSettings = new AtomicReference<>();

    private DetectorDeadLetters handler(MockProducer<byte[], byte[]> producer) {
        DetectorDeadLetters h = new DetectorDeadLetters(settings -> {
            producerSettings.set(settings);
            return producer;
        });
        Map<String, Object> config = new HashMap<>();
        config.put("application.id", "plant-detector");
        config.put("bootstrap.servers", "broker:9092");
        config.put("processing.guarantee", "exactly_once_v2");
        config.put("security.protocol", "SASL_SSL");
        config.put(DetectorDeadLetters.TOPIC_CONFIG, "plant.dlq");
        h.configure(config);
        return h;
    }

    @Test
    void anUnreadableScoreRecordIsDeadLetteredAsItWasAndTheDetectorGoesOn() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        DetectorDeadLetters handler = handler(producer);
        Headers own = new RecordHeaders().add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("scores", 2, 41, 1_000, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                KEY.length, VALUE.length, KEY, VALUE, own, java.util.Optional.empty());

        DeserializationHandlerResponse response = handler.handle(context("scores", 2, 41), record,
                new SerializationException("not a ScoreBatch"));

        assertThat(response).isEqualTo(DeserializationHandlerResponse.CONTINUE);
        ProducerRecord<byte[], byte[]> dead = producer.history().get(0);
        assertThat(dead.topic()).isEqualTo("plant.dlq");
        assertThat(dead.key()).isEqualTo(KEY);
        assertThat(dead.value()).isEqualTo(VALUE);
        assertThat(dead.timestamp()).isEqualTo(1_000);
        assertThat(header(dead, "trace")).isEqualTo("t-1");
        assertThat(header(dead, DeadLetterHeaders.ERROR_REASON)).isEqualTo(DetectorDeadLetters.SCORE_UNREADABLE);
        assertThat(header(dead, DeadLetterHeaders.ERROR_MESSAGE)).contains("not a ScoreBatch");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("scores");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("2");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("41");
        // the detector's own client settings, without its transactions
        assertThat(producerSettings.get()).containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("security.protocol", "SASL_SSL").containsEntry("acks", "all")
                .doesNotContainKey("transactional.id")
                // one record at a time, acknowledged or failed within the detector's transaction timeout
                .containsEntry("linger.ms", 0).containsEntry("delivery.timeout.ms", 6_000);
        assertThat(producerSettings.get().get("client.id")).isEqualTo("plant-detector-dead-letters");
    }

    @Test
    void aRecordThatFailsWhileJudgedIsDeadLetteredFromItsRawBytes() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        ProcessingHandlerResponse response = handler(producer).handle(context("scores", 0, 7), new Record<>("pump-1", "judged", 5L),
                new IllegalStateException("a bug"));
        assertThat(response).isEqualTo(ProcessingHandlerResponse.CONTINUE);
        ProducerRecord<byte[], byte[]> dead = producer.history().get(0);
        assertThat(dead.key()).isEqualTo(KEY);
        assertThat(dead.value()).isEqualTo(VALUE);
        assertThat(header(dead, DeadLetterHeaders.ERROR_REASON)).isEqualTo(DetectorDeadLetters.DETECTOR_FAILED);
        assertThat(header(dead, DeadLetterHeaders.ERROR_MESSAGE)).contains("a bug");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("7");
    }

    @Test
    void aRefusedRecordIsDeadLetteredWithItsOwnReason() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        UnjudgeableScore refused = new UnjudgeableScore(UnjudgeableScore.WITHOUT_SOURCE, "no source");
        assertThat(handler(producer).handle(context("scores", 0, 9), new Record<>(null, "judged", 5L),
                new org.apache.kafka.streams.errors.StreamsException(refused))).isEqualTo(ProcessingHandlerResponse.CONTINUE);
        assertThat(header(producer.history().get(0), DeadLetterHeaders.ERROR_REASON)).isEqualTo(UnjudgeableScore.WITHOUT_SOURCE);
        assertThat(header(producer.history().get(0), DeadLetterHeaders.ERROR_MESSAGE)).contains("no source");
    }

    @Test
    void aScheduledTaskThatFailsHasNothingToDeadLetterAndTheDetectorGoesOn() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        assertThat(handler(producer).handle(context(null, -1, -1), (Record<?, ?>) null, new IllegalStateException("expiry")))
                .isEqualTo(ProcessingHandlerResponse.CONTINUE);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void aRecordTooLargeForTheDeadLetterTopicLeavesItsHeadersThere() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        DetectorDeadLetters handler = handler(producer);
        Thread broker = answer(producer, List.of(new RecordTooLargeException("too large")));
        ProcessingHandlerResponse response = handler.handle(context("scores", 0, 7), new Record<>("pump-1", "judged", 5L),
                new IllegalStateException("a bug"));
        joined(broker);
        assertThat(response).isEqualTo(ProcessingHandlerResponse.CONTINUE);
        assertThat(producer.history()).hasSize(2);
        ProducerRecord<byte[], byte[]> dead = producer.history().get(1);
        assertThat(dead.key()).isNull();
        assertThat(dead.value()).isEmpty();
        assertThat(header(dead, DeadLetterHeaders.TRUNCATED)).as("nothing of the record kept, its headers neither")
                .isEqualTo("key=6,value=11,headers=1");
        assertThat(dead.headers().headers("trace")).isEmpty();
        assertThat(producer.history().get(0).headers().headers("trace")).as("the whole copy kept them").hasSize(1);
        assertThat(header(dead, DeadLetterHeaders.ERROR_REASON)).isEqualTo(DetectorDeadLetters.DETECTOR_FAILED);
    }

    @Test
    void whenTheDeadLetterCannotBeWrittenTheDetectorStopsAtTheRecord() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        DetectorDeadLetters handler = handler(producer);
        Thread broker = answer(producer, List.of(new org.apache.kafka.common.errors.TopicAuthorizationException("plant.dlq")));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("scores", 2, 41, KEY, VALUE);
        DeserializationHandlerResponse response = handler.handle(context("scores", 2, 41), record, new SerializationException("x"));
        joined(broker);
        assertThat(response).isEqualTo(DeserializationHandlerResponse.FAIL);
    }

    @Test
    void theTopicMustBeNamed() {
        DetectorDeadLetters handler = new DetectorDeadLetters();
        assertThatThrownBy(() -> handler.configure(Map.of("application.id", "a", "bootstrap.servers", "b:1")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(DetectorDeadLetters.TOPIC_CONFIG);
    }

    /** Completes each send of {@code producer} in turn with the next error (null: success), on a thread of its own. */
    private static Thread answer(MockProducer<byte[], byte[]> producer, List<RuntimeException> errors) {
        Thread t = new Thread(() -> {
            for (RuntimeException error : errors) {
                while (!(error == null ? producer.completeNext() : producer.errorNext(error))) {
                    Thread.onSpinWait();
                }
            }
            // the headers-only retry, if any, succeeds
            long until = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < until && !producer.completeNext()) {
                Thread.onSpinWait();
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void joined(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    private static ErrorHandlerContext context(String topic, int partition, long offset) {
        return new ErrorHandlerContext() {
            public String topic() {
                return topic;
            }

            public int partition() {
                return partition;
            }

            public long offset() {
                return offset;
            }

            public Headers headers() {
                return new RecordHeaders().add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
            }

            public String processorNodeId() {
                return "detector";
            }

            public TaskId taskId() {
                return new TaskId(0, partition);
            }

            public long timestamp() {
                return 5L;
            }

            public byte[] sourceRawKey() {
                return KEY;
            }

            public byte[] sourceRawValue() {
                return VALUE;
            }
        };
    }
}
