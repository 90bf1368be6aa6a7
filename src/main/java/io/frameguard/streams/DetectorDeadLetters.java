package io.frameguard.streams;

import io.frameguard.events.DeadLetterHeaders;
import io.frameguard.metrics.FrameguardMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

/**
 * The detector's dead letters: a record of its input that it cannot read ({@value #SCORE_UNREADABLE}: not a score
 * record, or one of a layout this release does not know), that it refuses ({@link UnjudgeableScore}, with its reason)
 * or that fails in the detector's topology ({@value #DETECTOR_FAILED}: the message names the exception) is copied, as it was read, to the dead-letter topic with
 * {@link DeadLetterHeaders} saying why and where from, and the detector goes on with the next record. Without this, a
 * record that fails stops the stream thread, and every restart meets it again: its partition would stall.
 *
 * <p>Business rule: a record is passed over only once its dead letter is acknowledged by the broker (all in-sync
 * replicas), within {@link #SEND_TIMEOUT}, well inside the detector's transaction timeout; when the dead letter cannot be
 * written the detector stops as before, and reads the record again after the restart. The dead letter is written by a
 * producer of its own, outside the detector's transactions: on a crash between the two, the record is judged or
 * dead-lettered again after the restart (a dead letter may be written twice, never lost). A record that fails part way
 * (in a later frame of the record, or in the drift branch after the detection branch) keeps what its transaction wrote
 * before the failure: the events of its earlier frames, but not their state (the threshold and incident stores are
 * written once, after the record's last frame: the source's next record is judged as if the failed one never came). Kafka Streams creates this class from its
 * settings ({@code deserialization.exception.handler}, {@code processing.exception.handler}) once per task and handler;
 * they share one producer per process and settings. The topic is {@value #TOPIC_CONFIG}.
 */
public class DetectorDeadLetters implements DeserializationExceptionHandler, ProcessingExceptionHandler {

    private static final Logger LOG = Logger.getLogger(DetectorDeadLetters.class);

    /** The Streams setting that names the dead-letter topic (application.properties sets it from frameguard.topics.dlq). */
    public static final String TOPIC_CONFIG = "frameguard.dead-letter.topic";
    /** Reason: the record is no score record this release can read. */
    public static final String SCORE_UNREADABLE = "score-unreadable";
    /** Reason: judging the record failed (the message says how). */
    public static final String DETECTOR_FAILED = "detector-failed";

    /**
     * How long a dead letter may take to be acknowledged before the detector stops instead: the producer's delivery
     * timeout, under the detector's transaction timeout (10 s), so that the record's own transaction is still open when
     * the handler returns.
     */
    static final Duration SEND_TIMEOUT = Duration.ofSeconds(6);
    /** The producer's wait for metadata or buffer space within a send. */
    private static final Duration MAX_BLOCK = Duration.ofSeconds(2);
    /** Each request's wait for the broker; the delivery timeout must allow at least one. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(4);

    /** Streams creates a handler per task: their producers are shared, one per process and settings, never closed. */
    private static final Map<Map<String, Object>, Producer<byte[], byte[]>> PRODUCERS = new ConcurrentHashMap<>();

    private String topic;
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory;
    private Map<String, Object> producerSettings;
    private Producer<byte[], byte[]> producer;

    public DetectorDeadLetters() {
        this(settings -> PRODUCERS.computeIfAbsent(settings, DetectorDeadLetters::producer));
    }

