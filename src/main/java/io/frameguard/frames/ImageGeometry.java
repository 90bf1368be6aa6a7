package io.frameguard.frames;

/**
 * Width, height and channels (1 = grayscale, 3 = RGB) of the images a model reads. Pixels are laid out
 * row-major with channels last ({@code [y][x][c]}), 8-bit values scaled to [0, 1].
 */
public record ImageGeometry(int width, int height, int channels) {

    public static final int GRAY = 1;
    public static final int RGB = 3;

    public ImageGeometry {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
        if (channels != GRAY && channels != RGB) {
            throw new IllegalArgumentException("image channels must be 1 (gray) or 3 (RGB), got " + channels);
        }
    }

    /** Values per frame. */
    public int dim() {
        return width * height * channels;
    }

    /** Pixels per frame: the length of a per-pixel error map. */
    public int pixels() {
        return width * height;
    }

    @Override
    public String toString() {
        return width + "x" + height + "x" + channels;
    }
}
