package io.wmb.bench.report;

import java.util.List;
import java.util.Locale;

/**
 * Hand-written SVG charts for the report: grouped bars and percentile curves. Plain strings, no dependency; they
 * render on GitHub and in any browser.
 */
public final class Svg {

    private static final String[] COLORS = { "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1" };

    private static final int WIDTH = 720;

    private static final int HEIGHT = 360;

    private static final int LEFT = 70;

    private static final int RIGHT = 20;

    private static final int TOP = 40;

    private static final int BOTTOM = 70;

    private Svg() {
    }

    /**
     * Grouped bars: one group per category, one bar per series.
     * @param title chart title
     * @param unit the values' unit, on the axis
     * @param categories group labels
     * @param series bar labels (legend)
     * @param values {@code values[series][category]}; NaN leaves a gap
     * @return the SVG document
     */
    public static String bars(String title, String unit, List<String> categories, List<String> series,
            double[][] values) {
        double max = 0;
        for (double[] row : values) {
            for (double value : row) {
                if (Double.isFinite(value)) {
                    max = Math.max(max, value);
                }
            }
        }
        max = niceCeiling(max);
        StringBuilder svg = header(title);
        axis(svg, unit, max);
        double plotWidth = WIDTH - LEFT - RIGHT;
        double groupWidth = plotWidth / Math.max(1, categories.size());
        double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double groupX = LEFT + c * groupWidth + groupWidth * 0.1;
            for (int s = 0; s < series.size(); s++) {
                double value = values[s][c];
                if (!Double.isFinite(value)) {
                    continue;
                }
                double height = (HEIGHT - TOP - BOTTOM) * value / max;
                double x = groupX + s * barWidth;
                double y = HEIGHT - BOTTOM - height;
                svg.append(String.format(Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>%n", x, y,
                        barWidth - 2, height, COLORS[s % COLORS.length]));
                svg.append(String.format(Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%s</text>%n",
                        x + barWidth / 2 - 1, y - 3, format(value)));
            }
            double labelX = groupX + groupWidth * 0.4;
            if (categories.size() > 6) {
                // Many groups: slanted labels, so that long names do not run into each other.
                svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"end\""
                        + " transform=\"rotate(-30 %.1f %d)\">%s</text>%n", labelX, HEIGHT - BOTTOM + 12, labelX,
                        HEIGHT - BOTTOM + 12, escape(categories.get(c))));
            }
            else {
                svg.append(String.format(Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>%n", labelX,
                        HEIGHT - BOTTOM + 16, escape(categories.get(c))));
            }
        }
        legend(svg, series);
        return svg.append("</svg>\n").toString();
    }

    /**
     * Latency by percentile, on a logarithmic percentile axis (50, 90, 99, 99.9, 99.99), one line per series.
     * @param title chart title
     * @param percentiles the x values, e.g. 50, 90, 99, 99.9
     * @param series line labels
     * @param millis {@code millis[series][percentile]}
     * @return the SVG document
     */
    public static String percentiles(String title, double[] percentiles, List<String> series, double[][] millis) {
        double max = 0;
        for (double[] row : millis) {
            for (double value : row) {
                if (Double.isFinite(value)) {
                    max = Math.max(max, value);
                }
            }
        }
        max = niceCeiling(max);
        StringBuilder svg = header(title);
        axis(svg, "ms", max);
        double plotWidth = WIDTH - LEFT - RIGHT;
        double last = position(percentiles[percentiles.length - 1]);
        for (double percentile : percentiles) {
            double x = LEFT + plotWidth * position(percentile) / last;
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">p%s</text>%n", x,
                    HEIGHT - BOTTOM + 16, format(percentile)));
        }
        for (int s = 0; s < series.size(); s++) {
            StringBuilder points = new StringBuilder();
            for (int p = 0; p < percentiles.length; p++) {
                if (!Double.isFinite(millis[s][p])) {
                    continue;
                }
                double x = LEFT + plotWidth * position(percentiles[p]) / last;
                double y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * millis[s][p] / max;
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y,
                        COLORS[s % COLORS.length]));
            }
            svg.append(String.format(Locale.ROOT,
                    "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    points.toString().trim(), COLORS[s % COLORS.length]));
        }
        legend(svg, series);
        return svg.append("</svg>\n").toString();
    }

    /** x position of a percentile: -log10(1 - p/100), so that 90, 99, 99.9 are evenly spaced. */
    private static double position(double percentile) {
        return -Math.log10(Math.max(1e-6, 1 - percentile / 100.0)) + Math.log10(0.5);
    }

    private static StringBuilder header(String title) {
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\" font-weight=\"bold\">%s</text>%n",
                WIDTH / 2, escape(title)));
        return svg;
    }

    private static void axis(StringBuilder svg, String unit, double max) {
        int plotHeight = HEIGHT - TOP - BOTTOM;
        for (int tick = 0; tick <= 4; tick++) {
            double y = HEIGHT - BOTTOM - plotHeight * tick / 4.0;
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, WIDTH - RIGHT, y));
            svg.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4,
                    format(max * tick / 4.0)));
        }
        svg.append(String.format(Locale.ROOT,
                "<text x=\"14\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s"
                        + "</text>%n", TOP + plotHeight / 2, TOP + plotHeight / 2, escape(unit)));
    }

    private static void legend(StringBuilder svg, List<String> series) {
        double x = LEFT;
        for (int s = 0; s < series.size(); s++) {
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n", x, HEIGHT - 30, COLORS[s
                            % COLORS.length]));
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\">%s</text>%n", x + 16,
                    HEIGHT - 20, escape(series.get(s))));
            x += 30 + 7 * series.get(s).length();
        }
    }

    private static double niceCeiling(double max) {
        if (max <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(max)));
        for (double step : new double[] { 1, 2, 2.5, 5, 10 }) {
            if (step * magnitude >= max) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String format(double value) {
        if (value >= 100 || value == Math.rint(value)) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        return String.format(Locale.ROOT, (value >= 10) ? "%.1f" : "%.2f", value);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
