package io.frameguard.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

class PipelineLivenessTest {

    @Test
    void deadOnlyWhenAPartCannotComeBackByItself() {
        assertThat(PipelineLiveness.problem(null, KafkaStreams.State.RUNNING, null)).isNull();
        // rebalancing, starting: it heals by itself
        assertThat(PipelineLiveness.problem(null, KafkaStreams.State.REBALANCING, null)).isNull();
        assertThat(PipelineLiveness.problem(null, KafkaStreams.State.CREATED, null)).isNull();
        assertThat(PipelineLiveness.problem("scorer 0 stopped: fenced", KafkaStreams.State.RUNNING, null)).contains("fenced");
        assertThat(PipelineLiveness.problem(null, KafkaStreams.State.ERROR, null)).contains("ERROR");
        assertThat(PipelineLiveness.problem(null, KafkaStreams.State.RUNNING, "the model registry watcher stopped: x"))
                .contains("watcher stopped");
    }
}
