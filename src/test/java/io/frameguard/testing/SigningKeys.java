package io.frameguard.testing;

import io.frameguard.model.ModelTrust;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Optional;
import org.apache.commons.io.FileUtils;

/** A fresh Ed25519 key pair written as `frameguard models keygen` writes one, for tests and the fault suite. */
public final class SigningKeys {

    public static final String PRIVATE = "private.pem";
    public static final String PUBLIC = "public.pem";

    private SigningKeys() {
    }

    /** Writes {@value #PRIVATE} and {@value #PUBLIC} into {@code dir} (emptied first); a trust that signs and verifies. */
    public static ModelTrust write(Path dir) throws IOException {
        KeyPair pair = ModelTrust.generate();
        FileUtils.deleteDirectory(dir.toFile());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(PRIVATE), ModelTrust.pem(pair.getPrivate()));
        Files.writeString(dir.resolve(PUBLIC), ModelTrust.pem(pair.getPublic()));
        return ModelTrust.of(Optional.of(dir.resolve(PRIVATE)), Optional.of(dir.resolve(PUBLIC)));
    }
}
