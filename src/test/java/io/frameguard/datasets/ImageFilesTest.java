package io.frameguard.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.frameguard.frames.ImageGeometry;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A directory of a user's own pictures as train and score read it ({@link ImageFiles#readImageDir}). */
class ImageFilesTest {

    @TempDir
    Path dir;

    /** A palette PNG (pngquant's, TinyPNG's) has one band of indices, not of gray: its colours make an RGB model. */
    @Test
    void aPalettePngFirstMakesAColourModel() throws Exception {
        byte[] red = {(byte) 255, 0};
        byte[] green = {0, (byte) 255};
        byte[] blue = {0, 0};
        BufferedImage palette = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, red, green, blue));
        palette.getRaster().setSample(1, 0, 0, 1); // one green pixel on red
        ImageIO.write(palette, "png", dir.resolve("a-palette.png").toFile());
        ImageIO.write(new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("b-rgb.png").toFile());

        ImageFiles.ImageDir read = ImageFiles.readImageDir(dir, null, false);
        assertThat(read.frames().image()).isEqualTo(new ImageGeometry(4, 2, 3));
        float[] v = read.frames().values();
        assertThat(new float[] {v[0], v[1], v[2]}).containsExactly(1f, 0f, 0f); // red, not its brightness
        assertThat(new float[] {v[3], v[4], v[5]}).containsExactly(0f, 1f, 0f);
        assertThat(read.doubts()).isEmpty();
    }

    /**
     * A gray PNG of 1, 2 or 4 bits (masks, line scans) is read by ImageIO as an indexed image of gray entries: it makes a
     * gray model with its grays, not a colour one (its first version read the palette's indices as grays).
     */
    @Test
    void aGrayPngOfFewBitsMakesAGrayModel() throws Exception {
        BufferedImage mask = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_BINARY);
        mask.getRaster().setSample(1, 0, 0, 1); // one white pixel on black
        ImageIO.write(mask, "png", dir.resolve("mask.png").toFile());
        BufferedImage read = ImageIO.read(dir.resolve("mask.png").toFile());
        assertThat(read.getColorModel()).isInstanceOf(IndexColorModel.class);

        ImageFiles.ImageDir images = ImageFiles.readImageDir(dir, null, false);
        assertThat(images.frames().image()).isEqualTo(new ImageGeometry(4, 2, 1));
        assertThat(images.frames().values()).containsExactly(0f, 1f, 0f, 0f, 0f, 0f, 0f, 0f);
        // a palette of grays in no order: each pixel is its entry's gray, not its index
        byte[] grays = {(byte) 200, 10};
        BufferedImage shuffled = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(1, 2, grays, grays, grays));
        shuffled.getRaster().setSample(1, 0, 0, 1);
        Path other = java.nio.file.Files.createDirectory(dir.resolve("shuffled"));
        ImageIO.write(shuffled, "png", other.resolve("s.png").toFile());
        float[] v = ImageFiles.readImageDir(other, null, false).frames().values();
        assertThat(v[0]).isCloseTo(200 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(v[1]).isCloseTo(10 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
    }

    /** macOS writes ._NAME beside each file of a zip it makes: no image, and no reason to refuse the directory. */
    @Test
    void hiddenFilesAreLeftOut() throws Exception {
        ImageIO.write(new BufferedImage(3, 3, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("part-1.png").toFile());
        Files.write(dir.resolve("._part-1.png"), new byte[] {0, 5, 22, 7, 0, 2, 0, 0});
        ImageFiles.ImageDir read = ImageFiles.readImageDir(dir, null, false);
        assertThat(read.files()).containsExactly("part-1.png");
        assertThat(read.frames().rows()).isEqualTo(1);
    }

    /** Images of another size or colour than the first are converted, and that is said. */
    @Test
    void imagesOfAnotherSizeOrColourAreSaid() throws Exception {
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("a.png").toFile());
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("b.png").toFile());
        ImageIO.write(new BufferedImage(16, 12, BufferedImage.TYPE_BYTE_GRAY), "png", dir.resolve("c.png").toFile());
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("d.png").toFile());
        ImageFiles.ImageDir read = ImageFiles.readImageDir(dir, null, false);
        assertThat(read.frames().image()).isEqualTo(new ImageGeometry(8, 8, 1));
        assertThat(read.doubts()).singleElement().asString()
                .contains("2 of the 4 images are not 8x8x1 like the first but 1 x 16x12x1, 1 x 8x8x3", "colour dropped", "--image-size");
        // converted to a size asked for: said, without the hint
        read = ImageFiles.readImageDir(dir, new ImageGeometry(4, 4, 1), false);
        assertThat(read.doubts()).singleElement().asString().contains("2 of the 4", "converted to 4x4x1").doesNotContain("--image-size");
        // pictures all alike, converted to another size (score's model, train's --image-size): nothing to say
        java.nio.file.Files.delete(dir.resolve("c.png"));
        java.nio.file.Files.delete(dir.resolve("d.png"));
        assertThat(ImageFiles.readImageDir(dir, new ImageGeometry(4, 4, 1), false).doubts()).isEmpty();
    }

    /** Pictures read at their own size (a camera's) that the heap cannot train on are refused with what to do. */
    @Test
    void moreImageValuesThanTheHeapCanTrainOnAreRefusedWithWhatToDo() throws Exception {
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", dir.resolve("a.png").toFile());
        long heap = Runtime.getRuntime().maxMemory();
        int files = (int) Math.min(Integer.MAX_VALUE, heap / (4L * 900 * 900 * 3) + 1); // more than the heap in values
        assertThatThrownBy(() -> ImageFiles.valuesFor(dir, files, new ImageGeometry(900, 900, 3), true))
                .isInstanceOf(FrameFile.FrameFormatException.class)
                .hasMessageContaining("images of 900x900x3").hasMessageContaining("--image-size")
                .hasMessageContaining("128x128x3").hasMessageContaining("JAVA_OPTS=-Xmx");
        assertThat(ImageFiles.valuesFor(dir, 10, new ImageGeometry(28, 28, 1), true)).isEqualTo(7840);
        // more values than one array holds, whatever the size: refused, not an overflow
        assertThatThrownBy(() -> ImageFiles.valuesFor(dir, 1_000_000, new ImageGeometry(900, 900, 3), false))
                .isInstanceOf(FrameFile.FrameFormatException.class).hasMessageContaining("read the directory in parts");
    }
}
