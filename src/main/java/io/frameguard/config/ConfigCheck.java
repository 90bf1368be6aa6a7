package io.frameguard.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Checks that single-value validation cannot: relations between settings. Runs first
 * at start; a failure stops the service with a message naming the setting.
 */
@ApplicationScoped
public class ConfigCheck {

    /** Shortest management API token accepted (a guessable token is no protection). */
    public static final int MIN_TOKEN_LENGTH = 16;

    /**
     * The scorer producers' transaction timeout unless kafka.transaction.timeout.ms sets one: short, because a
     * crashed scorer's open transaction blocks read_committed readers until it times out.
     */
    public static final long DEFAULT_TRANSACTION_TIMEOUT_MS = 10_000;

    @Inject
    FrameguardConfig config;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "kafka.transaction.timeout.ms")
    Optional<Long> transactionTimeoutMs;

    void onStart(@Observes @Priority(1) StartupEvent event) {
        check(config, bootstrapServers, transactionTimeoutMs.orElse(DEFAULT_TRANSACTION_TIMEOUT_MS));
    }

    /** Throws {@link IllegalArgumentException} naming the first bad setting. */
    public static void check(FrameguardConfig config, String bootstrapServers, long transactionTimeoutMs) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap.servers (KAFKA_BOOTSTRAP_SERVERS) must name at least one broker");
        }
        if (config.model().dir().isEmpty()
                && !(config.registry().enabled() && config.registry().modelName().isPresent())) {
            throw new IllegalArgumentException("frameguard.model.dir (FRAMEGUARD_MODEL_DIR) is required, unless the service "
                    + "follows the model registry: frameguard.registry.enabled=true and frameguard.registry.model-name=NAME");
        }
        FrameguardConfig.Detector d = config.detector();
        if (d.k() > d.n()) {
            throw new IllegalArgumentException("frameguard.detector.k (" + d.k() + ") must not exceed frameguard.detector.n (" + d.n() + ")");
        }
        if (config.scorer().linger().isNegative() || config.scorer().linger().toMillis() > 10_000) {
            throw new IllegalArgumentException("frameguard.scorer.linger must be between 0 and 10s, was " + config.scorer().linger());
        }
        Duration commitInterval = config.scorer().commitInterval();
        if (commitInterval.isNegative() || commitInterval.toMillis() * 2 > transactionTimeoutMs) {
            throw new IllegalArgumentException("frameguard.scorer.commit-interval (" + commitInterval + ") must be between 0 "
                    + "and half of kafka.transaction.timeout.ms (" + transactionTimeoutMs + " ms): the broker aborts a "
                    + "transaction open longer than that");
        }
        var t = config.topics();
        if (java.util.Set.of(t.frames(), t.scores(), t.anomalies(), t.dlq(), t.drift()).size() < 5) {
            throw new IllegalArgumentException("frameguard.topics.*: frames, scores, anomalies, dlq and drift must be five different topics");
        }
        if (config.api().adminToken().isPresent() && config.api().adminToken().get().strip().length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("frameguard.api.admin-token (FRAMEGUARD_API_ADMIN_TOKEN) must have at least "
                    + MIN_TOKEN_LENGTH + " characters");
        }
        if (config.api().readToken().isPresent() && config.api().readToken().get().strip().length() < MIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("frameguard.api.read-token (FRAMEGUARD_API_READ_TOKEN) must have at least "
                    + MIN_TOKEN_LENGTH + " characters");
        }
    }
}
