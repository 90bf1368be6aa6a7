package io.frameguard.cli;

import io.frameguard.model.ModelRegistry;
import io.frameguard.model.ModelTrust;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import picocli.CommandLine.Option;

/**
 * Where the Kafka cluster ({@link KafkaConnection}) and the model registry are: the options of every command that
 * works with the registry ({@code models ...}, {@code trainer}).
 */
final class KafkaOptions {
    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    KafkaConnection connection;

    @Option(names = "--topic", defaultValue = ModelRegistry.DEFAULT_TOPIC, description = "Registry topic (default: ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--signing-key", paramLabel = "PEM", defaultValue = "${env:FRAMEGUARD_MODEL_SIGNING_KEY}",
            description = "Ed25519 private key (PKCS#8 PEM) that signs the models this command publishes "
                    + "(default: $FRAMEGUARD_MODEL_SIGNING_KEY; see `frameguard models keygen`).")
    Path signingKey;

    @Option(names = "--verify-key", paramLabel = "PEM", defaultValue = "${env:FRAMEGUARD_REGISTRY_VERIFY_KEY}",
            description = "Ed25519 public key (X.509 PEM): models this command fetches must be signed with it "
                    + "(default: $FRAMEGUARD_REGISTRY_VERIFY_KEY, as the service reads it).")
    Path verifyKey;

    ModelRegistry open() throws IOException {
        return new ModelRegistry(clientConfig(), topic, trust());
    }

    /** The signing and verification keys of the options; a key file that cannot be read names its option. */
    ModelTrust trust() {
        try {
            return ModelTrust.of(Optional.ofNullable(signingKey), Optional.ofNullable(verifyKey));
        } catch (IOException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--signing-key / --verify-key: " + e.getMessage(), e);
        }
    }

    /** Kafka client settings of the connection options (see {@link KafkaConnection#clientConfig()}). */
    Map<String, Object> clientConfig() throws IOException {
        return connection.clientConfig();
    }
}
