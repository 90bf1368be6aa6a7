package io.frameguard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.testing.ExternalTool;
import io.frameguard.testing.SigningKeys;
import io.frameguard.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing an artifact's card with the trainer's key and verifying it with the public key. */
class ModelTrustTest {

    @TempDir
    static Path tmp;

    static ModelArtifact model;

    @BeforeAll
    static void train() throws Exception {
        model = TestModels.trainSensorModel(tmp.resolve("model"), 500, 1, 1);
    }

    @Test
    void aSignedCardVerifiesAndAnEditedOneDoesNot() throws Exception {
        ModelTrust trust = SigningKeys.write(tmp.resolve("k1"));
        Path copy = copy("edited");
        Files.write(copy.resolve(ModelTrust.SIGNATURE_FILE), trust.signatureOf(new ModelArtifact(copy, model.card())).orElseThrow());
        ModelArtifact signed = ModelArtifact.open(copy);
        ModelArtifact.open(signed.dir(), trust);

        // a lower threshold written into the card after signing (the checksum still matches the files)
        String card = Files.readString(copy.resolve(ModelArtifact.CARD_FILE));
        String value = Double.toString(model.card().threshold().value());
        assertThat(card).contains(value);
        Files.writeString(copy.resolve(ModelArtifact.CARD_FILE), card.replace(value, "1.0E-9"));
        ModelArtifact edited = ModelArtifact.open(copy);
        assertThatThrownBy(() -> ModelArtifact.open(edited.dir(), trust))
                .isInstanceOfSatisfying(InvalidModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.BAD_SIGNATURE));
    }

    @Test
    void anUnsignedArtifactIsRefusedForItsSignatureBeforeItsFilesAreRead() throws Exception {
        ModelTrust trust = SigningKeys.write(tmp.resolve("k3"));
        // a graph the allow-list refuses, and files that no longer match the card: neither is reached without a signature
        ModelArtifact hostile = io.frameguard.testing.TamperedModels.withGraph(model, tmp.resolve("hostile"), "h",
                g -> io.frameguard.testing.TamperedModels.readingFile(g, "/etc/passwd"));
        Files.writeString(hostile.dir().resolve(ModelArtifact.SAVED_MODEL_DIR).resolve("extra"), "not in the checksum");
        assertThatThrownBy(() -> ModelArtifact.open(hostile.dir(), trust)).isInstanceOfSatisfying(InvalidModelException.class,
                e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.UNSIGNED));
        // a signature file far larger than any signature is refused by its size, not read whole
        Path big = copy("big-signature");
        try (var out = Files.newOutputStream(big.resolve(ModelTrust.SIGNATURE_FILE))) {
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'A');
            for (int i = 0; i < 64; i++) {
                out.write(chunk);
            }
        }
        assertThatThrownBy(() -> ModelArtifact.open(big, trust)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(ModelTrust.SIGNATURE_FILE).hasMessageContaining("more than");
        // so is a card far larger than any card
        Path bigCard = copy("big-card");
        String card = Files.readString(bigCard.resolve(ModelArtifact.CARD_FILE));
        Files.writeString(bigCard.resolve(ModelArtifact.CARD_FILE), card.replaceFirst("\\{", "{\"padding\":\""
                + "x".repeat(ModelArtifact.MAX_CARD_BYTES) + "\","));
        assertThatThrownBy(() -> ModelArtifact.open(bigCard)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(ModelArtifact.CARD_FILE).hasMessageContaining("more than");
    }

    @Test
    void anUnsignedArchiveIsRefusedBeforeAnythingIsUnpacked() throws Exception {
        ModelTrust trust = SigningKeys.write(tmp.resolve("k4"));
        Path dir = tmp.resolve("unpacked-unsigned");
        assertThatThrownBy(() -> ArtifactArchive.unpack(ArtifactArchive.pack(model, Optional.empty()), dir, trust))
                .isInstanceOfSatisfying(InvalidModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.UNSIGNED));
        assertThat(dir).doesNotExist();
        // signed by the key: unpacked and opened; signed by another: refused, nothing unpacked
        byte[] signed = ArtifactArchive.pack(model, trust.signatureOf(model));
        assertThat(ArtifactArchive.unpack(signed, tmp.resolve("unpacked-signed"), trust).card().version())
                .isEqualTo(model.card().version());
        byte[] foreign = ArtifactArchive.pack(model, SigningKeys.write(tmp.resolve("k5")).signatureOf(model));
        assertThatThrownBy(() -> ArtifactArchive.unpack(foreign, tmp.resolve("unpacked-foreign"), trust))
                .isInstanceOfSatisfying(InvalidModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.BAD_SIGNATURE));
        assertThat(tmp.resolve("unpacked-foreign")).doesNotExist();
    }

    @Test
    void withoutAVerificationKeyNothingIsRequired() throws Exception {
        ModelArtifact.open(model.dir(), ModelTrust.NONE);
        assertThat(ModelTrust.NONE.signatureOf(model)).isEmpty();
        assertThatThrownBy(() -> ModelArtifact.open(model.dir(), SigningKeys.write(tmp.resolve("k2"))))
                .isInstanceOfSatisfying(InvalidModelException.class,
                        e -> assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.UNSIGNED));
    }

    @Test
    void opensslKeysWorkAndAWrongFileIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("openssl"));
        String openssl = ExternalTool.require("openssl", "apt-get install openssl");
        assertThat(ExternalTool.run(dir, 30, openssl, "genpkey", "-algorithm", "ed25519", "-out", "key.pem").exitCode()).isZero();
        assertThat(ExternalTool.run(dir, 30, openssl, "pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem").exitCode()).isZero();
        ModelTrust trust = ModelTrust.of(Optional.of(dir.resolve("key.pem")), Optional.of(dir.resolve("pub.pem")));
        Path copy = copy("openssl-signed");
        Files.write(copy.resolve(ModelTrust.SIGNATURE_FILE), trust.signatureOf(model).orElseThrow());
        ModelArtifact.open(copy, trust);

        assertThatThrownBy(() -> ModelTrust.of(Optional.empty(), Optional.of(dir.resolve("key.pem"))))
                .hasMessageContaining("key.pem").hasMessageContaining("PUBLIC KEY");
        assertThatThrownBy(() -> ModelTrust.of(Optional.empty(), Optional.of(dir.resolve("missing.pem"))))
                .hasMessageContaining("missing.pem");
    }

    private static Path copy(String name) throws Exception {
        Path dir = tmp.resolve(name);
        org.apache.commons.io.FileUtils.copyDirectory(model.dir().toFile(), dir.toFile());
        return dir;
    }
}
