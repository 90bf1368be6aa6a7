package io.frameguard.health;

import io.frameguard.scoring.ScorerService;
import io.frameguard.serving.RegistryWatcher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when frames can flow end to end: a model is loaded, every scorer has its partition assignment,
 * the detector's Kafka Streams instance is RUNNING (not merely created or rebalancing), and the Kafka cluster
 * answers (see {@link BrokerConnectivity}: during a broker outage the other signals stay green).
 */
@Readiness
@ApplicationScoped
public class PipelineReadiness implements HealthCheck {

    @Inject
    ScorerService scorer;

    @Inject
    KafkaStreams streams;

    @Inject
    BrokerConnectivity broker;

    @Inject
    RegistryWatcher registryWatcher;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("frameguard pipeline");
        String scorerProblem = scorer.notReadyReason();
        KafkaStreams.State state = streams.state();
        b.withData("scorer", scorerProblem == null ? "ready" : scorerProblem);
        b.withData("detector", state.name());
        String brokerProblem = broker.problem();
        b.withData("kafka", brokerProblem == null ? "reachable" : brokerProblem);
        String registryProblem = registryWatcher.problem();
        if (registryProblem != null) {
            b.withData("registry", registryProblem);
        }
        return b.status(scorerProblem == null && state == KafkaStreams.State.RUNNING && brokerProblem == null
                && registryProblem == null).build();
    }
}
