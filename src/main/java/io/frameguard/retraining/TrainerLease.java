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
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
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
 * <p>The group is {@code INSTANCE-trainer-MODEL} (installs sharing a cluster hold their own leases). The cooperative
 * sticky assignor keeps the partition with its holder while trainers join and leave. A holder cut off from the group
 * coordinator stops counting itself the holder once its last heartbeat is a session old ({@link #held()}), about
 * when the group gives the partition to another; the job checks {@link #held()} again right before it publishes and
 * before it activates. Heartbeats sent are not heartbeats answered, so the registry writes themselves are fenced
 * ({@link #registryWriterId()}): only the holder whose term began last can write.
 *
 * <p>The holder leaves the triggers' state for the next one ({@link RetrainingTriggers.Handover}: when it last ran, the
 * frames counted then, how far it read the drift events) as the metadata of the group's committed offset of the
 * partition (the brokers take commits from members of the group's current generation, and only the holder commits): a
 * standby taking over goes on counting from there instead of from its own start.
 */
public final class TrainerLease implements AutoCloseable, RetrainingTriggers.Handover {

    private static final Logger LOG = Logger.getLogger(TrainerLease.class);

    /** The lease topic's default name (one partition; every model's lease lives in it, one group per model). */
    public static final String DEFAULT_TOPIC = "frameguard.trainer-lease";
    /** How long a trainer that died holds the lease before a standby takes over. */
    static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);
    /** A heartbeat age this large means none was sent yet (the metric counts from the epoch). */
    private static final double NEVER_SENT_SECONDS = 86_400;
    /** How often the lease's consumer polls (it reads nothing: polling is its heartbeat and rebalance callback). */
    private static final Duration POLL = Duration.ofMillis(500);

    private final TopicPartition partition;
    private final String group;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final Object lock = new Object();
    private volatile boolean held;
    /** Set once by {@link #close()}: the lease is gone for good. */
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile RuntimeException failure;
    /** How long ago the group coordinator last answered a heartbeat, as of {@link #heartbeatReadAt} (nanoTime). */
    private volatile long heartbeatAgeMs;
    private volatile long heartbeatReadAt = System.nanoTime();
    /** How many times this trainer took the lease: a term ends when it loses the partition. */
    private final java.util.concurrent.atomic.AtomicLong terms = new java.util.concurrent.atomic.AtomicLong();
    /** What the holder before this one left, read when this trainer took the partition; null when none. */
    private volatile String received;
    /** What this trainer leaves for the next holder, committed by the lease's thread while it holds the partition. */
    private volatile String toLeave;
    /** What the group holds as left (by this trainer's last commit or the holder before it); lease thread only. */
    private String committed;
    /** Whether a commit of what this trainer leaves is waiting for its answer; lease thread only. */
    private boolean committing;
    private boolean loggedCommitFailure;
    /** How long the lease's thread waits for the group coordinator to read what the holder before left. */
    private static final Duration HANDOVER_TIMEOUT = Duration.ofSeconds(10);

    private TrainerLease(Map<String, Object> clientConfig, String topic, String group) {
        this.partition = new TopicPartition(topic, 0);
        this.group = group;
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
        c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis() / 4);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, group + "-lease");
        // The holder keeps the partition through every rebalance (a trainer joining or leaving): with the default eager
        // range assignor each rebalance took it from everyone, and a newcomer whose member id sorted first won it.
        c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
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
            if (e.getCause() instanceof TopicExistsException) {
                return;
            }
            if (e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException && exists(clientConfig, topic)) {
                return; // not allowed to create, and created by whoever is
            }
            throw new IllegalStateException("cannot create the trainer lease topic " + topic + " (create it with one partition, "
                    + "and allow the trainer Read and Describe on it): " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the trainer lease topic " + topic, e);
        }
    }

    private static boolean exists(Map<String, Object> clientConfig, String topic) {
        try (Admin admin = Admin.create(clientConfig)) {
            return admin.describeTopics(List.of(topic)).allTopicNames().get().containsKey(topic);
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void follow() {
        try {
            consumer.subscribe(List.of(partition.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition)) {
                        received = readLeft(); // before it counts as held: the triggers read it when it does
                        committed = received;
                        toLeave = null; // what this trainer left in a term before is no newer than what it reads now
                        terms.incrementAndGet();
                        set(true);
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition)) {
                        leaveLastly(); // what changed since the last poll, while it still may
                        toLeave = null; // of this term: a later term leaves its own
                        set(false);
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (partitions.contains(partition)) {
                        toLeave = null;
                        set(false);
                    }
                }
            });
            while (!closed.get()) {
                consumer.poll(POLL);
                heartbeatAgeMs = heartbeatAge();
                heartbeatReadAt = System.nanoTime();
                leaveForTheNext();
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failure = e;
            LOG.errorf(e, "trainer lease %s failed: %s", group, e.getMessage());
        } finally {
            leaveLastly();
            set(false);
            consumer.close(); // leaves the group: a standby takes over now, not after a session
        }
    }

    /** The metadata of the group's committed offset of the partition: what the holder before left; null when none. */
    private String readLeft() {
        try {
            var left = consumer.committed(java.util.Set.of(partition), HANDOVER_TIMEOUT).get(partition);
            return left == null || left.metadata() == null || left.metadata().isEmpty() ? null : left.metadata();
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.warnf("trainer lease %s: cannot read what the holder before left (%s); the triggers start afresh", group,
                    e.getMessage());
            return null;
        }
    }

    /**
     * Commits what this trainer leaves, when it changed and this trainer holds the partition: asynchronously, so that the
     * lease's polls (its heartbeats) never wait on it; one commit at a time, its answer read at a later poll.
     */
    private void leaveForTheNext() {
        String leave = toLeave;
        if (!held || leave == null || leave.equals(committed) || committing) {
            return;
        }
        committing = true;
        consumer.commitAsync(Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(0, leave)),
                (offsets, e) -> {
                    committing = false;
                    if (e == null) {
                        committed = leave;
                    } else if (!loggedCommitFailure) { // not the holder any more, or the coordinator away: tried again
                        loggedCommitFailure = true;
                        LOG.warnf("trainer lease %s: cannot leave the triggers' state for the next holder (%s); trying again",
                                group, e.getMessage());
                    }
                });
    }

    /**
     * Which of this trainer's terms as holder it is (1 the first; 0 before it ever held the lease). A writer fenced in a
     * term stays fenced until the next: see {@link #registryWriterId()}.
     */
    public long term() {
        return terms.get();
    }

    /** At close: what changed since the last poll, committed and waited for (briefly), before the partition goes. */
    private void leaveLastly() {
        String leave = toLeave;
        if (!held || leave == null || leave.equals(committed)) {
            return;
        }
        try {
            consumer.commitSync(Map.of(partition, new org.apache.kafka.clients.consumer.OffsetAndMetadata(0, leave)),
                    HANDOVER_TIMEOUT);
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.warnf("trainer lease %s: the triggers' state not left at close: %s", group, e.getMessage());
        }
    }

    @Override
    public String received() {
        return received;
    }

    @Override
    public void leave(String state) {
        toLeave = state;
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

    /**
     * Whether this trainer is the model's active one now: assigned the partition, and heard by the group coordinator
     * within a session. A consumer cut off from the coordinator learns that it lost its partitions only once it reaches
     * the coordinator again; by then another trainer may have held the lease for long, so an old heartbeat counts as
     * lost at once.
     */
    public boolean held() {
        long heartbeat = heartbeatAgeMs + (System.nanoTime() - heartbeatReadAt) / 1_000_000;
        return held && !closed.get() && heartbeat < SESSION_TIMEOUT.toMillis();
    }

    /**
     * The coordinator metric of the last heartbeat's age; 0 before the first heartbeat (the metric then counts from
     * the epoch), since the join that assigned the partition was itself an answer of the coordinator.
     */
    private long heartbeatAge() {
        for (var e : consumer.metrics().entrySet()) {
            if (e.getKey().name().equals("last-heartbeat-seconds-ago") && e.getKey().group().endsWith("coordinator-metrics")) {
                Object v = e.getValue().metricValue();
                if (v instanceof Number n && n.doubleValue() >= 0 && n.doubleValue() < NEVER_SENT_SECONDS) {
                    return (long) (n.doubleValue() * 1000);
                }
            }
        }
        return 0;
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
                if (left <= 0 || closed.get()) {
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

    /**
     * The transactional id of the lease holder's registry writes ({@link io.frameguard.model.ModelRegistry#fencing}):
     * {@code INSTANCE-trainer-MODEL-registry}. The lease says who should write; the id makes sure that a holder which lost
     * the lease without hearing of it cannot write once the next one took it: each holder starts its writer when its term
     * begins ({@link #term()}), which fences the writer of every term before, and a writer fenced is not started again
     * before the trainer takes the lease anew (which a trainer cut off from the group cannot).
     */
    public String registryWriterId() {
        return group + "-registry";
    }

    /** Whether {@link #close()} was called: the lease is gone for good. */
    public boolean closed() {
        return closed.get();
    }

    @Override
    public void close() throws InterruptedException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        consumer.wakeup();
        thread.join(SESSION_TIMEOUT.toMillis() * 3);
    }
}
