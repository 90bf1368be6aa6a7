package io.frameguard.health;

import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Whether the Kafka cluster answers right now, for readiness. The scorer's consumer keeps its assignment and
 * Kafka Streams stays RUNNING while the brokers are unreachable (they just retry), so without this check a
 * replica that cannot move a single frame would still report ready. One {@code describeCluster} call with a
 * short timeout, its answer reused for {@link #CACHE_FOR} so probes do not hammer the cluster. The admin client
 * has the service's Kafka settings, SASL/TLS included.
 */
@ApplicationScoped
public class BrokerConnectivity {

    /** How long one answer is reused: about a probe period. */
    static final Duration CACHE_FOR = Duration.ofSeconds(2);
    /** Longest a probe waits for the cluster: under the readiness probe's timeout (3 s in the chart). */
    static final Duration TIMEOUT = Duration.ofMillis(1500);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private Admin admin;
    private long checkedAt;
    private String lastProblem = "not checked yet";

    /** Null when the cluster answered within the timeout, else what went wrong. */
    public synchronized String problem() {
        long now = System.nanoTime();
        if (admin != null && now - checkedAt < CACHE_FOR.toNanos()) {
            return lastProblem;
        }
        try {
            if (admin == null) {
                Map<String, Object> c = new HashMap<>(kafkaConfig);
                c.put(AdminClientConfig.CLIENT_ID_CONFIG, "frameguard-readiness");
                c.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
                c.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
                admin = Admin.create(c);
            }
            int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis())).nodes()
                    .get(TIMEOUT.toMillis() + 500, TimeUnit.MILLISECONDS).size();
            lastProblem = nodes == 0 ? "the Kafka cluster reports no brokers" : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lastProblem = "interrupted while checking the Kafka cluster";
        } catch (Exception e) {
            lastProblem = "Kafka cluster unreachable: " + (e.getCause() != null ? e.getCause() : e);
        }
        checkedAt = System.nanoTime();
        return lastProblem;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
        }
    }
}
