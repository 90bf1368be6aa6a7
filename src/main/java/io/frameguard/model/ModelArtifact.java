package io.frameguard.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.frameguard.frames.UntrustedText;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A model on disk: {@code DIR/model-card.json} and the SavedModel in {@code DIR/saved_model/}.
 *
 * <p>{@link #open(Path)} refuses an artifact whose card is missing or unreadable, whose SavedModel is missing,
 * whose files do not match the card's SHA-256 checksum, or whose graph holds an operation frameguard's trainers
 * never export ({@link GraphAllowList}), so a half-copied or tampered model never reaches the scorer and nothing
 * of a refused graph runs. An artifact may also carry the trainer's signature ({@link ModelTrust}).
 */
public record ModelArtifact(Path dir, ModelCard card) {

    public static final String CARD_FILE = "model-card.json";
    public static final String SAVED_MODEL_DIR = "saved_model";
    /** SavedModel signature names shared by the trainer and the scorer. */
    public static final String INPUT_NAME = "frames";
    public static final String OUTPUT_NAME = "errors";
    /** The optional second output: one signature per frame ({@link ModelCard.Signature}). */
    public static final String SIGNATURE_NAME = "signature";
    /**
     * An output of the {@code describe} function: each frame as the autoencoder rebuilt it, in the frame's own units
     * (what the console draws over the frame). Models exported before it have none.
     */
    public static final String RECONSTRUCTION_NAME = "reconstruction";
    /**
     * An output of both functions of a model whose card's {@code scoring.attribution} is
     * {@value ModelCard.Scoring#RECONSTRUCTION_BASED}: per frame and channel, the part of the frame's error that a fault
     * of that channel alone explains (as wide as the error map).
     */
    public static final String CONTRIBUTIONS_NAME = "contributions";
    /**
     * The SavedModel function that also computes the signatures ({@code serving_default} computes the error maps
     * only, so that scoring a frame does not pay for a signature that only candidate anomalies need). Models exported
     * before it have one function with both outputs.
     */
    public static final String DESCRIBE_FUNCTION = "describe";

    /**
     * How a card's checksum starts: SHA-256 over each file's path and content, each preceded by its length
     * ({@link #checksum}). Cards of the earlier format ({@value #UNFRAMED_PREFIX}) are refused: it hashed path, NUL and
     * content with no lengths, so one digest stood for several sets of files (a file's content could hold the next
     * file's path), and a signed card vouched for each of them.
     */
    public static final String CHECKSUM_PREFIX = "sha256v2:";
    /** The earlier checksum format's prefix, named when a card still has it. */
    static final String UNFRAMED_PREFIX = "sha256:";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Path savedModelDir() {
        return dir.resolve(SAVED_MODEL_DIR);
    }

    /** Reads and verifies an artifact. */
    public static ModelArtifact open(Path dir) throws InvalidModelException {
        return open(dir, ModelTrust.NONE);
    }

    /**
     * Opens and checks a model directory as {@link #open(Path)} does, with the card's signature verified by {@code trust}
     * right after the card is read (both read with a bound on their size): an artifact that is not signed by the trusted
     * key is refused before its SavedModel's files are hashed or its graph is parsed.
     */
    public static ModelArtifact open(Path dir, ModelTrust trust) throws InvalidModelException {
        if (!Files.isDirectory(dir)) {
            throw new InvalidModelException(Files.exists(dir) ? dir + " is not a directory: a model artifact is a directory "
                    + "holding " + CARD_FILE + " and " + SAVED_MODEL_DIR + "/" : "no such directory: model " + dir);
        }
        Path cardFile = dir.resolve(CARD_FILE);
        if (!Files.isRegularFile(cardFile)) {
            throw new InvalidModelException("no " + CARD_FILE + " in model directory " + dir);
        }
        Path savedModel = dir.resolve(SAVED_MODEL_DIR);
        if (!Files.isRegularFile(savedModel.resolve("saved_model.pb"))) {
            throw new InvalidModelException("no SavedModel (saved_model/saved_model.pb) in model directory " + dir);
        }
        byte[] cardBytes = readBounded(cardFile, MAX_CARD_BYTES);
        ModelCard card = parseCard(cardBytes, cardFile.toString());
        validate(card, cardFile);
        trust.verify(dir, card, cardBytes);
        if (!card.checksum().startsWith(CHECKSUM_PREFIX)) {
            throw new InvalidModelException(InvalidModelException.Reason.CHECKSUM_FORMAT, "model " + card.version() + " in "
                    + dir + ": its card's checksum " + UntrustedText.shown(card.checksum(), 80) + " is not of the form "
                    + CHECKSUM_PREFIX + "<hex>" + (card.checksum().startsWith(UNFRAMED_PREFIX)
                            ? " (" + UNFRAMED_PREFIX + " is the format of earlier builds, which could not tell one file from the"
                                    + " next; train or export it again with this build and publish it as a new version)" : ""));
        }
        String actual = checksum(savedModel);
        if (!actual.equals(card.checksum())) {
            throw new InvalidModelException(InvalidModelException.Reason.CHECKSUM_MISMATCH, "checksum mismatch for model "
                    + card.version() + " in " + dir + ": card says " + card.checksum() + ", files hash to " + actual);
        }
        GraphAllowList.check(savedModel);
        return new ModelArtifact(dir, card);
    }

    /**
     * A card file larger than this is no card (it is read whole, before anything verifies it): as large as a whole
     * artifact may be in the registry, since a sensor model's card holds two numbers per input value.
     */
    static final int MAX_CARD_BYTES = ModelRegistry.MAX_ARTIFACT_BYTES;

    /** {@code file}'s bytes, refused when there are more than {@code max} (without reading more than that). */
    static byte[] readBounded(Path file, int max) throws InvalidModelException {
        try (java.io.InputStream in = Files.newInputStream(file)) {
            return readBounded(in, max, file.getFileName() + " in " + file.getParent());
        } catch (InvalidModelException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** What is left of {@code in}, refused when there are more than {@code max} bytes (without reading more than that). */
    static byte[] readBounded(java.io.InputStream in, int max, String what) throws IOException {
        byte[] bytes = in.readNBytes(max + 1);
        if (bytes.length > max) {
            throw new InvalidModelException(what + " holds more than " + max + " bytes");
        }
        return bytes;
    }

    /** The card in {@code bytes} (of {@code where}), not yet validated. */
    static ModelCard parseCard(byte[] bytes, String where) throws InvalidModelException {
        try {
            ModelCard card = JSON.readValue(bytes, ModelCard.class);
            if (card == null) {
                throw new InvalidModelException("model card " + where + " holds no card");
            }
            return card;
        } catch (InvalidModelException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidModelException("unreadable model card " + where + ": " + e.getMessage(), e);
        }
    }

    /** Writes the card (with the SavedModel's checksum) next to an exported SavedModel. */
    public static ModelArtifact seal(Path dir, ModelCard card) throws IOException {
        ModelCard sealed = card.withChecksum(checksum(dir.resolve(SAVED_MODEL_DIR)));
        JSON.writeValue(dir.resolve(CARD_FILE).toFile(), sealed);
        return new ModelArtifact(dir, sealed);
    }

    private static void validate(ModelCard card, Path cardFile) throws InvalidModelException {
        if (card.cardVersion() != ModelCard.CARD_VERSION) {
            throw new InvalidModelException(cardFile + ": unsupported cardVersion " + card.cardVersion());
        }
        if (card.version() == null || card.version().isBlank()) {
            throw new InvalidModelException(cardFile + ": missing version");
        }
        if (card.input() == null || card.input().dim() <= 0) {
            throw new InvalidModelException(cardFile + ": missing or non-positive input.dim");
        }
        if (card.input().image() != null && card.input().image().dim() != card.input().dim()) {
            throw new InvalidModelException(cardFile + ": input.image " + card.input().image() + " does not have input.dim "
                    + card.input().dim() + " values");
        }
        Integer channels = card.input().channels();
        if (channels != null && (channels < 1 || card.input().image() != null || card.input().dim() % channels != 0)) {
            throw new InvalidModelException(cardFile + ": input.channels " + channels + " must be a positive divisor of input.dim "
                    + card.input().dim() + " (a window of whole time steps) and only on sensor models");
        }
        String aggregation = ScoreAggregation.check(card.input(), card.scoring());
        if (aggregation != null) {
            throw new InvalidModelException(cardFile + ": " + aggregation);
        }
        if (card.threshold() == null || !(card.threshold().value() > 0) || !Double.isFinite(card.threshold().value())) {
            throw new InvalidModelException(cardFile + ": threshold.value must be a positive finite number");
        }
        if (card.checksum() == null) {
            throw new InvalidModelException(cardFile + ": missing checksum");
        }
    }

    /**
     * The SavedModel's files by their names relative to its directory ({@code /} between parts), in name order, as the
     * checksum hashes them and the registry's archive packs them; links are not followed but refused, as is anything
     * else that is not a plain file or directory (see {@link #checksum}).
     */
    static TreeMap<String, Path> plainFiles(Path savedModelDir) throws IOException {
        TreeMap<String, Path> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(savedModelDir)) { // links are not followed
            for (Path f : (Iterable<Path>) walk::iterator) {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) {
                    continue;
                }
                String name = hashedName(savedModelDir.relativize(f));
                if (!a.isRegularFile()) {
                    throw new InvalidModelException("SavedModel in " + savedModelDir + " holds " + UntrustedText.shown(name, 200)
                            + ", a " + (a.isSymbolicLink() ? "link" : "special file") + ": only plain files are accepted");
                }
                files.put(name, f);
            }
        }
        return files;
    }

    /**
     * SHA-256 over the SavedModel's files in the order of their names: for each, its name relative to the directory
     * (UTF-8, its parts joined with {@code /}) and its content, each preceded by its length as eight bytes, so that no
     * two different sets of files give the same bytes to hash. {@link #CHECKSUM_PREFIX} and the digest in hex.
     *
     * <p>Refused rather than hashed: a link (the digest would vouch for what it points to, which may change, and a
     * linked directory would be left out while TensorFlow follows it), anything else that is not a plain file or
     * directory, and a name with a backslash (on Linux one file's name, which would hash as the file in a directory
     * that TensorFlow looks for).
     */
    public static String checksum(Path savedModelDir) throws InvalidModelException {
        try {
            TreeMap<String, Path> files = plainFiles(savedModelDir);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer length = ByteBuffer.allocate(Long.BYTES);
            byte[] buf = new byte[1 << 16];
            for (var e : files.entrySet()) {
                byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
                sha.update(length.clear().putLong(name.length).array());
                sha.update(name);
                long size = Files.size(e.getValue());
                sha.update(length.clear().putLong(size).array());
                long read = 0;
                try (InputStream in = Files.newInputStream(e.getValue(), LinkOption.NOFOLLOW_LINKS)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        sha.update(buf, 0, n);
                        read += n;
                    }
                }
                if (read != size) {
                    throw new IOException(e.getValue() + " changed while it was hashed (" + size + " bytes, then " + read + ")");
                }
            }
            return CHECKSUM_PREFIX + HexFormat.of().formatHex(sha.digest());
        } catch (InvalidModelException e) {
            throw e;
        } catch (IOException | UncheckedIOException e) {
            throw new InvalidModelException("cannot read SavedModel files in " + savedModelDir + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A file's name as hashed: its path's parts joined with {@code /}; refused when a part holds a backslash. */
    private static String hashedName(Path relative) throws InvalidModelException {
        StringBuilder name = new StringBuilder();
        for (Path part : relative) {
            String p = part.toString();
            if (p.indexOf('\\') >= 0) {
                throw new InvalidModelException("SavedModel file " + UntrustedText.shown(relative.toString(), 200)
                        + " has a backslash in its name, which no SavedModel file has");
            }
            name.append(name.length() == 0 ? "" : "/").append(p);
        }
        return name.toString();
    }
}
