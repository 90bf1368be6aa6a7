package io.frameguard.events;

/**
 * Where in an image the error is, as the score record and the anomaly event carry it: the connected region around
 * the pixel of largest error ({@code io.frameguard.inference.ImageRegions} finds it). Coordinates are pixels of the
 * model's input geometry, origin top left.
 *
 * @param x left column of the region's bounding box
 * @param y top row of the bounding box
 * @param centroidX error-weighted centre of the region
 * @param share the region's part of the image's total error, 0..1
 */
public record ImageRegion(int x, int y, int width, int height, double centroidX, double centroidY, double share) {
}
