package io.frameguard.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A model artifact as one zip (card + SavedModel), the form in which the registry stores and ships it.
 *
 * <p>Unpacking trusts nothing: entry names must stay inside the target directory (no {@code ..}, no absolute
 * paths), the unpacked size and the number of entries are capped, and the result must pass
 * {@link ModelArtifact#open} (card present and valid, SavedModel files matching the card's checksum), so a
 * truncated or tampered zip is refused.
 */
public final class ArtifactArchive {

    /** A zip that unpacks to more than this is refused (a zip bomb, or not a model). */
    public static final long MAX_UNPACKED_BYTES = 2L << 30;
    static final int MAX_ENTRIES = 10_000;

    private ArtifactArchive() {
    }

    /**
     * The artifact as a zip: its card, its signature and its SavedModel.
     *
     * @param signature the signature to ship ({@link ModelTrust#SIGNATURE_FILE}) instead of the one on disk, if any
     */
    public static byte[] pack(ModelArtifact artifact, Optional<byte[]> signature) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            // the card and its signature first: a reader verifies them before it reads further (unpack)
            putEntry(zip, ModelArtifact.CARD_FILE, Files.readAllBytes(artifact.dir().resolve(ModelArtifact.CARD_FILE)));
            Path onDisk = artifact.dir().resolve(ModelTrust.SIGNATURE_FILE);
            Optional<byte[]> shipped = signature.isPresent() ? signature
                    : Files.isRegularFile(onDisk) ? Optional.of(Files.readAllBytes(onDisk)) : Optional.empty();
            if (shipped.isPresent()) {
                putEntry(zip, ModelTrust.SIGNATURE_FILE, shipped.get());
            }
            // the SavedModel's files as its checksum reads them (plain files, links refused, not followed): the
            // SavedModel's own directory is walked, so the artifact's directory may be a link
            for (var f : ModelArtifact.plainFiles(artifact.dir().resolve(ModelArtifact.SAVED_MODEL_DIR)).entrySet()) {
                byte[] content;
                try (java.io.InputStream in = Files.newInputStream(f.getValue(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    content = in.readAllBytes();
                }
                putEntry(zip, ModelArtifact.SAVED_MODEL_DIR + "/" + f.getKey(), content);
            }
        }
        return bytes.toByteArray();
    }

    private static void putEntry(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTime(0); // the same artifact packs to the same bytes
        zip.putNextEntry(e);
        zip.write(content);
        zip.closeEntry();
    }

    /** Unpacks into {@code dir} (created; must not hold files yet) and verifies the result. */
    public static ModelArtifact unpack(byte[] archive, Path dir) throws IOException {
        return unpack(archive, dir, ModelTrust.NONE);
    }

    /**
     * Unpacks into {@code dir} (created; must not hold files yet) and opens the result with {@code trust}
     * ({@link ModelArtifact#open(Path, ModelTrust)}: the card's signature before the SavedModel's files are read).
     *
     * @throws InvalidModelException when the archive is refused (damaged, too large, entries outside the directory, ...)
     * @throws IOException (no {@link InvalidModelException}) when the disk fails it (full, not writable): the archive may
     *     be unpacked later
     */
    public static ModelArtifact unpack(byte[] archive, Path dir, ModelTrust trust) throws IOException {
        verifyBeforeUnpacking(archive, trust);
        Path root = dir.toAbsolutePath().normalize();
        try {
            onDisk(() -> Files.createDirectories(root));
            boolean empty = onDisk(() -> {
                try (Stream<Path> existing = Files.list(root)) {
                    return existing.findAny().isEmpty();
                }
            });
            if (!empty) {
                throw new InvalidModelException("refusing to unpack a model into non-empty directory " + root);
            }
            long total = 0;
            int entries = 0;
            try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
                byte[] buf = new byte[1 << 16];
                for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                    if (++entries > MAX_ENTRIES) {
                        throw new InvalidModelException("model archive has more than " + MAX_ENTRIES + " entries");
                    }
                    Path target = root.resolve(e.getName()).normalize();
                    if (!target.startsWith(root) || target.equals(root)) {
                        throw new InvalidModelException("model archive entry '" + e.getName() + "' points outside the model directory");
                    }
                    if (e.isDirectory()) {
                        onDisk(() -> Files.createDirectories(target));
                        continue;
                    }
                    onDisk(() -> Files.createDirectories(target.getParent()));
                    try (OutputStream out = onDisk(() -> Files.newOutputStream(target))) {
                        for (int n; (n = zip.read(buf)) > 0; ) {
                            total += n;
                            if (total > MAX_UNPACKED_BYTES) {
                                throw new InvalidModelException("model archive unpacks to more than " + MAX_UNPACKED_BYTES + " bytes");
                            }
                            int length = n;
                            onDisk(() -> {
                                out.write(buf, 0, length);
                                return null;
                            });
                        }
                    }
                }
            }
            if (entries == 0) {
                throw new InvalidModelException("model archive is empty or not a zip (" + archive.length + " bytes)");
            }
        } catch (InvalidModelException e) {
            throw e;
        } catch (DiskFailure e) {
            throw new IOException("cannot unpack the model into " + root + ": " + e.getCause().getMessage(), e.getCause());
        } catch (IOException | IllegalArgumentException e) {
            // IllegalArgumentException: an entry name that is no text (ZipInputStream) or no path (a NUL: InvalidPathException)
            throw new InvalidModelException("model archive cannot be unpacked: " + e.getMessage(), e);
        }
        return ModelArtifact.open(root, trust);
    }

    /** A step on the disk the model is unpacked on, whose failure is the disk's, not the archive's. */
    private interface DiskStep<T> {
        T run() throws IOException;
    }

    /** The disk failed a step of unpacking (full, not writable). */
    private static final class DiskFailure extends IOException {
        DiskFailure(IOException cause) {
            super(cause);
        }
    }

    private static <T> T onDisk(DiskStep<T> step) throws DiskFailure {
        try {
            return step.run();
        } catch (IOException e) {
            throw new DiskFailure(e);
        }
    }

    /**
     * With a verification key, the card's signature is checked in the archive itself before anything is written: a
     * writer of the registry without the key costs a replica no disk and no file of the model read. The archive is read
     * (inflated, not written) until its card and signature are found, which {@link #pack} writes first, within
     * {@link #MAX_UNPACKED_BYTES}. The unpacked card is verified again ({@link ModelArtifact#open(Path, ModelTrust)}), so
     * an archive whose later entry replaces the card verified here is refused too.
     */
    private static void verifyBeforeUnpacking(byte[] archive, ModelTrust trust) throws InvalidModelException {
        if (!trust.verifies()) {
            return;
        }
        byte[] card = null;
        byte[] signature = null;
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            byte[] skipped = new byte[1 << 16];
            for (ZipEntry e; (card == null || signature == null) && (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals(ModelArtifact.CARD_FILE) && card == null) {
                    card = ModelArtifact.readBounded(zip, ModelArtifact.MAX_CARD_BYTES, "the archive's " + ModelArtifact.CARD_FILE);
                } else if (e.getName().equals(ModelTrust.SIGNATURE_FILE) && signature == null) {
                    signature = ModelArtifact.readBounded(zip, ModelTrust.MAX_SIGNATURE_BYTES, "the archive's " + ModelTrust.SIGNATURE_FILE);
                } else {
                    for (int n; (n = zip.read(skipped)) > 0; ) {
                        total += n;
                        if (total > MAX_UNPACKED_BYTES) {
                            throw new InvalidModelException("model archive unpacks to more than " + MAX_UNPACKED_BYTES + " bytes");
                        }
                    }
                }
            }
        } catch (InvalidModelException e) {
            throw e;
        } catch (IOException | IllegalArgumentException e) { // as in unpack: an entry name that is no text
            throw new InvalidModelException("model archive cannot be read: " + e.getMessage(), e);
        }
        if (card == null) {
            throw new InvalidModelException("model archive holds no " + ModelArtifact.CARD_FILE + " (" + archive.length + " bytes)");
        }
        trust.verify(ModelArtifact.parseCard(card, "in the archive"), card, signature);
    }
}
