package io.frameguard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.testing.KafkaTestBroker;
import io.frameguard.testing.SigningKeys;
import io.frameguard.testing.TamperedModels;
import io.frameguard.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka-backed registry on a real broker: publish, list, activate, roll back, and what it refuses. */
class ModelRegistryTest {

    @TempDir
    static Path tmp;

    static KafkaTestBroker broker;
    static ModelArtifact v1;
    static ModelArtifact v2;

    @BeforeAll
    static void start() throws Exception {
        broker = KafkaTestBroker.start();
        v1 = TestModels.trainSensorModel(tmp.resolve("v1"), 1000, 2, 1);
        v2 = TestModels.trainSensorModel(tmp.resolve("v2"), 1000, 2, 2);
    }

    @AfterAll
    static void stop() throws Exception {
        broker.close();
    }

    /** Writes a record to the registry topic as any client with write access could, outside the registry's checks. */
    private static void writeRaw(String topic, String key, byte[] value) throws Exception {
        try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                Map.of("bootstrap.servers", broker.bootstrapServers(), "max.request.size", 8 << 20),
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, key, value)).get();
        }
    }

    private static ModelRegistry registry(String topic) throws Exception {
        ModelRegistry r = new ModelRegistry(Map.of("bootstrap.servers", broker.bootstrapServers()), topic);
        r.ensureTopic(java.util.Optional.of((short) 1));
        return r;
    }

    @Test
    void publishActivateRollbackAndShipTheArtifact() throws Exception {
        try (ModelRegistry registry = registry("models-a")) {
            registry.publish(v1);
            registry.publish(v2);
            registry.publish(v1); // the same content again: nothing changes
            ModelRegistry.Snapshot s = registry.read();
            assertThat(s.cards().get("test")).containsOnlyKeys("test-1", "test-2");
            assertThat(s.cards().get("test").get("test-2").checksum()).isEqualTo(v2.card().checksum());
            assertThat(s.active()).isEmpty();

            registry.activate("test", "test-1", "first");
            registry.activate("test", "test-2", "better");
            ModelRegistry.Activation a = registry.read().active().get("test");
            assertThat(a.version()).isEqualTo("test-2");
            assertThat(a.previous()).containsExactly("test-1");
            assertThat(a.reason()).isEqualTo("better");

            ModelRegistry.Activation back = registry.rollback("test", "regression");
            assertThat(back.version()).isEqualTo("test-1");
            assertThat(registry.read().active().get("test").version()).isEqualTo("test-1");
            assertThatThrownBy(() -> registry.rollback("test", "again")).hasMessageContaining("no earlier active version");
            // a retrained candidate in place of test-2, which was rolled back while it was verified: refused, test-1 stays
            assertThatThrownBy(() -> registry.activate("test", "test-2", "retrained", Optional.of("test-2")))
                    .isInstanceOf(ModelRegistry.ActiveVersionChangedException.class).hasMessageContaining("test-1 is active, not test-2");
            assertThat(registry.read().active().get("test").version()).isEqualTo("test-1");

            ModelArtifact shipped = ArtifactArchive.unpack(registry.artifact("test", "test-2"), tmp.resolve("shipped"));
            assertThat(shipped.card().checksum()).isEqualTo(v2.card().checksum());
            assertThat(registry.artifact("test", "test-9")).isNull();
        }
    }

    /**
     * A model directory reached through a link (a {@code latest} link to the newest model) is published whole: the
     * SavedModel's files were left out of the archive when the directory given was the link, and the version published
     * could be neither activated nor published again.
     */
    @Test
    void aModelDirectoryReachedThroughALinkIsPublishedWhole() throws Exception {
        Path latest = java.nio.file.Files.createSymbolicLink(tmp.resolve("latest"), v1.dir().toAbsolutePath());
        try (ModelRegistry registry = registry("models-link")) {
            registry.publish(ModelArtifact.open(latest));
            registry.activate("test", "test-1", "through a link");
            ModelArtifact shipped = ArtifactArchive.unpack(registry.artifact("test", "test-1"), tmp.resolve("shipped-link"));
            assertThat(shipped.card().checksum()).isEqualTo(v1.card().checksum());
        }
    }

    /**
     * A version stored broken (as an earlier build published a model directory given as a link: the card without the
     * SavedModel) is sent again when the same model is published again, rather than left unusable for good.
     */
    @Test
    void aVersionStoredBrokenIsSentAgainWhenTheSameModelIsPublishedAgain() throws Exception {
        ByteArrayOutputStream cardOnly = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(cardOnly)) {
            zip.putNextEntry(new ZipEntry(ModelArtifact.CARD_FILE));
            zip.write(java.nio.file.Files.readAllBytes(v1.dir().resolve(ModelArtifact.CARD_FILE)));
            zip.closeEntry();
        }
        try (ModelRegistry registry = registry("models-repair")) {
            writeRaw("models-repair", "artifact/test/test-1", cardOnly.toByteArray());
            writeRaw("models-repair", "card/test/test-1", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(v1.card()));
            assertThatThrownBy(() -> registry.activate("test", "test-1", "stored broken"))
                    .isInstanceOf(ModelRegistry.RefusedException.class).hasMessageContaining("does not verify");
            registry.publish(v1);
            registry.activate("test", "test-1", "sent again");
            assertThat(registry.read().active().get("test").version()).isEqualTo("test-1");
        }
    }

    /** Files that change on disk after the artifact was opened (verified) are not published: the archive is verified too. */
    @Test
    void anArtifactChangedOnDiskAfterItWasOpenedIsNotPublished() throws Exception {
        Path copy = tmp.resolve("changed");
        org.apache.commons.io.FileUtils.copyDirectory(v2.dir().toFile(), copy.toFile());
        ModelArtifact opened = ModelArtifact.open(copy);
        Path variables = copy.resolve(ModelArtifact.SAVED_MODEL_DIR).resolve("variables");
        try (var files = java.nio.file.Files.list(variables)) {
            Path data = files.filter(f -> f.getFileName().toString().startsWith("variables.data")).findFirst().orElseThrow();
            byte[] bytes = java.nio.file.Files.readAllBytes(data);
            bytes[bytes.length / 2] ^= 1;
            java.nio.file.Files.write(data, bytes);
        }
        try (ModelRegistry registry = registry("models-changed")) {
            assertThatThrownBy(() -> registry.publish(opened)).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("checksum mismatch");
            assertThat(registry.read().cards()).isEmpty();
        }
    }

    /**
     * A link moved to another model between opening and publishing: the archive would hold the other model's files under
     * the first one's version, which no scorer would load and which could never be published again. Nor is a link put
     * among the SavedModel's files packed (its target's bytes).
     */
    @Test
    void aModelThatChangedUnderItsLinkOrGotALinkIsNotPublished() throws Exception {
        Path current = tmp.resolve("current");
        java.nio.file.Files.createSymbolicLink(current, v1.dir().toAbsolutePath());
        ModelArtifact opened = ModelArtifact.open(current);
        java.nio.file.Files.delete(current);
        java.nio.file.Files.createSymbolicLink(current, v2.dir().toAbsolutePath());
        Path linked = tmp.resolve("linked");
        org.apache.commons.io.FileUtils.copyDirectory(v1.dir().toFile(), linked.toFile());
        ModelArtifact withLink = ModelArtifact.open(linked);
        Path graph = linked.resolve(ModelArtifact.SAVED_MODEL_DIR).resolve("saved_model.pb");
        java.nio.file.Files.delete(graph);
        java.nio.file.Files.createSymbolicLink(graph, v1.dir().resolve(ModelArtifact.SAVED_MODEL_DIR).resolve("saved_model.pb")
                .toAbsolutePath());
        try (ModelRegistry registry = registry("models-moved")) {
            assertThatThrownBy(() -> registry.publish(opened)).isInstanceOfSatisfying(InvalidModelException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.CHECKSUM_MISMATCH))
                    .hasMessageContaining("test-2");
            assertThatThrownBy(() -> registry.publish(withLink)).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("a link");
            assertThat(registry.read().cards()).isEmpty();
        }
    }

    @Test
    void refusesUnknownVersionsUnsafeNamesAndRewrittenVersions() throws Exception {
        try (ModelRegistry registry = registry("models-b")) {
            registry.publish(v1);
            assertThatThrownBy(() -> registry.activate("test", "test-7", "typo")).hasMessageContaining("no published version test-7");
            assertThatThrownBy(() -> registry.activate("test", "../../etc", "attack")).hasMessageContaining("model version");
            // another model (seed 3) published under v1's version
            io.frameguard.datasets.FrameFile data = new io.frameguard.datasets.FrameFile(TestModels.DIM, 1000,
                    TestModels.simulator().trainingData(1000, 8), io.frameguard.datasets.FrameFile.defaultNames(TestModels.DIM));
            ModelArtifact impostor = new io.frameguard.training.AutoencoderTrainer(io.frameguard.training.TrainingOptions.builder()
                    .name("test").version("test-1").epochs(2).seed(3).threads(1).build(),
                    io.frameguard.training.TrainingProgress.NONE).train(data, tmp.resolve("impostor"), "impostor");
            assertThat(impostor.card().checksum()).isNotEqualTo(v1.card().checksum());
            assertThatThrownBy(() -> registry.publish(impostor)).hasMessageContaining("immutable");
            assertThat(registry.read().cards().get("test").get("test-1").checksum()).isEqualTo(v1.card().checksum());
        }
    }

    @Test
    void malformedCardAndControlRecordsAreSkippedAndCounted() throws Exception {
        String topic = "models-c";
        try (ModelRegistry registry = registry(topic)) {
            registry.publish(v1);
            registry.activate("test", "test-1", "first");
            // what a careless or hostile writer of the registry topic can leave there
            try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                    Map.of("bootstrap.servers", broker.bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (String[] kv : new String[][] {{"card/test/test-9", "{not json"}, {"card/other/v1", "[1,2,3]"},
                        {"active/other", "\"just a string\""}, {"active/broken", "{\"name\":\"broken\"}"}}) {
                    raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, kv[0],
                            kv[1].getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
                }
            }
            ModelRegistry.Snapshot s = registry.read();
            assertThat(s.cards()).containsOnlyKeys("test");
            assertThat(s.cards().get("test")).containsOnlyKeys("test-1");
            assertThat(s.active()).containsOnlyKeys("test");
            assertThat(s.active().get("test").version()).isEqualTo("test-1");
            assertThat(s.skipped()).isEqualTo(4);
            // a follower of the topic: a malformed control record is no activation, a tombstone deletes
            ModelRegistry.Follower follower = new ModelRegistry.Follower(topic);
            assertThat(follower.accept("active/other", "\"just a string\"".getBytes())).isEmpty();
            assertThat(follower.accept("active/broken", "{\"name\":\"broken\"}".getBytes())).isEmpty();
            assertThat(follower.accept("active/test", "{\"name\":\"test\",\"version\":\"test-1\"}".getBytes()))
                    .get().extracting(ModelRegistry.Activation::version).isEqualTo("test-1");
            assertThat(follower.skipped()).isEqualTo(2);
            follower.accept("active/test", null);
            assertThat(follower.snapshot().active()).isEmpty();
        }
    }

    @Test
    void aFollowerSkipsControlRecordsNamingUnsafeVersionsAndCardsMissingWhatAListingReads() throws Exception {
        ModelRegistry.Follower follower = new ModelRegistry.Follower("models-f");
        // versions no published artifact can have: each would become a path, or a key the registry never wrote
        for (String version : new String[] {"a\\u0000", "../../etc", "a/b", "", " x"}) {
            assertThat(follower.accept("active/test", ("{\"version\":\"" + version + "\"}").getBytes())).as(version).isEmpty();
        }
        assertThat(follower.accept("active/test", "{\"version\":\"test-2\",\"previous\":[\"test-1\",\"x\\u0000\"]}".getBytes()))
                .isEmpty();
        // a card the listing could not show (no input, no threshold), or filed under another version than its own
        assertThat(follower.accept("card/test/x", "{\"version\":\"x\",\"checksum\":\"y\"}".getBytes())).isEmpty();
        byte[] card = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(v1.card());
        assertThat(follower.accept("card/test/test-7", card)).isEmpty();
        assertThat(follower.skipped()).isEqualTo(8);
        assertThat(follower.snapshot().cards()).isEmpty();
        follower.accept("card/test/" + v1.card().version(), card);
        assertThat(follower.snapshot().cards().get("test")).containsOnlyKeys(v1.card().version());
        assertThat(follower.snapshot().active()).isEmpty();
        // a well-formed activation is still taken
        assertThat(follower.accept("active/test", "{\"version\":\"test-2\",\"previous\":[\"test-1\"]}".getBytes())).isPresent();
    }

    @Test
    void aStartingScorerServesTheVersionActiveBeforeOneThatIsRefused() throws Exception {
        String topic = "models-g";
        ModelRegistry.Loader<ModelArtifact> same = a -> a;
        try (ModelRegistry registry = registry(topic)) {
            registry.publish(v1);
            registry.publish(v2);
            registry.activate("test", "test-1", "first");
            assertThat(registry.loadActive("test", v -> tmp.resolve("g-" + v), same).card().version()).isEqualTo("test-1");
            registry.activate("test", "test-2", "better");
            // test-2's artifact replaced after publishing: refused, as the running replicas refused it
            writeRaw(topic, "artifact/test/test-2", ArtifactArchive.pack(v1, Optional.empty()));
            ModelArtifact served = registry.loadActive("test", v -> tmp.resolve("g2-" + v), same);
            assertThat(served.card().version()).isEqualTo("test-1");
            assertThat(tmp.resolve("g2-test-2")).doesNotExist();
            assertThat(registry.loadActive("other", v -> tmp.resolve("g3-" + v), same)).isNull();
            // versions never published (a hand-written control record) cost no fetch and no attempt
            StringBuilder ghosts = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                ghosts.append("\"ghost-").append(i).append("\",");
            }
            writeRaw(topic, "active/test", ("{\"version\":\"test-2\",\"previous\":[" + ghosts + "\"test-1\"]}").getBytes());
            assertThat(registry.loadActive("test", v -> tmp.resolve("g6-" + v), same).card().version()).isEqualTo("test-1");
            writeRaw(topic, "active/test", "{\"version\":\"test-2\",\"previous\":[\"test-1\"]}".getBytes());
            // a version that verifies but does not load (its canary fails, say) is refused as one that does not verify
            java.util.List<String> tried = new java.util.ArrayList<>();
            assertThatThrownBy(() -> registry.loadActive("test", v -> tmp.resolve("g5-" + v), a -> {
                tried.add(a.card().version());
                throw new InvalidModelException("the canary refused it");
            })).isInstanceOf(InvalidModelException.class).hasMessageContaining("test-2 (").hasMessageContaining("the canary refused it");
            assertThat(tried).containsExactly("test-1"); // test-2 was refused by its fetch, before any loading
            assertThat(tmp.resolve("g5-test-1")).doesNotExist();
            // nothing left to fall back on: every refusal named
            registry.rollback("test", "back");
            writeRaw(topic, "artifact/test/test-1", ArtifactArchive.pack(v2, Optional.empty()));
            assertThatThrownBy(() -> registry.loadActive("test", v -> tmp.resolve("g4-" + v), same))
                    .isInstanceOf(InvalidModelException.class).hasMessageContaining("test-1 (");
        }
    }

    /**
     * Pruning keeps the versions published last, the active one and those a rollback goes back to; the others' records get
     * tombstones, so the topic every scorer reads whole at start stops growing with each retraining.
     */
    @Test
    void pruneDeletesOnlyVersionsNeitherRecentNorActiveNorARollbackAway() throws Exception {
        try (ModelRegistry registry = registry("models-prune")) {
            registry.publish(v1); // trained first
            for (int i = 3; i <= 5; i++) { // copies of v1 (trained when it was), named test-3 .. test-5
                registry.publish(io.frameguard.testing.TamperedModels.withGraph(v1, tmp.resolve("prune-" + i), "test-" + i, g -> g));
            }
            registry.publish(v2); // trained last
            registry.activate("test", "test-1", "first");
            registry.activate("test", "test-3", "second");

            assertThat(registry.prune("test", 2)).containsExactly("test-4");
            ModelRegistry.Snapshot after = registry.read();
            assertThat(after.cards().get("test")).containsOnlyKeys("test-1", "test-2", "test-3", "test-5");
            assertThat(registry.artifact("test", "test-4")).as("its artifact record deleted too").isNull();
            assertThat(after.active().get("test").version()).isEqualTo("test-3");
            // a model trained long ago (a copy of test-1) and published now for review is the newest to the registry
            registry.publish(io.frameguard.testing.TamperedModels.withGraph(v1, tmp.resolve("prune-0"), "test-0", g -> g));
            assertThat(registry.prune("test", 2)).containsExactly("test-5");
            assertThat(registry.read().cards().get("test")).containsOnlyKeys("test-0", "test-1", "test-2", "test-3");
            assertThat(registry.rollback("test", "still possible").version()).isEqualTo("test-1");
            assertThat(registry.prune("test", 10)).as("nothing more to delete").isEmpty();
            assertThatThrownBy(() -> registry.prune("test", 0)).hasMessageContaining("at least 1");
        }
    }

    /**
     * Two trainers of one model that both believe they hold its lease (one cut off from the group coordinator, not from
     * the brokers): the writer started last fences the other, whose publish, activation and prune then write nothing,
     * and an activation's check of the active version cannot be overtaken by the other's write.
     */
    @Test
    void aFencingWriterStartedLaterFencesTheEarlierOneWhichWritesNothing() throws Exception {
        try (ModelRegistry registry = registry("models-fenced")) {
            registry.publish(v1);
            registry.activate("test", "test-1", "first");
            try (ModelRegistry stale = registry.fencing("fg-trainer-test-registry")) {
                stale.publish(io.frameguard.testing.TamperedModels.withGraph(v1, tmp.resolve("fenced-3"), "test-3", g -> g));
                try (ModelRegistry holder = registry.fencing("fg-trainer-test-registry")) {
                    assertThatThrownBy(() -> stale.publish(v2)).isInstanceOf(ModelRegistry.FencedException.class)
                            .hasMessageContaining("fenced");
                    assertThatThrownBy(() -> stale.activate("test", "test-3", "stale", Optional.of("test-1")))
                            .isInstanceOf(ModelRegistry.FencedException.class);
                    registry.publish(v2); // an operator's (not fenced), so that a prune has a version to delete
                    assertThatThrownBy(() -> stale.prune("test", 1)).isInstanceOf(ModelRegistry.FencedException.class);
                    ModelRegistry.Snapshot now = registry.read();
                    assertThat(now.cards().get("test")).as("what the stale writer wrote before it was fenced stays")
                            .containsOnlyKeys("test-1", "test-2", "test-3");
                    assertThat(now.active().get("test").version()).isEqualTo("test-1");

                    holder.activate("test", "test-2", "the holder's", Optional.of("test-1"));
                    assertThat(holder.prune("test", 1)).containsExactly("test-3");
                    assertThat(registry.read().active().get("test").version()).isEqualTo("test-2");
                    assertThat(registry.read().cards().get("test")).containsOnlyKeys("test-1", "test-2");
                    // what a transaction wrote is read at once: the activation right after the publish finds the version
                    for (int i = 5; i < 8; i++) {
                        holder.publish(io.frameguard.testing.TamperedModels.withGraph(v1, tmp.resolve("fenced-" + i), "test-" + i, g -> g));
                        holder.activate("test", "test-" + i, "at once", Optional.empty());
                    }
                    assertThat(registry.read().active().get("test").version()).isEqualTo("test-7");
                }
            }
            // a writer of another model (another id) is not fenced by them
            try (ModelRegistry other = registry.fencing("fg-trainer-other-registry")) {
                other.activate("test", "test-1", "back", Optional.of("test-7"));
            }
            assertThat(registry.read().active().get("test").version()).isEqualTo("test-1");
        }
    }

    /** A disk that cannot take the model (here a file where its directory should go) is no fault of the archive. */
    @Test
    void aDiskThatFailsTheUnpackingDoesNotRefuseTheModel() throws Exception {
        byte[] zip = ArtifactArchive.pack(v1, Optional.empty());
        Path file = java.nio.file.Files.writeString(tmp.resolve("not-a-directory"), "a file");
        assertThatThrownBy(() -> ArtifactArchive.unpack(zip, file.resolve("model")))
                .isInstanceOf(java.io.IOException.class).isNotInstanceOf(InvalidModelException.class)
                .hasMessageContaining("cannot unpack the model into");
    }

    @Test
    void damagedArchivesAreRefused() throws Exception {
        byte[] zip = ArtifactArchive.pack(v1, Optional.empty());
        assertThatThrownBy(() -> ArtifactArchive.unpack(java.util.Arrays.copyOf(zip, zip.length / 2), tmp.resolve("cut")))
                .isInstanceOf(InvalidModelException.class);
        ByteArrayOutputStream evil = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(evil)) {
            z.putNextEntry(new ZipEntry("../outside.txt"));
            z.write(1);
            z.closeEntry();
        }
        assertThatThrownBy(() -> ArtifactArchive.unpack(evil.toByteArray(), tmp.resolve("evil")))
                .hasMessageContaining("outside the model directory");
        assertThat(tmp.resolve("outside.txt")).doesNotExist();
        assertThatThrownBy(() -> ArtifactArchive.unpack("not a zip".getBytes(), tmp.resolve("garbage")))
                .hasMessageContaining("empty or not a zip");
        // entry names that are no path: bytes that are not UTF-8 (C3 28, written as Latin-1 without the UTF-8 flag), a NUL
        for (String name : new String[] {"\u00c3(", "model\u0000.pb"}) {
            ByteArrayOutputStream odd = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(odd, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                z.putNextEntry(new ZipEntry(name));
                z.write(1);
                z.closeEntry();
            }
            assertThatThrownBy(() -> ArtifactArchive.unpack(odd.toByteArray(), tmp.resolve("odd-" + name.length())))
                    .as("entry %s", name.replace("\u0000", "\\0")).isInstanceOf(InvalidModelException.class)
                    .hasMessageContaining("model archive");
        }
    }

    @Test
    void anArtifactRecordReplacedAfterPublishingIsRefused() throws Exception {
        String topic = "models-d";
        try (ModelRegistry registry = registry(topic)) {
            registry.publish(v1);
            // another model, resealed as test-1 (its own card's checksum matches its files), written over v1's artifact
            ModelArtifact impostor = TamperedModels.withGraph(v2, tmp.resolve("replaced"), "test-1", g -> g);
            try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
                    Map.of("bootstrap.servers", broker.bootstrapServers(), "max.request.size", 8 << 20),
                    new org.apache.kafka.common.serialization.StringSerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, "artifact/test/test-1",
                        ArtifactArchive.pack(impostor, Optional.empty()))).get();
            }
            assertThatThrownBy(() -> registry.fetch("test", "test-1", tmp.resolve("fetched-replaced")))
                    .isInstanceOfSatisfying(InvalidModelException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.CHECKSUM_MISMATCH))
                    .hasMessageContaining(v1.card().checksum());
        }
    }

    @Test
    void aPublishedGraphWithAForbiddenOperationIsRefusedOnFetch() throws Exception {
        try (ModelRegistry registry = registry("models-e")) {
            ModelArtifact evil = TamperedModels.withGraph(v1, tmp.resolve("evil-graph"), "evil",
                    g -> TamperedModels.readingFile(g, "/etc/passwd"));
            assertThatThrownBy(() -> registry.publish(evil)).isInstanceOfSatisfying(InvalidModelException.class,
                    e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.FORBIDDEN_OP));
            assertThat(registry.read().cards()).isEmpty();
            // a writer of the topic needs no frameguard client
            writeRaw("models-e", "artifact/test/evil", ArtifactArchive.pack(evil, Optional.empty()));
            writeRaw("models-e", "card/test/evil", new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(evil.card()));
            assertThatThrownBy(() -> registry.fetch("test", "evil", tmp.resolve("fetched-evil")))
                    .isInstanceOfSatisfying(InvalidModelException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.FORBIDDEN_OP));
            // nor is it activated: every scorer would refuse it while the registry called it active
            assertThatThrownBy(() -> registry.activate("test", "evil", "try"))
                    .isInstanceOf(ModelRegistry.RefusedException.class).hasMessageContaining("evil does not verify");
            assertThat(registry.read().active()).doesNotContainKey("test");
        }
    }

    @Test
    void withAVerificationKeyOnlyTheTrainersSignatureIsLoaded() throws Exception {
        Path keys = tmp.resolve("keys");
        ModelTrust trainer = SigningKeys.write(keys.resolve("trainer"));
        ModelTrust other = SigningKeys.write(keys.resolve("other"));
        Map<String, Object> client = Map.of("bootstrap.servers", broker.bootstrapServers());
        String topic = "models-f";
        try (ModelRegistry unsigned = registry(topic);
                ModelRegistry signing = new ModelRegistry(client, topic,
                        ModelTrust.of(Optional.of(keys.resolve("trainer").resolve(SigningKeys.PRIVATE)), Optional.empty()));
                ModelRegistry scorer = new ModelRegistry(client, topic,
                        ModelTrust.of(Optional.empty(), Optional.of(keys.resolve("trainer").resolve(SigningKeys.PUBLIC))));
                ModelRegistry stranger = new ModelRegistry(client, topic,
                        ModelTrust.of(Optional.empty(), Optional.of(keys.resolve("other").resolve(SigningKeys.PUBLIC))))) {
            signing.publish(v1);
            unsigned.publish(v2);
            assertThat(trainer.signs()).isTrue();
            assertThat(other.verifies()).isTrue();

            assertThat(scorer.fetch("test", "test-1", tmp.resolve("signed-ok")).card().checksum()).isEqualTo(v1.card().checksum());
            assertThat(unsigned.fetch("test", "test-2", tmp.resolve("no-key-no-check")).card().version()).isEqualTo("test-2");
            assertThatThrownBy(() -> scorer.fetch("test", "test-2", tmp.resolve("unsigned")))
                    .isInstanceOfSatisfying(InvalidModelException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.UNSIGNED));
            assertThatThrownBy(() -> stranger.fetch("test", "test-1", tmp.resolve("foreign")))
                    .isInstanceOfSatisfying(InvalidModelException.class,
                            e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.BAD_SIGNATURE));
            // activation verifies with the registry's key too: the unsigned version is refused, the signed one activated
            assertThatThrownBy(() -> scorer.activate("test", "test-2", "unsigned")).hasMessageContaining("test-2 does not verify");
            assertThat(scorer.activate("test", "test-1", "signed").version()).isEqualTo("test-1");
            unsigned.activate("test", "test-2", "no key, no signature checked");
            assertThatThrownBy(() -> stranger.rollback("test", "back to a version signed by another key"))
                    .hasMessageContaining("test-1 does not verify");
            assertThat(scorer.rollback("test", "back").version()).isEqualTo("test-1");
        }
    }
}
