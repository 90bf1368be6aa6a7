package io.frameguard.cli;

import io.frameguard.model.ModelArtifact;
import io.frameguard.model.ModelCard;
import io.frameguard.model.ModelRegistry;
import io.frameguard.model.ModelTrust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code frameguard models ...}: the Kafka-backed model registry from the command line. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List, publish, activate, roll back and prune models in the Kafka model registry.",
        subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Publish.class, ModelsCommand.Activate.class,
                ModelsCommand.Rollback.class, ModelsCommand.Prune.class, ModelsCommand.Keygen.class})
final class ModelsCommand {

    /** A subcommand that works on the registry: the registry's options, and the registry opened and closed around it. */
    abstract static class OnRegistry implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        KafkaOptions registry;

        abstract void run(ModelRegistry r) throws Exception;

        @Override
        public Integer call() throws Exception {
            CommandLogging.quietConnecting(System.getenv()); // runs once: a broker that does not answer is one line
            try (ModelRegistry r = registry.open()) {
                run(r);
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Published versions and the active one, per model.")
    static final class ListModels extends OnRegistry {
        @Override
        void run(ModelRegistry r) throws Exception {
            ModelRegistry.Snapshot s;
            try {
                s = r.read();
            } catch (ModelRegistry.RefusedException e) { // no registry topic yet: nothing published
                System.out.println("no models: " + e.getMessage());
                return;
            }
            if (s.cards().isEmpty()) {
                System.out.println("no models in " + registry.topic);
            }
            for (var byName : s.cards().entrySet()) {
                ModelRegistry.Activation a = s.active().get(byName.getKey());
                System.out.printf("%s (active: %s)%n", byName.getKey(), a == null ? "none" : a.version() + " since " + a.activatedAt());
                for (ModelCard c : byName.getValue().values()) {
                    System.out.printf("  %s %s created %s, %s %s, threshold %.5g, validation loss %.5g%n",
                            a != null && a.version().equals(c.version()) ? "*" : " ", c.version(), c.createdAt(),
                            c.input().kind(), c.input().image() != null ? c.input().image() : c.input().dim() + " values",
                            c.threshold().value(), c.training().validationLoss());
                }
            }
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true, description = "Store a model artifact in the registry (not activated).")
    static final class Publish extends OnRegistry {
        @Parameters(paramLabel = "MODEL_DIR", description = "Model artifact directory (verified before publishing).")
        Path dir;

        @Option(names = "--activate", description = "Activate it once published.")
        boolean activate;

        @Option(names = "--replication-factor", paramLabel = "N", description = "Replicas of the registry topic when this "
                + "publish creates it (default: the brokers' default.replication.factor); an existing topic is kept as it is.")
        Short replicationFactor;

        private ModelArtifact artifact;

        /** The artifact is verified before anything connects to Kafka. */
        @Override
        public Integer call() throws Exception {
            artifact = ModelArtifact.open(dir);
            if (replicationFactor != null) {
                CommandOptions.atLeastOne("--replication-factor", replicationFactor);
            }
            return super.call();
        }

        @Override
        void run(ModelRegistry r) throws Exception {
            r.ensureTopic(java.util.Optional.ofNullable(replicationFactor));
            r.publish(artifact);
            System.out.printf("published %s %s%n", artifact.card().name(), artifact.card().version());
            if (activate) {
                r.activate(artifact.card().name(), artifact.card().version(), "published with --activate");
                System.out.printf("activated %s %s%n", artifact.card().name(), artifact.card().version());
            }
        }
    }

    @Command(name = "activate", mixinStandardHelpOptions = true, description = "Make a published version the one every scorer serves.")
    static final class Activate extends OnRegistry {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        @Option(names = "--reason", defaultValue = "activated from the command line")
        String reason;

        @Override
        void run(ModelRegistry r) throws Exception {
            ModelRegistry.Activation a = r.activate(name, version, reason);
            System.out.printf("activated %s %s (before: %s)%n", name, a.version(), a.previous().isEmpty() ? "none" : a.previous().get(0));
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Re-activate the version active before the current one.")
    static final class Rollback extends OnRegistry {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--reason", defaultValue = "rolled back from the command line")
        String reason;

        @Override
        void run(ModelRegistry r) throws Exception {
            ModelRegistry.Activation a = r.rollback(name, reason);
            System.out.printf("rolled %s back to %s%n", name, a.version());
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true, description = "Delete old versions of a model from the registry "
            + "(tombstones, which compaction removes): all but the --keep published last, the active one and the --keep a "
            + "rollback would go back to. The trainer does it after each accepted candidate (its --keep-versions).")
    static final class Prune extends OnRegistry {
        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--keep", paramLabel = "N", defaultValue = "" + ModelRegistry.DEFAULT_KEEP_VERSIONS,
                description = "Versions published last to keep (default: ${DEFAULT-VALUE}).")
        int keep;

        @Override
        void run(ModelRegistry r) throws Exception {
            CommandOptions.atLeastOne("--keep", keep);
            List<String> deleted = r.prune(name, keep);
            System.out.printf("deleted %d version%s of %s%s%n", deleted.size(), deleted.size() == 1 ? "" : "s", name,
                    deleted.isEmpty() ? "" : ": " + String.join(", ", deleted));
        }
    }

    @Command(name = "keygen", mixinStandardHelpOptions = true,
            description = "Write a new Ed25519 key pair for signing models: the private key for the trainer's secret, "
                    + "the public key for the scorers' (frameguard.registry.verify-key).")
    static final class Keygen implements Callable<Integer> {
        static final String PRIVATE_FILE = "model-signing.key";
        static final String PUBLIC_FILE = "model-signing.pub";

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write "
                + PRIVATE_FILE + " (owner-only) and " + PUBLIC_FILE + " into; existing files are not overwritten.")
        Path out;

        @Override
        public Integer call() throws Exception {
            KeyPair pair = ModelTrust.generate();
            Files.createDirectories(out);
            Path priv = out.resolve(PRIVATE_FILE);
            Path pub = out.resolve(PUBLIC_FILE);
            // created owner-only before the key is written, and never over an existing file
            Files.createFile(priv, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(priv, ModelTrust.pem(pair.getPrivate()));
            Files.writeString(pub, ModelTrust.pem(pair.getPublic()), StandardOpenOption.CREATE_NEW);
            System.out.printf("wrote %s (the trainer's signing key: keep it in a secret) and %s (the scorers' "
                    + "frameguard.registry.verify-key)%n", priv, pub);
            return 0;
        }
    }
}
