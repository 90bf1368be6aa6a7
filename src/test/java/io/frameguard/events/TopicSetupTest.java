package io.frameguard.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** What the service says at start when it cannot make its topics: the setting to check, and why, never "null". */
class TopicSetupTest {

    @Test
    void aClusterThatDoesNotAnswerIsSaidAsSuch() {
        for (Exception e : new Exception[] {new TimeoutException(),
                new ExecutionException(new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment"))}) {
            assertThat(TopicSetup.problem("localhost:9093", e)).as(e.toString())
                    .startsWith("no answer from the Kafka brokers at kafka.bootstrap.servers=localhost:9093 within")
                    .doesNotContain("null");
        }
    }

    @Test
    void anyOtherFailureGivesKafkasReason() {
        assertThat(TopicSetup.problem("kafka:9092", new ExecutionException(new TopicAuthorizationException("not authorised: frames"))))
                .contains("kafka.bootstrap.servers=kafka:9092", "frameguard.topics.create=false", "not authorised: frames");
    }
}
