package io.frameguard.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageLoadTest {

    @TempDir
    Path dir;

    /** Image i of the file is 2x3 pixels all of value i; its label is {@code labels[i]}. */
    private Path idx(int... labels) throws IOException {
        Path images = dir.resolve("t-images-idx3-ubyte");
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(images));
                DataOutputStream l = new DataOutputStream(Files.newOutputStream(dir.resolve("t-labels-idx1-ubyte")))) {
            out.writeInt(0x803);
            out.writeInt(labels.length);
            out.writeInt(3);
            out.writeInt(2);
            l.writeInt(0x801);
            l.writeInt(labels.length);
            for (int i = 0; i < labels.length; i++) {
                for (int p = 0; p < 6; p++) {
                    out.writeByte(i);
                }
                l.writeByte(labels[i]);
            }
        }
        return images;
    }

    @Test
    void aBacklogIsTheNormalClassWithEveryFiftiethFrameOfAnother() throws IOException {
        ImageLoad load = ImageLoad.read(idx(0, 3, 0, 7, 0));
        assertThat(load.width()).isEqualTo(2);
        assertThat(load.height()).isEqualTo(3);
        assertThat(load.normal()).hasSize(3);
        assertThat(load.others()).hasSize(2);
        for (int i = 0; i < 200; i++) {
            int value = load.frame(i)[0];
            if (i % FrameLoad.FAULT_EVERY == FrameLoad.FAULT_EVERY - 1) {
                assertThat(value).as("frame %d", i).isIn(1, 3);
            } else {
                assertThat(value).as("frame %d", i).isIn(0, 2, 4);
            }
        }
        assertThat(load.frame(49)).isNotEqualTo(load.frame(99)); // the anomalies take the other classes in turn
        assertThat(load.pool()).hasNumberOfRows(3);
        assertThat(load.pool()[1][0]).isEqualTo(2 / 255f);
    }

    @Test
    void aFileWithoutAnomalousClassesIsRefused() throws IOException {
        Path images = idx(0, 0);
        assertThatThrownBy(() -> ImageLoad.read(images)).hasMessageContaining("needs images of class 0 and of other classes");
    }
}
