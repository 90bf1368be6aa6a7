package io.frameguard.events;

import io.frameguard.config.FrameguardConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * Creates the topics that do not exist yet. {@code scores} gets as many partitions as {@code frames}, so a
 * source's frames and scores land on the same partition number.
 */
public final class TopicSetup {

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);
    private static final long TIMEOUT_SECONDS = 30;

    private TopicSetup() {}

    /** @param memoryAge how long the memory topic keeps an incident not seen since ({@code retention.ms}) */
    public static void ensureTopics(Map<String, Object> kafkaConfig, Topics topics, FrameguardConfig.Topics settings,
            Duration memoryAge) {
        try (Admin admin = Admin.create(kafkaConfig)) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            int partitions = settings.partitions();
            if (existing.contains(topics.frames().name())) {
                partitions = admin.describeTopics(List.of(topics.frames().name())).allTopicNames()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topics.frames().name()).partitions().size();
            }
            List<NewTopic> missing = new ArrayList<>();
            for (String name : topics.names()) {
                if (!existing.contains(name)) {
                    NewTopic t = new NewTopic(name, partitions, settings.replicationFactor());
                    if (topics.compactedAndExpiring().contains(name)) {
                        t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG,
                                TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                                TopicConfig.RETENTION_MS_CONFIG, Long.toString(memoryAge.toMillis())));
                    } else if (name.equals(topics.history().name())) {
                        t.configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(settings.historyRetention().toMillis())));
                    } else if (topics.compacted().contains(name)) {
                        t.configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                    }
                    missing.add(t);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            try {
                admin.createTopics(missing).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            LOG.infof("created topics %s with %d partitions", missing.stream().map(NewTopic::name).toList(), partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(problem(kafkaConfig.get("bootstrap.servers"), e), e);
        }
    }

    /**
     * Why the topics could not be listed or created, naming the setting to check: a cluster that does not answer is
     * said as such (the wait's own exception says nothing), any other failure with Kafka's reason.
     */
    static String problem(Object bootstrapServers, Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "no answer from the Kafka brokers at kafka.bootstrap.servers=" + bootstrapServers + " within "
                    + TIMEOUT_SECONDS + " s: is a broker running there, and reachable with the kafka.* security settings?";
        }
        return "cannot create topics on kafka.bootstrap.servers=" + bootstrapServers
                + " (set frameguard.topics.create=false where topics are managed elsewhere): " + cause;
    }
}
