import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Send frames to frameguard as JSON with the plain Kafka client, then print the anomalies it reports for them.
 * java -cp "KAFKA_CLIENTS_JARS/*" SendFrames.java BOOTSTRAP SOURCE FRAMES.csv [SECONDS]
 */
public class SendFrames {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0], source = args[1];
        String framesTopic = System.getenv().getOrDefault("FRAMES_TOPIC", "frames");
        String anomaliesTopic = System.getenv().getOrDefault("ANOMALIES_TOPIC", "anomalies");
        long seconds = args.length > 3 ? Long.parseLong(args[3]) : 30;
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of("bootstrap.servers", bootstrap,
                        "group.id", "example-" + UUID.randomUUID(), "isolation.level", "read_committed",
                        "auto.offset.reset", "latest"), new StringDeserializer(), new StringDeserializer());
                var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", bootstrap),
                        new StringSerializer(), new StringSerializer())) {
            consumer.subscribe(List.of(anomaliesTopic)); // a group of its own: needs Read on that group
            while (consumer.assignment().isEmpty()) { // joined: it reads from the end, before the frames go
                consumer.poll(Duration.ofMillis(200));
            }
            List<String> frames = Files.readAllLines(Path.of(args[2])).stream().map(String::strip).filter(l -> l.matches("^[-+0-9.].*")).toList();
            for (String values : frames) {
                var record = new ProducerRecord<>(framesTopic, source, "{\"values\":[" + values + "]}");
                record.headers().add("content-type", "application/json".getBytes());
                producer.send(record);
            }
            producer.flush();
            System.out.println("sent " + frames.size() + " JSON frames of " + source);
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (source.equals(r.key())) {
                        System.out.println("ANOMALY " + r.value()); // one JSON event: docs/EVENTS.md
                    }
                }
            }
        }
    }
}
