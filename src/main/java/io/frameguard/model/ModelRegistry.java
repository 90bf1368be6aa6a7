package io.frameguard.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.frameguard.frames.UntrustedText;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Versioned model artifacts in Kafka, so that every replica sees the same models with no shared disk.
 *
 * <p>One compacted topic (one partition, so its records have one order) holds, per model name:
 * <ul>
 *   <li>{@code artifact/NAME/VERSION}: the artifact as a zip ({@link ArtifactArchive}); a version is immutable;
 *   <li>{@code card/NAME/VERSION}: its model card (JSON), so listing does not ship the models;
 *   <li>{@code active/NAME}: the control record: the active version and the versions active before it, newest
 *       first, which {@link #rollback} walks back.
 * </ul>
 * Names and versions are restricted to {@code [A-Za-z0-9._-]} (no path can be smuggled through them).
 *
 * <p>What a reader trusts: a fetched artifact is unpacked and opened ({@link ModelArtifact#open}: checksum and
 * graph allow-list), its card's checksum must be the one on the registry's card record (an artifact record
 * replaced after publishing is refused), and with a verification key ({@link ModelTrust}) it must carry the
 * trainer's signature. A publisher with a signing key signs what it publishes.
 *
 * <p>Writers: a plain client (the {@code models} commands, the API) writes each record on its own; a fencing client
 * ({@link #fencing}, the retraining sidecar's) writes each operation's records in one Kafka transaction under the
 * model's transactional id, so that a trainer that lost its lease without knowing it (cut off from the group
 * coordinator, not from the brokers) cannot write once another has taken over: the newer client's start fences it.
 */
public final class ModelRegistry implements AutoCloseable {

    public static final String DEFAULT_TOPIC = "frameguard.models";
    /** Largest artifact the topic accepts (the topic's max.message.bytes and the producer's max.request.size). */
    public static final int MAX_ARTIFACT_BYTES = 64 << 20;
    static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    // The record kinds, the first part of every key (see the class comment); the layout stays inside this class.
    private static final String ARTIFACT = "artifact";
    private static final String CARD = "card";
    private static final String ACTIVE = "active";
    /** How long a read waits for Kafka, unless the client settings' {@code default.api.timeout.ms} says otherwise. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    /** The control record of one model name. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Activation(String name, String version, List<String> previous, String activatedAt, String reason) {}

    /**
     * The registry's cards and control records as of a read.
     *
     * @param skipped records that could not be read (malformed card or control records), logged and left out
     */
    public record Snapshot(Map<String, Map<String, ModelCard>> cards, Map<String, Activation> active, int skipped) {
        public boolean has(String name, String version) {
            return cards.containsKey(name) && cards.get(name).containsKey(version);
        }
    }

    /**
     * The registry's state does not allow the operation (no registry topic yet, unknown version, nothing to roll back to,
     * a version re-used, a version that does not verify).
     */
    public static class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }

    /**
     * A fencing client ({@link #fencing}) was fenced: another client with the same transactional id (the trainer that
     * holds the model's lease now) started since, and nothing of the operation was written.
     */
    public static final class FencedException extends IOException {
        FencedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Refused because another version became active meanwhile ({@link #activate(String, String, String, Optional)}). */
    public static final class ActiveVersionChangedException extends RefusedException {
        ActiveVersionChangedException(String message) {
            super(message);
        }
    }

    private final Map<String, Object> clientConfig;
    private final String topic;
    private final ModelTrust trust;
    private final KafkaProducer<String, byte[]> producer;
    /** The fencing client's transactional id; null for a plain client. */
    private final String transactionalId;

    /** A registry client that neither signs nor requires signatures ({@link ModelTrust#NONE}). */
    public ModelRegistry(Map<String, Object> clientConfig, String topic) {
        this(clientConfig, topic, ModelTrust.NONE);
    }

    /**
     * @param clientConfig Kafka client settings (bootstrap servers, security)
     * @param trust the key that signs what this client publishes, and the key what it fetches must be signed with
     */
    public ModelRegistry(Map<String, Object> clientConfig, String topic, ModelTrust trust) {
        this(clientConfig, topic, trust, null);
    }

    private ModelRegistry(Map<String, Object> clientConfig, String topic, ModelTrust trust, String transactionalId) {
        this.clientConfig = Map.copyOf(clientConfig);
        this.topic = topic;
        this.trust = trust;
        this.transactionalId = transactionalId;
        Map<String, Object> p = new HashMap<>(clientConfig);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_ARTIFACT_BYTES + (1 << 20));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * A client of the same registry (same settings and key) whose writes are fenced by {@code transactionalId}: it fences
     * every client started earlier with that id (an operation of theirs not yet committed is aborted, and their next
     * one throws {@link FencedException}), and is fenced in turn by the next. Start it before the reads that an operation
     * depends on ({@link #activate}'s check of the active version), so that nothing another writer of the id does can
     * come between those reads and the write.
     *
     * @throws FencedException when a client with the id started while this one was starting
     * @throws IOException when the brokers' transaction coordinator cannot be reached or refuses the id (an ACL)
     */
    public ModelRegistry fencing(String transactionalId) throws IOException {
        ModelRegistry fencing = new ModelRegistry(clientConfig, topic, trust, transactionalId);
        try {
            fencing.producer.initTransactions();
            return fencing;
        } catch (RuntimeException e) {
            fencing.close();
            if (fenced(e)) {
                throw new FencedException("registry writer " + transactionalId + " was fenced while it started: " + e.getMessage(), e);
            }
            throw new IOException("cannot start the registry writer " + transactionalId + " (transactional id) on topic "
                    + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the registry topic if missing: one partition, compacted, large messages allowed; returns once the brokers'
     * metadata shows it (a created topic is not yet known to every broker, and a publish right after would find none).
     *
     * @param replicationFactor its replicas; empty: the brokers' {@code default.replication.factor} (the registry holds
     *     every model and which one serves: on one broker, losing that broker stops every scorer's start)
     */
    public void ensureTopic(Optional<Short> replicationFactor) throws IOException {
        try (Admin admin = Admin.create(clientConfig)) {
            NewTopic t = new NewTopic(topic, Optional.of(1), replicationFactor).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                    TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_ARTIFACT_BYTES + (1 << 20))));
            try {
                admin.createTopics(List.of(t)).all().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IOException("cannot create model registry topic " + topic + ": " + e.getCause().getMessage(), e);
                }
            }
            awaitMetadata(admin);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot create model registry topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /** Waits (at most 30 s) until a metadata request sees the topic with a leader for its partition. */
    private void awaitMetadata(Admin admin) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                var description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
                if (description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("model registry topic " + topic + " was created but no broker knows it after 30 s");
            }
            Thread.sleep(200);
        }
    }

    /**
     * Stores an artifact under its card's name and version; the same version with other content is refused, and so is an
     * archive that does not unpack to a verified artifact (files changed since the artifact was opened). The same version
     * with the same content is left as it is, unless what is stored does not verify (an archive an earlier build packed
     * without its SavedModel's files, from a model directory given as a link): it is sent again.
     */
    public void publish(ModelArtifact artifact) throws IOException {
        String name = checkName(artifact.card().name(), "model name");
        String version = checkName(artifact.card().version(), "model version");
        Snapshot now = read();
        if (now.has(name, version)) {
            if (!now.cards().get(name).get(version).checksum().equals(artifact.card().checksum())) {
                throw new RefusedException("model " + name + " version " + version + " is already published with other "
                        + "content (" + now.cards().get(name).get(version).checksum() + "); versions are immutable");
            }
            String stored = whyNotVerified(name, version);
            if (stored == null) {
                return;
            }
            LOG.warnf("model %s version %s is published but does not verify (%s): sending it again", name, version, stored);
        }
        byte[] zip = ArtifactArchive.pack(artifact, trust.signatureOf(artifact));
        if (zip.length > MAX_ARTIFACT_BYTES) {
            throw new IOException("model " + version + " packs to " + zip.length + " bytes, more than the registry's "
                    + MAX_ARTIFACT_BYTES);
        }
        // what is sent is what a scorer will unpack: verified as it will be, with this registry's key (the directory's
        // files, card included, may have changed since the artifact was opened), since a version once published cannot
        // be published again; the card record is the card packed
        ModelCard shipped = inScratchDirectory("frameguard-publish-", dir -> {
            try {
                return ArtifactArchive.unpack(zip, dir, trust).card();
            } catch (InvalidModelException e) {
                throw new InvalidModelException(e.reason(), "model " + name + " version " + version + " from " + artifact.dir()
                        + " does not verify as packed for publishing (changed since it was opened?): " + e.getMessage());
            }
        });
        requireIs(shipped, name, version, artifact.card().checksum(), "model " + name + " version " + version + ": "
                + artifact.dir() + " now holds", " (changed since it was opened)");
        write(List.of(record(artifactKey(name, version), zip), record(cardKey(name, version), JSON.writeValueAsBytes(shipped))));
    }

    /**
     * Makes {@code version} the active version of {@code name}; it must be published and verify as a scorer fetching it
     * verifies it ({@link #fetch}: checksums, the graph's allow-list, the signature when this registry has a verification
     * key), so that a damaged or untrusted version is refused here rather than by every scorer, which would keep serving
     * the version before while the registry called this one active.
     */
    public Activation activate(String name, String version, String reason) throws IOException {
        return activate(name, version, reason, Optional.empty());
    }

    /**
     * As {@link #activate(String, String, String)}, only in place of {@code replacing}: refused when another version is
     * active once {@code version} has verified (an operator rolled back or activated meanwhile), so that a retrained
     * candidate never undoes what was done while it was checked.
     */
    public Activation activate(String name, String version, String reason, Optional<String> replacing) throws IOException {
        checkName(name, "model name");
        checkName(version, "model version");
        Snapshot now = read();
        if (!now.has(name, version)) {
            throw new RefusedException("model " + name + " has no published version " + version + "; published: "
                    + now.cards().getOrDefault(name, Map.of()).keySet());
        }
        requireVerifies(name, version);
        Activation current = read().active().get(name); // as it is now, after the verification's wait
        if (replacing.isPresent() && (current == null || !current.version().equals(replacing.get()))) {
            throw new ActiveVersionChangedException("model " + name + "'s active version changed while " + version + " was verified: "
                    + (current == null ? "none" : current.version()) + " is active, not " + replacing.get());
        }
        List<String> previous = new ArrayList<>();
        if (current != null && !current.version().equals(version)) {
            previous.add(current.version());
            previous.addAll(current.previous());
        } else if (current != null) {
            previous.addAll(current.previous());
        }
        Activation next = new Activation(name, version, previous, Instant.now().toString(), reason);
        write(List.of(record(activeKey(name), JSON.writeValueAsBytes(next))));
        return next;
    }

    /** Re-activates the version that was active before the current one; it must verify, as for {@link #activate}. */
    public Activation rollback(String name, String reason) throws IOException {
        Activation current = read().active().get(checkName(name, "model name"));
        if (current == null || current.previous().isEmpty()) {
            throw new RefusedException("model " + name + " has no earlier active version to roll back to");
        }
        requireVerifies(name, current.previous().get(0));
        if (!current.equals(read().active().get(name))) {
            throw new RefusedException("model " + name + "'s active version changed while " + current.previous().get(0)
                    + " was being verified; roll back again if still wanted");
        }
        List<String> older = current.previous().subList(1, current.previous().size());
        Activation next = new Activation(name, current.previous().get(0), List.copyOf(older), Instant.now().toString(), reason);
        write(List.of(record(activeKey(name), JSON.writeValueAsBytes(next))));
        return next;
    }

    /** Versions of a model the trainer keeps (its {@code --keep-versions}), unless told otherwise: see {@link #prune}. */
    public static final int DEFAULT_KEEP_VERSIONS = 10;

    /**
     * Deletes the published versions of {@code name} that are neither among the {@code keep} published last, nor active,
     * nor among the {@code keep} a rollback would go back to: their card and artifact records get tombstones, which
     * compaction removes. Every scorer's start and every activation reads the topic whole, so it must not grow with each
     * accepted retraining. Versions are ranked by when they were published (their card's place in the topic), not by when
     * they were trained: a model trained long ago and published now for review is new to the registry. The active version
     * is read again right before the tombstones are written, so an activation since the first read keeps its version.
     *
     * @return the versions deleted, first published first
     */
    public List<String> prune(String name, int keep) throws IOException {
        checkName(name, "model name");
        if (keep < 1) {
            throw new IllegalArgumentException("versions to keep must be at least 1, got " + keep);
        }
        Follower follower = new Follower(topic);
        String cards = cardKey(name, "");
        Map<String, Long> publishedAt = new HashMap<>(); // version -> its card record's place, the first publish's
        long[] place = {0};
        readAll((key, value) -> {
            follower.accept(key, value);
            if (key != null && key.startsWith(cards)) {
                String version = key.substring(cards.length());
                if (value == null) {
                    publishedAt.remove(version);
                } else {
                    publishedAt.putIfAbsent(version, place[0]);
                }
            }
            place[0]++;
        });
        Snapshot now = follower.snapshot();
        List<String> newestFirst = now.cards().getOrDefault(name, Map.of()).keySet().stream()
                .sorted(java.util.Comparator.comparing((String v) -> publishedAt.getOrDefault(v, -1L)).reversed()).toList();
        java.util.Set<String> kept = new java.util.HashSet<>(newestFirst.subList(0, Math.min(keep, newestFirst.size())));
        kept.addAll(needed(now.active().get(name), keep));
        kept.addAll(needed(read().active().get(name), keep)); // as it is now: an activation since the first read
        List<String> deleted = new ArrayList<>(newestFirst.stream().filter(v -> !kept.contains(v)).toList());
        java.util.Collections.reverse(deleted);
        List<ProducerRecord<String, byte[]>> tombstones = new ArrayList<>();
        for (String version : deleted) {
            // the card first: a reader between the two records sees the version gone, never a card without its artifact
            tombstones.add(record(cardKey(name, version), null));
            tombstones.add(record(artifactKey(name, version), null));
        }
        write(tombstones);
        return deleted;
    }

    /** The versions an activation needs kept: its own and the {@code keep} a rollback would go back to. */
    private static List<String> needed(Activation active, int keep) {
        if (active == null) {
            return List.of();
        }
        List<String> needed = new ArrayList<>();
        needed.add(active.version());
        needed.addAll(active.previous().subList(0, Math.min(keep, active.previous().size())));
        return needed;
    }

    /**
     * Follows the registry topic record by record and keeps what a {@link #read} would return, for a reader that
     * stays subscribed (the scorer's watcher): cards and control records, malformed ones skipped, logged and
     * counted, deleted ones (tombstones) removed. Not thread-safe; {@link #snapshot} is an immutable copy.
     */
    public static final class Follower {
        private final String topic;
        private final Map<String, Map<String, ModelCard>> cards = new TreeMap<>();
        private final Map<String, Activation> active = new TreeMap<>();
        private int skipped;

        public Follower(String topic) {
            this.topic = topic;
        }

        /**
         * Takes one record of the topic, in order.
         *
         * @return the activation if the record is a well-formed control record (named by its key), else empty
         */
        public Optional<Activation> accept(String key, byte[] value) {
            if (key == null) {
                return Optional.empty();
            }
            String[] k = key.split("/", 3);
            boolean card = k[0].equals(CARD) && k.length == 3;
            boolean control = k[0].equals(ACTIVE) && k.length == 2;
            if (value == null) {
                if (card && cards.containsKey(k[1])) {
                    cards.get(k[1]).remove(k[2]);
                    cards.values().removeIf(Map::isEmpty);
                } else if (control) {
                    active.remove(k[1]);
                }
                return Optional.empty();
            }
            try {
                if (card) {
                    ModelCard c = readCard(checkName(k[1], "model name"), checkName(k[2], "model version"), value); // before
                    // the name gets an entry: a bad card adds nothing
                    cards.computeIfAbsent(k[1], x -> new TreeMap<>()).put(k[2], c);
                } else if (control) {
                    Activation read = readActivation(checkName(k[1], "model name"), value);
                    // the name is the key's: a control record cannot speak for another model
                    Activation a = new Activation(k[1], read.version(), read.previous() == null ? List.of() : read.previous(),
                            read.activatedAt(), read.reason());
                    active.put(k[1], a);
                    return Optional.of(a);
                }
            } catch (IOException | RuntimeException e) {
                // one bad record must not stop every reader of the registry: left out, logged, counted
                skipped++;
                LOG.warnf("model registry topic %s: skipped the malformed record %s (%s)", topic, describeKey(key), e.getMessage());
            }
            return Optional.empty();
        }

        /** Records skipped as malformed so far. */
        public int skipped() {
            return skipped;
        }

        public Snapshot snapshot() {
            Map<String, Map<String, ModelCard>> copy = new TreeMap<>();
            cards.forEach((name, versions) -> copy.put(name, Collections.unmodifiableMap(new TreeMap<>(versions))));
            return new Snapshot(Collections.unmodifiableMap(copy),
                    Collections.unmodifiableMap(new TreeMap<>(active)), skipped);
        }
    }

    /**
     * A control record's activation; one that names no version, or a version (or previous one) that no published
     * artifact can have ({@link #SAFE_NAME}: a version becomes a path and a record key), or is not an object, is
     * malformed.
     */
    private static Activation readActivation(String name, byte[] value) throws IOException {
        Activation a = JSON.readValue(value, Activation.class);
        if (a == null || a.version() == null) {
            throw new IOException("no version");
        }
        checkName(a.version(), "activated version of " + name);
        if (a.previous() != null) {
            a.previous().forEach(v -> checkName(v, "previous version of " + name));
        }
        return a;
    }

    /**
     * The card of the record {@code card/NAME/VERSION}; one that is filed under another version than its own, or lacks
     * what every published card has (its checksum, what the model reads, its threshold), or is not an object, is
     * malformed.
     */
    private static ModelCard readCard(String name, String version, byte[] value) throws IOException {
        ModelCard card = JSON.readValue(value, ModelCard.class);
        if (card == null || !version.equals(card.version()) || card.checksum() == null || card.input() == null
                || card.threshold() == null) {
            throw new InvalidModelException("malformed card record of " + name + " " + version);
        }
        return card;
    }

    /** A record key as it may be logged, whoever wrote it. */
    private static String describeKey(String key) {
        return "'" + UntrustedText.shown(key, 200) + "'";
    }

    private static String activeKey(String name) {
        return ACTIVE + "/" + name;
    }

    private static String cardKey(String name, String version) {
        return CARD + "/" + name + "/" + version;
    }

    private static String artifactKey(String name, String version) {
        return ARTIFACT + "/" + name + "/" + version;
    }

    /** Reads the whole topic (to its end as of now) into a snapshot of cards and control records. */
    public Snapshot read() throws IOException {
        Follower follower = new Follower(topic);
        readAll((key, value) -> follower.accept(key, value));
        return follower.snapshot();
    }

    /** The zip of one artifact, or null when it is not published. */
    public byte[] artifact(String name, String version) throws IOException {
        return published(name, version).zip();
    }

    /** One version's artifact record and card record, each null when missing. */
    private record Published(byte[] zip, byte[] card) {}

    private Published published(String name, String version) throws IOException {
        String artifactKey = artifactKey(checkName(name, "model name"), checkName(version, "model version"));
        String cardKey = cardKey(name, version);
        byte[][] found = new byte[2][];
        readAll((key, value) -> {
            if (key.equals(artifactKey)) {
                found[0] = value;
            } else if (key.equals(cardKey)) {
                found[1] = value;
            }
        }); // a tombstone (null) after a record deletes it
        return new Published(found[0], found[1]);
    }

    /**
     * Fetches one version and unpacks it into {@code dir}, verified: {@link ArtifactArchive#unpack} (checksum, graph
     * allow-list), the checksum on the registry's card record, and the signature when a verification key is set.
     * An activated version that is not published, or does not verify, is an {@link InvalidModelException}.
     */
    public ModelArtifact fetch(String name, String version, java.nio.file.Path dir) throws IOException {
        Published published = published(name, version);
        if (published.zip() == null || published.card() == null) {
            throw new InvalidModelException("model " + name + " version " + version + " is not published in " + topic
                    + (published.zip() == null ? "" : " (its artifact has no card record)"));
        }
        ModelArtifact artifact = ArtifactArchive.unpack(published.zip(), dir, trust);
        String recorded = readCard(name, version, published.card()).checksum();
        requireIs(artifact.card(), name, version, recorded, "the artifact record of model " + name + " version " + version
                + " holds", ", its card record says " + UntrustedText.shown(String.valueOf(recorded), 80)
                + " (replaced after publishing?)");
        return artifact;
    }

    /** Refuses a card that is not {@code name} {@code version} with {@code checksum}, saying what it is between the two texts. */
    private static void requireIs(ModelCard card, String name, String version, String checksum, String before, String after)
            throws InvalidModelException {
        if (!name.equals(card.name()) || !version.equals(card.version()) || !card.checksum().equals(checksum)) {
            throw new InvalidModelException(InvalidModelException.Reason.CHECKSUM_MISMATCH, before + " "
                    + UntrustedText.shown(card.name(), 128) + " " + UntrustedText.shown(card.version(), 128) + " "
                    + card.checksum() + after);
        }
    }

    /** Fetches a version into a directory of its own, deleted after: a version that does not verify is refused. */
    private void requireVerifies(String name, String version) throws IOException {
        String why = whyNotVerified(name, version);
        if (why != null) {
            throw new RefusedException("model " + name + " version " + version + " does not verify, so no scorer would serve "
                    + "it: " + why);
        }
    }

    /** Why a published version is refused when fetched as a scorer fetches it ({@link #fetch}), or null when it is not. */
    private String whyNotVerified(String name, String version) throws IOException {
        try {
            inScratchDirectory("frameguard-verify-", dir -> fetch(name, version, dir));
            return null;
        } catch (InvalidModelException e) {
            return e.getMessage();
        }
    }

    /** Something done with a directory that does not exist yet. */
    private interface ScratchUse<T> {
        T apply(java.nio.file.Path dir) throws IOException;
    }

    /** Runs {@code use} on a directory in a temporary directory of its own (the owner's alone), deleted after. */
    private static <T> T inScratchDirectory(String prefix, ScratchUse<T> use) throws IOException {
        java.nio.file.Path scratch = java.nio.file.Files.createTempDirectory(prefix);
        try {
            return use.apply(scratch.resolve("artifact"));
        } finally {
            if (!org.apache.commons.io.FileUtils.deleteQuietly(scratch.toFile()) && java.nio.file.Files.exists(scratch)) {
                LOG.warnf("cannot delete %s", scratch);
            }
        }
    }

    /** Loads a fetched version; a version it refuses (its canary fails, say) is treated as one the fetch refused. */
    public interface Loader<T> {
        T load(ModelArtifact artifact) throws IOException;
    }

    /** Most published versions a start tries: the active one and those active before it, most recent first. */
    static final int MAX_START_ATTEMPTS = 5;

    /**
     * What a scorer starting up serves: the active version of {@code name}, fetched into {@code dirFor(version)} and
     * loaded by {@code loader}, or, when that version is refused (not published, not verifying, not loading), the most
     * recent earlier active version that is not, at most {@value #MAX_START_ATTEMPTS} published versions in all: the one
     * the replicas already running kept serving when they refused it, so a new replica serves what they do. Each refusal
     * is logged. Null when the model has no active version; an {@link InvalidModelException} naming every refusal when
     * no version can be served.
     */
    public <T> T loadActive(String name, java.util.function.Function<String, java.nio.file.Path> dirFor, Loader<T> loader)
            throws IOException {
        Snapshot snapshot = read();
        Activation active = snapshot.active().get(checkName(name, "model name"));
        if (active == null) {
            return null;
        }
        List<String> versions = new ArrayList<>();
        versions.add(active.version());
        versions.addAll(active.previous());
        List<String> refusals = new ArrayList<>();
        int attempts = 0;
        for (String version : versions) {
            if (attempts == MAX_START_ATTEMPTS) {
                break;
            }
            if (!snapshot.has(name, version)) { // each fetch reads the whole topic: not for versions it does not hold
                refusals.add(version + " (not published)");
                continue;
            }
            attempts++;
            java.nio.file.Path dir = dirFor.apply(version);
            try {
                return loader.load(fetch(name, version, dir));
            } catch (InvalidModelException | RuntimeException e) {
                org.apache.commons.io.FileUtils.deleteQuietly(dir.toFile());
                refusals.add(version + " (" + e.getMessage() + ")");
                LOG.errorf("refused model %s version %s from the registry at start: %s; trying the version active before it",
                        name, version, e.getMessage());
            }
        }
        throw new InvalidModelException("no active or earlier active version of model " + name + " can be served: "
                + String.join("; ", refusals));
    }

    interface RecordHandler {
        void handle(String key, byte[] value) throws IOException;
    }

    /**
     * A reader of the registry's committed records: a group of its own that commits nothing, artifacts' sizes allowed,
     * and no topic created by asking for it (with the broker's defaults, not compacted).
     */
    private Map<String, Object> readerConfig() {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "frameguard-registry-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, MAX_ARTIFACT_BYTES + (1 << 20));
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return c;
    }

    private void readAll(RecordHandler handler) throws IOException {
        Map<String, Object> c = readerConfig();
        Properties props = new Properties();
        props.putAll(c);
        Object configured = c.get(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG);
        Duration timeout = configured == null ? READ_TIMEOUT : Duration.ofMillis(Long.parseLong(configured.toString().trim()));
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            if (consumer.partitionsFor(topic, timeout).isEmpty()) {
                throw new RefusedException("model registry topic " + topic + " does not exist; `frameguard models publish` "
                        + "(or the trainer) creates it");
            }
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp), timeout).get(tp);
            // the whole topic (artifacts of many megabytes) may take longer than one call to the broker
            long deadline = System.nanoTime() + Math.max(timeout.toNanos(), READ_TIMEOUT.toNanos());
            while (consumer.position(tp, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("timed out reading model registry topic " + topic);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null) {
                        handler.handle(r.key(), r.value()); // null: a tombstone
                    }
                }
            }
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IOException("cannot read model registry topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether a producer's failure, or one of its causes, says that a newer producer of its transactional id fenced it
     * (not an invalid epoch alone: a transaction the brokers aborted on its timeout says that too, and may be tried again).
     */
    private static boolean fenced(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.ProducerFencedException) {
                return true;
            }
        }
        return false;
    }

    private ProducerRecord<String, byte[]> record(String key, byte[] value) {
        return new ProducerRecord<>(topic, 0, key, value);
    }

    /**
     * Writes an operation's records in their order: a plain client each in turn, waiting for each; a fencing client all in
     * one transaction, so that they are read all or none.
     */
    private void write(List<ProducerRecord<String, byte[]>> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        if (transactionalId == null) {
            for (ProducerRecord<String, byte[]> r : records) {
                try {
                    producer.send(r).get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IOException("cannot write " + r.key() + " to model registry topic " + topic + ": " + e.getMessage(), e);
                }
            }
            return;
        }
        List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, byte[]> r : records) {
                sent.add(producer.send(r));
            }
            commit(records.get(0).key());
        } catch (org.apache.kafka.common.KafkaException e) {
            if (fenced(e)) {
                throw new FencedException("registry writer " + transactionalId + " was fenced: another writer of it (the trainer "
                        + "that holds the lease now) started since; " + records.get(0).key() + " not written", e);
            }
            try {
                producer.abortTransaction();
            } catch (RuntimeException abortFailed) { // the producer is unusable now: its next write fails too
                e.addSuppressed(abortFailed);
            }
            throw new IOException("cannot write " + records.get(0).key() + " to model registry topic " + topic + ": "
                    + e.getMessage(), e);
        } catch (IllegalStateException e) { // a producer left unusable by an earlier failure: a new writer is needed
            throw new IOException("registry writer " + transactionalId + " cannot write any more (" + e.getMessage()
                    + "); " + records.get(0).key() + " not written", e);
        }
        awaitReadable(sent);
    }

    /** Tries a commit that times out again (its records are on the brokers; only its end may be missing). */
    private static final int COMMIT_TRIES = 3;

    /**
     * Commits the open transaction; a commit that timed out is tried again (the producer allows nothing else), and one
     * that times out every time leaves the outcome unknown, said as such.
     */
    private void commit(String first) throws IOException {
        for (int i = 1; ; i++) {
            try {
                producer.commitTransaction(); // flushes; throws what a send failed with
                return;
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (i == COMMIT_TRIES) {
                    throw new IOException("writing " + first + " to model registry topic " + topic + " timed out " + i
                            + " times: it may or may not be written (frameguard models list says)", e);
                }
                LOG.warnf("committing %s to model registry topic %s timed out; trying again", first, topic);
            }
        }
    }

    /**
     * How long a committed write is waited for until readers see it: another writer's transaction left open on the one
     * partition (a trainer killed while it published) holds every later record back until the brokers abort it, after
     * the transaction timeout (60 s by default).
     */
    private static final Duration VISIBLE_WITHIN = Duration.ofSeconds(90);

    /**
     * Waits until a reader of committed records sees what a transaction wrote: the brokers answer a commit before they
     * have marked its records committed, and a read right after (the activation of a version just published) would miss
     * them. A write not seen within {@link #VISIBLE_WITHIN} is committed all the same: said, not thrown.
     */
    private void awaitReadable(List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent)
            throws IOException {
        long last = -1;
        for (var f : sent) {
            try {
                last = Math.max(last, f.get().offset());
            } catch (Exception e) { // committed, so every send succeeded
                throw new IOException("cannot tell where model registry topic " + topic + " holds what was written", e);
            }
        }
        TopicPartition tp = new TopicPartition(topic, 0);
        long deadline = System.nanoTime() + VISIBLE_WITHIN.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(readerConfig(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            while (consumer.endOffsets(List.of(tp), READ_TIMEOUT).get(tp) <= last) {
                if (System.nanoTime() > deadline) {
                    LOG.warnf("model registry topic %s does not show what was committed at offset %d after %s (another "
                            + "writer's transaction left open?): readers may miss it for a while", topic, last, VISIBLE_WITHIN);
                    return;
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for model registry topic " + topic, e);
        } catch (org.apache.kafka.common.KafkaException e) {
            throw new IOException("cannot read model registry topic " + topic + ": " + e.getMessage(), e);
        }
    }

    static String checkName(String value, String what) {
        if (value == null || !SAFE_NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + UntrustedText.shown(value, 200) + "' must be 1-128 characters of A-Z a-z 0-9 . _ - "
                    + "starting with a letter or digit");
        }
        return value;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
