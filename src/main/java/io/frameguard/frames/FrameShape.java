package io.frameguard.frames;

/**
 * What one frame must decode to: {@code dim} values, and for image models the geometry those values have.
 *
 * @param image null for sensor frames
 */
public record FrameShape(int dim, ImageGeometry image) {

    public FrameShape {
        if (image != null && image.dim() != dim) {
            throw new IllegalArgumentException("image " + image + " has " + image.dim() + " values, not " + dim);
        }
    }

    public static FrameShape sensor(int dim) {
        return new FrameShape(dim, null);
    }

    public static FrameShape image(ImageGeometry geometry) {
        return new FrameShape(geometry.dim(), geometry);
    }

    public boolean isImage() {
        return image != null;
    }
}
