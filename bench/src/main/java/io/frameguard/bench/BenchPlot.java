package io.frameguard.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Line charts of benchmark curves as PNG (Java2D: no plotting library for two curves). */
final class BenchPlot {

    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e)};
    private static final int W = 900;
    private static final int H = 520;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;

    /** @param points each {x, y} */
    record Series(String name, List<double[]> points) {}

    private BenchPlot() {}

    static void lines(Path png, String title, String xLabel, String yLabel, List<Series> series, boolean logX) throws IOException {
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series) {
            for (double[] p : s.points()) {
                xMin = Math.min(xMin, x(p[0], logX));
                xMax = Math.max(xMax, x(p[0], logX));
                yMax = Math.max(yMax, p[1]);
            }
        }
        yMax = niceCeiling(yMax);
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        // grid and axes
        g.setColor(new Color(0xdddddd));
        for (int i = 0; i <= 5; i++) {
            int y = TOP + plotH - plotH * i / 5;
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format(Locale.ROOT, "%,.0f", yMax * i / 5), 8, y + 5);
            g.setColor(new Color(0xdddddd));
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(LEFT, TOP, plotW, plotH);
        if (!series.isEmpty()) {
            for (double[] p : series.get(0).points()) {
                int px = LEFT + (int) ((x(p[0], logX) - xMin) / Math.max(1e-9, xMax - xMin) * plotW);
                g.drawLine(px, TOP + plotH, px, TOP + plotH + 5);
                String label = String.format(Locale.ROOT, "%.0f", p[0]);
                g.drawString(label, px - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 20);
            }
        }
        g.drawString(xLabel, LEFT + plotW / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, H - 25);
        g.drawString(yLabel, 8, TOP - 12);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, LEFT, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        // curves and legend
        for (int s = 0; s < series.size(); s++) {
            g.setColor(COLORS[s % COLORS.length]);
            g.setStroke(new BasicStroke(2.5f));
            int lastX = -1;
            int lastY = -1;
            for (double[] p : series.get(s).points()) {
                int px = LEFT + (int) ((x(p[0], logX) - xMin) / Math.max(1e-9, xMax - xMin) * plotW);
                int py = TOP + plotH - (int) (p[1] / yMax * plotH);
                g.fillOval(px - 4, py - 4, 8, 8);
                if (lastX >= 0) {
                    g.drawLine(lastX, lastY, px, py);
                }
                lastX = px;
                lastY = py;
            }
            g.fillRect(LEFT + 15, TOP + 15 + 20 * s, 14, 4);
            g.setColor(Color.BLACK);
            g.drawString(series.get(s).name(), LEFT + 36, TOP + 21 + 20 * s);
        }
        g.dispose();
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        ImageIO.write(img, "png", png.toFile());
    }

    private static double x(double v, boolean log) {
        return log ? Math.log(v) / Math.log(2) : v;
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
