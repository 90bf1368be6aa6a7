package io.frameguard.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Checks that single-value validation cannot: relations between settings, durations' signs, tokens. Runs first at
 * start; a failure stops the service with a message naming each bad setting.
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

    /** Throws {@link IllegalArgumentException} naming every bad setting, one per line. */
    public static void check(FrameguardConfig config, String bootstrapServers, long transactionTimeoutMs) {
        List<String> problems = problems(config, bootstrapServers, transactionTimeoutMs);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join(System.lineSeparator(), problems));
        }
    }

    /** What is wrong with the settings, each naming its setting; empty when nothing is. */
    static List<String> problems(FrameguardConfig config, String bootstrapServers, long transactionTimeoutMs) {
        List<String> problems = new ArrayList<>();
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            problems.add("kafka.bootstrap.servers (KAFKA_BOOTSTRAP_SERVERS) must name at least one broker");
        }
        if (config.model().dir().isEmpty()
                && !(config.registry().enabled() && config.registry().modelName().isPresent())) {
            problems.add("frameguard.model.dir (FRAMEGUARD_MODEL_DIR) is required, unless the service "
                    + "follows the model registry: frameguard.registry.enabled=true and frameguard.registry.model-name=NAME");
        }
        FrameguardConfig.Detector d = config.detector();
        if (d.k() > d.n()) {
            problems.add("frameguard.detector.k (" + d.k() + ") must not exceed frameguard.detector.n (" + d.n() + ")");
        }
        if (config.scorer().linger().isNegative() || config.scorer().linger().toMillis() > 10_000) {
            problems.add("frameguard.scorer.linger must be between 0 and 10s, was " + config.scorer().linger());
        }
        Duration commitInterval = config.scorer().commitInterval();
        if (commitInterval.isNegative() || commitInterval.toMillis() * 2 > transactionTimeoutMs) {
            problems.add("frameguard.scorer.commit-interval (" + commitInterval + ") must be between 0 "
                    + "and half of kafka.transaction.timeout.ms (" + transactionTimeoutMs + " ms): the broker aborts a "
                    + "transaction open longer than that");
        }
        positive(problems, "frameguard.scorer.retry-backoff", config.scorer().retryBackoff());
        positive(problems, "frameguard.topics.history-retention", config.topics().historyRetention());
        positive(problems, "frameguard.memory.max-age", config.memory().maxAge());
        positive(problems, "frameguard.api.feed-heartbeat", config.api().feedHeartbeat());
        if (config.memory().mergeWindow().isNegative()) {
            problems.add("frameguard.memory.merge-window must not be negative, was " + config.memory().mergeWindow());
        }
        if (d.idleSourceExpiry().isNegative()) {
            problems.add("frameguard.detector.idle-source-expiry must not be negative (0 keeps sources for ever), was "
                    + d.idleSourceExpiry());
        }
        problems.addAll(topicClashes(config));
        Optional<String> admin = config.api().adminToken();
        Optional<String> read = config.api().readToken();
        token(problems, "frameguard.api.admin-token (FRAMEGUARD_API_ADMIN_TOKEN)", admin);
        token(problems, "frameguard.api.read-token (FRAMEGUARD_API_READ_TOKEN)", read);
        if (admin.isPresent() && read.isPresent() && admin.get().strip().equals(read.get().strip())) {
            problems.add("frameguard.api.read-token and frameguard.api.admin-token must differ: with one value, every reader "
                    + "could activate models and give verdicts");
        }
        return problems;
    }

    /** Topics that two settings name alike: each topic carries one kind of record. */
    private static List<String> topicClashes(FrameguardConfig config) {
        var t = config.topics();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("frameguard.topics.frames", t.frames());
        settings.put("frameguard.topics.scores", t.scores());
        settings.put("frameguard.topics.anomalies", t.anomalies());
        settings.put("frameguard.topics.dlq", t.dlq());
        settings.put("frameguard.topics.drift", t.drift());
        settings.put("frameguard.topics.verdicts", t.verdicts());
        settings.put("frameguard.topics.memory", t.memory());
        settings.put("frameguard.topics.history", t.history());
        settings.put("frameguard.registry.topic", config.registry().topic());
        Map<String, String> firstByTopic = new LinkedHashMap<>();
        List<String> clashes = new ArrayList<>();
        settings.forEach((setting, topic) -> {
            String first = firstByTopic.putIfAbsent(topic, setting);
            if (first != null) {
                clashes.add(setting + " and " + first + " both name topic '" + topic + "': each needs its own topic");
            }
        });
        return clashes;
    }

    private static void positive(List<String> problems, String setting, Duration value) {
        if (value.isNegative() || value.isZero()) {
            problems.add(setting + " must be more than 0, was " + value);
        }
    }

    /**
     * A token must be long enough not to be guessed, and printable ASCII: an HTTP header's bytes are read as ISO-8859-1,
     * so a token with other characters could never match.
     */
    private static void token(List<String> problems, String setting, Optional<String> token) {
        if (token.isEmpty()) {
            return;
        }
        String t = token.get().strip();
        if (t.length() < MIN_TOKEN_LENGTH) {
            problems.add(setting + " must have at least " + MIN_TOKEN_LENGTH + " characters");
        } else if (!t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            problems.add(setting + " must be printable ASCII without spaces (letters, digits, punctuation)");
        }
    }
}
