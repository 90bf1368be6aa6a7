package io.frameguard.health;

import io.frameguard.scoring.ScorerService;
import io.frameguard.serving.RegistryWatcher;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive unless the service has lost a part it cannot get back by itself, so that Kubernetes restarts it: a scorer
 * worker that stopped (a fenced or unauthorised producer), the detector's Kafka Streams in ERROR, or a model
 * registry watcher that stopped. What heals by itself (a broker outage, a rebalance, a scorer retrying a batch) only
 * turns readiness DOWN.
 */
@Liveness
@ApplicationScoped
public class PipelineLiveness implements HealthCheck {

    @Inject
    ScorerService scorer;

    @Inject
    KafkaStreams streams;

    @Inject
    RegistryWatcher registryWatcher;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("frameguard alive");
        String problem = problem(scorer.stoppedWorker(), streams.state(), registryWatcher.problem());
        if (problem != null) {
            b.withData("problem", problem);
        }
        return b.status(problem == null).build();
    }

    /** Why the service cannot recover by itself, or null. */
    static String problem(String stoppedWorker, KafkaStreams.State detector, String registry) {
        if (stoppedWorker != null) {
            return stoppedWorker;
        }
        if (detector == KafkaStreams.State.ERROR) {
            return "the detector's Kafka Streams is in ERROR";
        }
        return registry;
    }
}
