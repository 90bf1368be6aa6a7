package io.frameguard.model;

import io.frameguard.frames.UntrustedText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.Optional;

/**
 * Who may make the models that run: artifacts signed by the trainer, verified by the scorer.
 *
 * <p>The trainer's private key (Ed25519, PKCS#8 PEM, from a secret) signs the exact bytes of an artifact's
 * {@code model-card.json} when it is published; the signature travels in the artifact as {@link #SIGNATURE_FILE}.
 * The card holds the SavedModel's checksum, so the signature covers the graph and weights too. A reader with the
 * public key (X.509 PEM) refuses an artifact with no signature ({@link InvalidModelException.Reason#UNSIGNED}) or
 * one that does not verify ({@link InvalidModelException.Reason#BAD_SIGNATURE}); without a public key nothing is
 * verified, as before (the registry's checksums and the graph allow-list still apply).
 *
 * <p>Keys are the JDK's Ed25519 (no library needed); {@code frameguard models keygen} writes a pair, and keys from
 * {@code openssl genpkey -algorithm ed25519} work as well.
 */
public final class ModelTrust {

    /** The signature of {@code model-card.json}, base64, next to it in the artifact. */
    public static final String SIGNATURE_FILE = "model-card.sig";
    public static final ModelTrust NONE = new ModelTrust(null, null);
    private static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE_PEM = "PRIVATE KEY";
    private static final String PUBLIC_PEM = "PUBLIC KEY";

    private final PrivateKey signingKey;
    private final PublicKey verifyKey;

    private ModelTrust(PrivateKey signingKey, PublicKey verifyKey) {
        this.signingKey = signingKey;
        this.verifyKey = verifyKey;
    }

    /**
     * Reads the keys; either may be absent.
     *
     * @param signingKey PEM file of the private key that signs what this process publishes (the trainer)
     * @param verifyKey PEM file of the public key that what this process loads must be signed with (the scorer)
     * @throws IOException naming the file when it is missing or not an Ed25519 key
     */
    public static ModelTrust of(Optional<Path> signingKey, Optional<Path> verifyKey) throws IOException {
        PrivateKey priv = null;
        PublicKey pub = null;
        try {
            if (signingKey.isPresent()) {
                priv = KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(pem(signingKey.get(), PRIVATE_PEM)));
            }
            if (verifyKey.isPresent()) {
                pub = KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(pem(verifyKey.get(), PUBLIC_PEM)));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException("not an Ed25519 key: " + e.getMessage(), e);
        }
        return new ModelTrust(priv, pub);
    }

    /** A new Ed25519 key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no " + ALGORITHM, e);
        }
    }

    /** A key in PEM form: PKCS#8 for a private key, X.509 for a public one, as openssl writes them. */
    public static String pem(java.security.Key key) {
        String type = key instanceof PrivateKey ? PRIVATE_PEM : PUBLIC_PEM;
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END " + type + "-----\n";
    }

    public boolean signs() {
        return signingKey != null;
    }

    public boolean verifies() {
        return verifyKey != null;
    }

    /** The signature of the artifact's card, as {@link #SIGNATURE_FILE} holds it; empty without a signing key. */
    public Optional<byte[]> signatureOf(ModelArtifact artifact) throws IOException {
        if (signingKey == null) {
            return Optional.empty();
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(signingKey);
            s.update(Files.readAllBytes(artifact.dir().resolve(ModelArtifact.CARD_FILE)));
            return Optional.of((Base64.getEncoder().encodeToString(s.sign()) + "\n").getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign model " + artifact.card().version() + ": " + e.getMessage(), e);
        }
    }

    /** A signature file larger than this is no signature (one is a few hundred bytes of Base64). */
    static final int MAX_SIGNATURE_BYTES = 16 << 10;

    /**
     * Refuses the card {@code cardBytes} (read from {@code dir}, {@code card} parsed from them) when a verification key
     * is configured and the card is unsigned or wrongly signed.
     */
    void verify(Path dir, ModelCard card, byte[] cardBytes) throws InvalidModelException {
        if (verifyKey == null) {
            return;
        }
        Path sig = dir.resolve(SIGNATURE_FILE);
        verify(card, cardBytes, Files.isRegularFile(sig) ? ModelArtifact.readBounded(sig, MAX_SIGNATURE_BYTES) : null);
    }

    /**
     * Verifies the card {@code cardBytes} ({@code card} parsed from them) against {@code signatureText}, the signature
     * file's bytes (null: the artifact has none).
     */
    void verify(ModelCard card, byte[] cardBytes, byte[] signatureText) throws InvalidModelException {
        if (verifyKey == null) {
            return;
        }
        String what = "model " + UntrustedText.shown(card.name(), 128) + " version " + UntrustedText.shown(card.version(), 128);
        if (signatureText == null) {
            throw new InvalidModelException(InvalidModelException.Reason.UNSIGNED, what + " is not signed, and a "
                    + "verification key is configured (only artifacts signed by the trainer's key are loaded)");
        }
        boolean valid;
        try {
            byte[] signature = Base64.getDecoder().decode(new String(signatureText, StandardCharsets.US_ASCII).strip());
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(verifyKey);
            s.update(cardBytes);
            valid = s.verify(signature);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            valid = false;
        }
        if (!valid) {
            throw new InvalidModelException(InvalidModelException.Reason.BAD_SIGNATURE, what
                    + " has a signature that does not verify with the configured key");
        }
    }

    private static byte[] pem(Path file, String type) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new IOException(file + " is not a PEM file with a " + type + " block");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new IOException(file + ": the " + type + " block is not base64", x);
        }
    }
}
