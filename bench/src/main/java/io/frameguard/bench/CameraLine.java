package io.frameguard.bench;

import io.frameguard.datasets.FrameFile;
import io.frameguard.frames.ImageGeometry;
import java.util.List;
import java.util.Random;

/**
 * A simulated camera line: one product (a washer, a bright ring on a dark belt) photographed again and again, a little
 * off centre, under light that drifts a little, with sensor noise; and the defects an inspection camera exists for, each
 * of a kind and anywhere on the part. Every picture of the line is alike as a whole, so what tells one defect from
 * another is where and how the picture departs from the product, which is what the anomaly memory's search must find.
 */
final class CameraLine {

    /** Pixels per side of a picture. */
    static final int SIDE = 32;
    static final ImageGeometry GEOMETRY = new ImageGeometry(SIDE, SIDE, 1);

    /** The defect kinds, each drawn by {@link #defect}. */
    static final List<String> KINDS = List.of("dark-spot", "scratch", "chip", "wrong-shade", "blur");

    private static final double OUTER = 12;
    private static final double INNER = 5;
    private static final double BELT = 0.12;
    private static final double PART = 0.72;
    /** How far the part sits from the centre, in pixels, at most (the conveyor's play). */
    private static final double PLAY = 1.0;
    private static final double LIGHT = 0.05;
    private static final double NOISE = 0.02;

    private final Random random;

    CameraLine(long seed) {
        random = new Random(seed);
    }

    /** {@code n} normal pictures as a frame file of unit-scaled gray pixels. */
    FrameFile normal(int n) {
        float[] values = new float[n * SIDE * SIDE];
        for (int i = 0; i < n; i++) {
            System.arraycopy(picture(null), 0, values, i * SIDE * SIDE, SIDE * SIDE);
        }
        return new FrameFile(SIDE * SIDE, n, values, null, GEOMETRY);
    }

    /** One picture, normal when {@code kind} is null, else with a defect of that kind somewhere on the part. */
    float[] picture(String kind) {
        double cx = (SIDE - 1) / 2.0 + (random.nextDouble() * 2 - 1) * PLAY;
        double cy = (SIDE - 1) / 2.0 + (random.nextDouble() * 2 - 1) * PLAY;
        double light = 1 + (random.nextDouble() * 2 - 1) * LIGHT;
        double shadeDraw = random.nextDouble(); // drawn for every picture: one seed places every kind's defect alike
        double shade = "wrong-shade".equals(kind) ? 0.55 + 0.1 * shadeDraw : 1;
        // a defect's place: on the ring, at a random angle and radius
        double angle = random.nextDouble() * 2 * Math.PI;
        double radius = INNER + 1.5 + random.nextDouble() * (OUTER - INNER - 3);
        double dx = cx + radius * Math.cos(angle);
        double dy = cy + radius * Math.sin(angle);
        double scratchAngle = random.nextDouble() * Math.PI;
        double[] plain = new double[SIDE * SIDE];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double r = Math.hypot(x - cx, y - cy);
                double ring = edge(OUTER - r) * edge(r - INNER);
                double v = BELT + (PART * shade - BELT) * ring;
                if ("dark-spot".equals(kind)) {
                    v -= 0.5 * ring * Math.exp(-(sq(x - dx) + sq(y - dy)) / (2 * sq(1.3)));
                } else if ("scratch".equals(kind)) {
                    double along = (x - dx) * Math.cos(scratchAngle) + (y - dy) * Math.sin(scratchAngle);
                    double across = -(x - dx) * Math.sin(scratchAngle) + (y - dy) * Math.cos(scratchAngle);
                    if (Math.abs(along) < 5) {
                        v += 0.4 * ring * Math.exp(-sq(across) / (2 * sq(0.7)));
                    }
                } else if ("chip".equals(kind)) {
                    // a bite out of the rim, where the outer edge is nearest the defect's angle
                    double rx = cx + OUTER * Math.cos(angle);
                    double ry = cy + OUTER * Math.sin(angle);
                    if (Math.hypot(x - rx, y - ry) < 3.5) {
                        v = BELT;
                    }
                }
                plain[y * SIDE + x] = v * light;
            }
        }
        double[] seen = "blur".equals(kind) ? blurred(plain) : plain;
        float[] out = new float[SIDE * SIDE];
        for (int p = 0; p < out.length; p++) {
            out[p] = (float) Math.min(1, Math.max(0, seen[p] + random.nextGaussian() * NOISE));
        }
        return out;
    }

    /** A soft edge one pixel wide: 0 outside, 1 inside. */
    private static double edge(double inside) {
        return Math.min(1, Math.max(0, inside + 0.5));
    }

    private static double sq(double v) {
        return v * v;
    }

    /** The picture out of focus: a 5x5 box blur. */
    private static double[] blurred(double[] in) {
        double[] out = new double[in.length];
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                double sum = 0;
                int n = 0;
                for (int j = -2; j <= 2; j++) {
                    for (int i = -2; i <= 2; i++) {
                        int yy = y + j;
                        int xx = x + i;
                        if (yy >= 0 && yy < SIDE && xx >= 0 && xx < SIDE) {
                            sum += in[yy * SIDE + xx];
                            n++;
                        }
                    }
                }
                out[y * SIDE + x] = sum / n;
            }
        }
        return out;
    }
}