    /** With another producer (tests). */
    DetectorDeadLetters(Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory) {
        this.producerFactory = producerFactory;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object name = configs.get(TOPIC_CONFIG);
        if (!(name instanceof String s) || s.isBlank()) {
            throw new org.apache.kafka.common.config.ConfigException(TOPIC_CONFIG, name, "the detector's dead-letter topic must be named");
        }
        topic = s;
        // the detector's own client settings (brokers, security) for a plain, idempotent producer (Streams adds no
        // transactional id), each send on its own and bounded in time: the stream thread waits for it
        Map<String, Object> p = new StreamsConfig(configs, false) {}.getProducerConfigs(configs.get(StreamsConfig.APPLICATION_ID_CONFIG) + "-dead-letters");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) SEND_TIMEOUT.toMillis());
        producerSettings = Map.copyOf(p);
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
            Exception exception) {
        boolean written = deadLetter(record.topic(), record.partition(), record.offset(), record.timestamp(), record.key(),
                record.value(), record.headers(), SCORE_UNREADABLE, exception);
        return written ? DeserializationHandlerResponse.CONTINUE : DeserializationHandlerResponse.FAIL;
    }

    @Override
    public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        if (context.topic() == null) {
            // a punctuation (the idle-source expiry), not a record: nothing to dead-letter, and the next one tries again
            LOG.errorf(exception, "the detector's scheduled work failed in %s; it goes on", context.processorNodeId());
            return ProcessingHandlerResponse.CONTINUE;
        }
        boolean written = deadLetter(context.topic(), context.partition(), context.offset(), context.timestamp(),
                context.sourceRawKey(), context.sourceRawValue(), context.headers(), reason(exception), exception);
        return written ? ProcessingHandlerResponse.CONTINUE : ProcessingHandlerResponse.FAIL;
    }

    /** An {@link UnjudgeableScore}'s own reason (Streams may wrap it), or {@value #DETECTOR_FAILED}. */
    static String reason(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause()) {
            if (t instanceof UnjudgeableScore u) {
                return u.reason();
            }
        }
        return DETECTOR_FAILED;
    }

    /** Whether the record's dead letter was acknowledged: whole, or, when too large, with nothing of the record. */
    private boolean deadLetter(String sourceTopic, int partition, long offset, long timestamp, byte[] key, byte[] value,
            Headers sourceHeaders, String reason, Exception exception) {
        String where = sourceTopic + "/" + partition + "/" + offset;
        Headers headers = DeadLetterHeaders.of(sourceHeaders, reason, String.valueOf(exception), sourceTopic, partition, offset);
        Long time = timestamp >= 0 ? timestamp : null;
        try {
            try {
                send(new ProducerRecord<>(topic, null, time, key, value, headers));
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof RecordTooLargeException)) {
                    throw e;
                }
                // nothing of the record, its own headers neither (they alone may be too large); the producer's clock
                send(new ProducerRecord<>(topic, null, null, null, DeadLetterHeaders.NOTHING, DeadLetterHeaders.nothingKept(sourceHeaders, length(key),
                        length(value), reason, String.valueOf(exception), sourceTopic, partition, offset)));
            }
            if (reason.equals(DETECTOR_FAILED)) {
                LOG.errorf(exception, "the detector dead-lettered %s as %s to %s and goes on", where, reason, topic);
            } else {
                LOG.warnf("the detector dead-lettered %s as %s to %s and goes on: %s", where, reason, topic, exception.getMessage());
            }
            count(reason);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.errorf(e, "the detector could not dead-letter %s (%s: %s) to %s; it stops, and reads the record again after a "
                    + "restart", where, reason, exception, topic);
            return false;
        }
    }

    /** Waits for the acknowledgement; the producer's delivery timeout ends the wait (a handler is one stream thread's). */
    private void send(ProducerRecord<byte[], byte[]> record) throws Exception {
        if (producer == null) {
            producer = producerFactory.apply(producerSettings);
        }
        producer.send(record).get(SEND_TIMEOUT.plus(MAX_BLOCK).toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Counted with the scorer's dead letters, where the service runs (Streams creates this class outside CDI). */
    private static void count(String reason) {
        io.quarkus.arc.ArcContainer container = io.quarkus.arc.Arc.container();
        if (container != null && container.isRunning()) {
            io.quarkus.arc.InstanceHandle<FrameguardMetrics> metrics = container.instance(FrameguardMetrics.class);
            if (metrics.isAvailable()) {
                metrics.get().deadLettered(reason);
            }
        }
    }

    private static Producer<byte[], byte[]> producer(Map<String, Object> settings) {
        return new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }
}
