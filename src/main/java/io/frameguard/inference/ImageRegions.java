package io.frameguard.inference;

import io.frameguard.events.ImageRegion;

/**
 * Finds an image's {@link ImageRegion}: the connected region (4-neighbour) around the pixel of largest error whose
 * pixels reach at least {@link #LEVEL} of that largest error.
 */
public final class ImageRegions {

    /** A pixel belongs to the region when its error is at least this share of the peak error. */
    public static final float LEVEL = 0.5f;

    private ImageRegions() {}

    /** The region of one error map, {@code map[offset .. offset + w*h)}; null when the map is all zero. */
    public static ImageRegion find(float[] map, int offset, int w, int h) {
        int n = w * h;
        int peak = -1;
        double total = 0;
        for (int i = 0; i < n; i++) {
            float e = map[offset + i];
            total += e;
            if (peak < 0 || e > map[offset + peak]) {
                peak = i;
            }
        }
        float peakError = map[offset + peak];
        if (!(peakError > 0)) {
            return null;
        }
        float level = LEVEL * peakError;
        int[] queue = new int[n];
        boolean[] seen = new boolean[n];
        int head = 0;
        int tail = 0;
        queue[tail++] = peak;
        seen[peak] = true;
        int minX = w;
        int minY = h;
        int maxX = -1;
        int maxY = -1;
        double sum = 0;
        double sx = 0;
        double sy = 0;
        while (head < tail) {
            int i = queue[head++];
            int px = i % w;
            int py = i / w;
            double e = map[offset + i];
            sum += e;
            sx += e * px;
            sy += e * py;
            minX = Math.min(minX, px);
            maxX = Math.max(maxX, px);
            minY = Math.min(minY, py);
            maxY = Math.max(maxY, py);
            if (px > 0) {
                tail = visit(map, offset, i - 1, level, seen, queue, tail);
            }
            if (px + 1 < w) {
                tail = visit(map, offset, i + 1, level, seen, queue, tail);
            }
            if (py > 0) {
                tail = visit(map, offset, i - w, level, seen, queue, tail);
            }
            if (py + 1 < h) {
                tail = visit(map, offset, i + w, level, seen, queue, tail);
            }
        }
        return new ImageRegion(minX, minY, maxX - minX + 1, maxY - minY + 1, sx / sum, sy / sum, sum / total);
    }

    private static int visit(float[] map, int offset, int i, float level, boolean[] seen, int[] queue, int tail) {
        if (!seen[i] && map[offset + i] >= level) {
            seen[i] = true;
            queue[tail++] = i;
        }
        return tail;
    }
}
