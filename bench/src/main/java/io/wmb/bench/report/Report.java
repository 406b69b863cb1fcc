package io.wmb.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Markdown report with its SVG charts, written as {@code docs/benchmarks.md} and {@code docs/bench/*.svg}.
 * Sections are appended as the phases finish, so that an interrupted run still leaves what it measured.
 */
public final class Report {

    private final Path markdown;

    private final Path chartFolder;

    private final StringBuilder text = new StringBuilder();

    private final Map<String, String> charts = new LinkedHashMap<>();

    /**
     * A report written to {@code markdown}, charts in {@code bench/} next to it.
     * @param markdown e.g. {@code docs/benchmarks.md}
     */
    public Report(Path markdown) {
        this.markdown = markdown;
        this.chartFolder = markdown.toAbsolutePath().getParent().resolve("bench");
    }

    /** Appends a paragraph (or any Markdown block). */
    public Report paragraph(String format, Object... args) {
        this.text.append(String.format(Locale.ROOT, format, args)).append("\n\n");
        return this;
    }

    /** Appends a heading of {@code level} (2 = {@code ##}). */
    public Report heading(int level, String title) {
        this.text.append("#".repeat(level)).append(' ').append(title).append("\n\n");
        return this;
    }

    /** Appends a table. */
    public Report table(List<String> header, List<List<String>> rows) {
        this.text.append("| ").append(String.join(" | ", header)).append(" |\n");
        this.text.append("|").append("---|".repeat(header.size())).append('\n');
        for (List<String> row : rows) {
            this.text.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        this.text.append('\n');
        return this;
    }

    /** Appends a chart, stored as {@code bench/<name>.svg}. */
    public Report chart(String name, String alt, String svg) {
        this.charts.put(name, svg);
        this.text.append("![").append(alt).append("](bench/").append(name).append(".svg)\n\n");
        return this;
    }

    /** Appends preformatted text. */
    public Report code(String content) {
        this.text.append("```\n").append(content.strip()).append("\n```\n\n");
        return this;
    }

    /** Writes the Markdown and every chart, replacing earlier ones. */
    public void write() throws IOException {
        Files.createDirectories(this.chartFolder);
        for (Map.Entry<String, String> chart : this.charts.entrySet()) {
            Files.writeString(this.chartFolder.resolve(chart.getKey() + ".svg"), chart.getValue());
        }
        Files.writeString(this.markdown, this.text.toString());
    }

    /** A number for a table cell: no decimals from 100 on, one below. */
    public static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (Double.isInfinite(value)) {
            return "> max bucket";
        }
        return String.format(Locale.ROOT, (Math.abs(value) >= 100) ? "%,.0f" : "%.1f", value);
    }

    /**
     * The Markdown written so far.
     * @return the text
     */
    public String markdown() {
        return this.text.toString();
    }

    /**
     * Puts a section into an existing report without touching the rest: replaces the section whose heading starts
     * with {@code headingPrefix} (up to the next {@code ## } heading), or inserts it before {@code ## Targets}, or
     * appends it.
     * @param file the report, e.g. {@code docs/benchmarks.md}
     * @param section the section's Markdown, starting with its heading
     * @param headingPrefix how its heading starts, e.g. {@code ## 7.}
     * @throws IOException when the report cannot be read or written
     */
    public static void splice(Path file, String section, String headingPrefix) throws IOException {
        List<String> lines = lines(file);
        int[] found = find(lines, headingPrefix);
        int start = found[0];
        int end = found[1];
        if (start < 0) {
            start = lines.indexOf("## Targets");
            end = start;
            if (start < 0) {
                start = lines.size();
                end = start;
            }
        }
        StringBuilder out = new StringBuilder();
        lines.subList(0, start).forEach((line) -> out.append(line).append('\n'));
        out.append(section.strip()).append("\n\n");
        lines.subList(end, lines.size()).forEach((line) -> out.append(line).append('\n'));
        Files.writeString(file, out.toString());
    }

    /**
     * A section of an existing report: from the heading that starts with {@code headingPrefix} up to the next
     * {@code ## } heading.
     * @param file the report
     * @param headingPrefix how the section's heading starts, e.g. {@code ## 7.}
     * @return the section's Markdown, empty when the report or the section does not exist
     * @throws IOException when the report cannot be read
     */
    public static Optional<String> section(Path file, String headingPrefix) throws IOException {
        List<String> lines = lines(file);
        int[] found = find(lines, headingPrefix);
        if (found[0] < 0) {
            return Optional.empty();
        }
        return Optional.of(String.join("\n", lines.subList(found[0], found[1])).strip());
    }

    /** Appends Markdown as it is, e.g. a section kept from an earlier report. */
    public Report raw(String markdown) {
        this.text.append(markdown.strip()).append("\n\n");
        return this;
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file).lines().toList() : List.of();
    }

    /** Start (or -1) and end line of the section whose heading starts with the prefix. */
    private static int[] find(List<String> lines, String headingPrefix) {
        int start = -1;
        int end = lines.size();
        for (int i = 0; i < lines.size(); i++) {
            if (start < 0 && lines.get(i).startsWith(headingPrefix)) {
                start = i;
            }
            else if (start >= 0 && lines.get(i).startsWith("## ")) {
                end = i;
                break;
            }
        }
        return new int[] { start, end };
    }
}
