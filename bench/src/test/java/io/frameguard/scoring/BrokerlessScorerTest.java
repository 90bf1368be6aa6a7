package io.frameguard.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.frameguard.events.ScoreRecord;
import io.frameguard.events.Topics;
import io.frameguard.frames.FrameEncoding;
import io.frameguard.inference.ModelRunner;
import io.frameguard.serving.ActiveModel;
import io.frameguard.testing.TestModels;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench/scorer's scorer with no broker scores every frame of its backlog once, as the service's worker does. */
class BrokerlessScorerTest {

    @Test
    void everyFrameOfTheBacklogIsScoredOnce(@TempDir Path tmp) throws Exception {
        ActiveModel model = new ActiveModel();
        model.swap(ModelRunner.load(TestModels.trainSensorModel(tmp.resolve("model"), 1000, 2, 3)));
        var sim = TestModels.simulator();
        TopicPartition p0 = new TopicPartition("frames", 0);
        TopicPartition p1 = new TopicPartition("frames", 1);
        Map<TopicPartition, List<ConsumerRecord<byte[], ByteBuffer>>> log = Map.of(p0, new ArrayList<>(), p1, new ArrayList<>());
        for (int i = 0; i < 700; i++) {
            for (TopicPartition tp : List.of(p0, p1)) {
                String source = "s" + tp.partition() + "-" + i % 3;
                log.get(tp).add(new ConsumerRecord<>(tp.topic(), tp.partition(), i, source.getBytes(StandardCharsets.UTF_8),
                        ByteBuffer.wrap(FrameEncoding.float32(sim.frame(source, i)))));
            }
        }
        List<ProducerRecord<byte[], byte[]>> scores = new ArrayList<>();
        try {
            BrokerlessScorer.Result result = BrokerlessScorer.score(log, model, 64, scores::add);
            assertThat(result.frames()).isEqualTo(1400);
            assertThat(result.workerCpuSeconds()).isPositive();
        } finally {
            model.current().retire();
        }
        Set<String> scored = new HashSet<>();
        for (ProducerRecord<byte[], byte[]> r : scores) {
            for (ScoreRecord s : Topics.defaults().scores().deserialize(r.value()).scores()) {
                assertThat(scored.add(s.frame().id())).as("scored once: %s", s.frame().id()).isTrue();
            }
        }
        assertThat(scored).hasSize(1400).contains("frames/0/0", "frames/1/699");
    }
}
