package io.frameguard.retraining;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

/**
 * One active trainer per model across pods: every trainer of a model joins one consumer group on a one-partition
 * topic, and the one the group assigns that partition holds the lease; the others stand by. Nothing new runs for
 * this: the brokers' group coordinator is the lock. When the holder stops, it leaves the group and a standby takes
 * over at once; when it dies, the group notices after {@link #SESSION_TIMEOUT} and does the same. The lease's
 * consumer polls on its own thread, so a long training run never lets it lapse. Nothing is ever written to the
 * topic: it exists only to be assigned.
 *
 * <p>The group is {@code INSTANCE-trainer-MODEL} (installs sharing a cluster hold their own leases). A holder that
 * was cut off from the brokers may, for up to a session, still think it holds the lease while another took it: the
 * job checks {@link #held()} again before it publishes or activates, which narrows that window to the registry writes.
 */
public final class TrainerLease implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainerLease.class);

    /** The lease topic's default name (one partition; every model's lease lives in it, one group per model). */
    public static final String DEFAULT_TOPIC = "frameguard.trainer-lease";
    /** How long a trainer that died holds the lease before a standby takes over. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** How often the lease's consumer polls (it reads nothing: polling is its heartbeat and rebalance callback). */
    private static final Duration POLL = Duration.ofMillis(500);

    private final TopicPartition partition;
    private final String group;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean held;
    private final java.util.concurrent.atomic.AtomicBoolean closing = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile boolean closed;
    private volatile RuntimeException failure;

    private TrainerLease(Map<String, Object> clientConfig, String topic, String group) {
        this.partition = new TopicPartition(topic, 0);
        this.group = group;
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis() / 4);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-lease");
        this.consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::follow, "frameguard-trainer-lease");
        this.thread.setDaemon(true);
    }

    /** The lease group of a model in an install: {@code INSTANCE-trainer-MODEL}. */
    public static String group(String instance, String model) {
        return instance + "-trainer-" + model;
    }

    /**
     * Joins the model's lease group (creating the one-partition lease topic when missing) and starts following it;
     * {@link #held()} turns true when this trainer is the one.
     */
    public static TrainerLease join(Map<String, Object> clientConfig, String topic, String group) {
        ensureTopic(clientConfig, topic);
        TrainerLease lease = new TrainerLease(clientConfig, topic, group);
        lease.thread.start();
        return lease;
    }

    private static void ensureTopic(Map<String, Object> clientConfig, String topic) {
        try (Admin admin = Admin.create(clientConfig)) {
            // the cluster's default replication: the lease needs no data, only a partition leader
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(1), Optional.empty()))).all().get();
            LOG.infof("created the trainer lease topic %s", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create the trainer lease topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the trainer lease topic " + topic, e);
        }
    }

    private void follow() {
        try {
            consumer.subscribe(List.of(partition.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition)) {
                        set(true);
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition)) {
                        set(false);
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition)) {
                        set(false);
                    }
                }
            });
            while (!closed) {
                consumer.poll(POLL);
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            LOG.errorf(e, "trainer lease %s failed: %s", group, e.getMessage());
        } finally {
            set(false);
            consumer.close(); // leaves the group: a standby takes over now, not after a session
        }
    }

    private void set(boolean nowHeld) {
        synchronized (lock) {
            if (held != nowHeld) {
                LOG.infof(nowHeld ? "holding the trainer lease %s: this trainer is the active one" : "released the trainer lease %s", group);
            }
            held = nowHeld;
            lock.notifyAll();
        }
    }

    /** Whether this trainer is the model's active one now. */
    public boolean held() {
        return held && !closed;
    }

    /**
     * Waits until this trainer holds the lease, at most {@code timeout}.
     *
     * @return whether it does
     * @throws IllegalStateException when the lease's consumer failed (the cluster refused it, say)
     */
    public boolean awaitHeld(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!held()) {
                if (failure != null) {
                    throw new IllegalStateException("trainer lease " + group + " failed: " + failure.getMessage(), failure);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                lock.wait(Math.max(1, Math.min(left / 1_000_000, 1000)));
            }
            return true;
        }
    }

    public String group() {
        return group;
    }

    /** Whether {@link #close()} was called: the lease is gone for good. */
    public boolean closed() {
        return closed;
    }

    @Override
    public void close() throws InterruptedException {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closed = true;
        consumer.wakeup();
        thread.join(SESSION_TIMEOUT.toMillis() * 3);
    }
}
