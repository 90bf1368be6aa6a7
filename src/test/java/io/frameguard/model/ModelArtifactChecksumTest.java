package io.frameguard.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SavedModel checksum that a card (and so its signature) vouches for: one digest for one set of files only. */
class ModelArtifactChecksumTest {

    @TempDir
    Path tmp;

    private Path dir(String name, String... pathsAndContents) throws Exception {
        Path d = tmp.resolve(name);
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            Path f = d.resolve(pathsAndContents[i]);
            Files.createDirectories(f.getParent());
            Files.write(f, pathsAndContents[i + 1].getBytes(StandardCharsets.ISO_8859_1));
        }
        return d;
    }

    @Test
    void filesSplitOrJoinedDifferentlyHashDifferently() throws Exception {
        // the same bytes in a row, path, NUL, content, path, NUL, content: two files, or one whose content holds the
        // second's path and NUL; a digest of the bytes alone cannot tell them apart, so a signed card would vouch for both
        Path two = dir("two", "saved_model.pb", "graph", "variables/variables.index", "weights");
        Path one = dir("one", "saved_model.pb", "graphvariables/variables.index\0weights");
        assertThat(ModelArtifact.checksum(one)).isNotEqualTo(ModelArtifact.checksum(two));
        // a file's content moved into its path
        Path moved = dir("moved", "saved_model.pb", "graph", "variables/variables.indexw", "eights");
        assertThat(ModelArtifact.checksum(moved)).isNotEqualTo(ModelArtifact.checksum(two));
    }

    @Test
    void theSameFilesHashTheSameWhereverTheyLie() throws Exception {
        Path a = dir("a", "saved_model.pb", "graph", "variables/variables.index", "weights", "assets/a0", "x", "assets/a/x", "y");
        Path b = dir("b", "assets/a/x", "y", "assets/a0", "x", "variables/variables.index", "weights", "saved_model.pb", "graph");
        assertThat(ModelArtifact.checksum(a)).isEqualTo(ModelArtifact.checksum(b)).startsWith(ModelArtifact.CHECKSUM_PREFIX);
        Files.writeString(b.resolve("saved_model.pb"), "grapH");
        assertThat(ModelArtifact.checksum(a)).isNotEqualTo(ModelArtifact.checksum(b));
    }

    @Test
    void aFileNamedWithABackslashIsRefusedNotHashedAsADirectory() throws Exception {
        // on Linux "variables\\variables.index" is one file's name; hashed as "variables/variables.index" it would pass
        // for the weights file that TensorFlow then does not find
        Path d = dir("backslash", "saved_model.pb", "graph", "variables\\variables.index", "weights");
        assertThatThrownBy(() -> ModelArtifact.checksum(d)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("variables\\variables.index");
    }

    @Test
    void aLinkIsRefusedNotFollowed() throws Exception {
        Path outside = dir("outside", "variables.index", "weights");
        Path file = dir("file-link", "saved_model.pb", "graph");
        Files.createDirectories(file.resolve("variables"));
        Files.createSymbolicLink(file.resolve("variables/variables.index"), outside.resolve("variables.index"));
        assertThatThrownBy(() -> ModelArtifact.checksum(file)).isInstanceOf(InvalidModelException.class).hasMessageContaining("link");
        Path directory = dir("dir-link", "saved_model.pb", "graph");
        Files.createSymbolicLink(directory.resolve("variables"), outside);
        assertThatThrownBy(() -> ModelArtifact.checksum(directory)).isInstanceOf(InvalidModelException.class).hasMessageContaining("link");
    }

    @Test
    void aCardWithTheEarlierChecksumFormatIsRefusedSayingSo() throws Exception {
        ModelArtifact model = TestModels.trainSensorModel(tmp.resolve("model"), 300, 1, 1);
        ModelArtifact.open(model.dir());
        // the card as earlier builds sealed it: the digest of path, NUL and content of each file, which its files match
        String old = unframedChecksum(model.savedModelDir());
        Path card = model.dir().resolve(ModelArtifact.CARD_FILE);
        Files.writeString(card, Files.readString(card).replace(model.card().checksum(), old));
        assertThatThrownBy(() -> ModelArtifact.open(model.dir())).isInstanceOfSatisfying(InvalidModelException.class, e -> {
            assertThat(e.reason()).isEqualTo(InvalidModelException.Reason.CHECKSUM_FORMAT);
            assertThat(e).hasMessageContaining(old).hasMessageContaining("earlier builds").hasMessageContaining("train or export");
        });
    }

    /** The checksum format of earlier builds: SHA-256 over each file's path, a NUL and its content, in path order. */
    private static String unframedChecksum(Path savedModel) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> walk = Files.walk(savedModel)) {
            for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
                sha.update(savedModel.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(Files.readAllBytes(f));
            }
        }
        return "sha256:" + HexFormat.of().formatHex(sha.digest());
    }
}
