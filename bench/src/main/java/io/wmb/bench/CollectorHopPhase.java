package io.wmb.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wmb.bench.report.Report;
import io.wmb.bench.report.Svg;

/** Phase 4: the collector's SyncVersusDeliverBenchmark (it starts its own servers). */
final class CollectorHopPhase extends Phase {

    CollectorHopPhase(BenchRun bench) {
        super(bench);
    }

    void run() throws IOException, InterruptedException {
        BenchRun.log("phase 4: reship -> collector hop (SyncVersusDeliverBenchmark)");
        int writes = this.options.quick() ? 4_000 : 8_000;
        String output = this.bench.runTestMain("collector", "io.wmb.collector.it.SyncVersusDeliverBenchmark",
                List.of(Integer.toString(writes)));
        this.report.heading(2, "4. The reship -> collector hop: batched stream against one unary call per write");
        this.report.paragraph("The collector's own `SyncVersusDeliverBenchmark` (test scope), run as a separate "
                + "process with %,d writes; it starts its own real servers (`Infrastructure.shared()`), a real reship "
                + "and collector, and a versioned in-memory processor behind the collector, so that the hop itself "
                + "is measured. Its output:", writes);
        this.report.code(output.lines().filter((text) -> text.startsWith("==") || text.contains("writes/s")
                || text.contains("replication lag") || text.contains("group commit")).reduce("", (a, b) -> a + b
                        + "\n"));
        Pattern rate = Pattern.compile("^(.+?)\\s+\\d+ writes in\\s+\\d+ ms =\\s+(\\d+) writes/s", Pattern.MULTILINE);
        List<List<String>> rows = new ArrayList<>();
        String link = "";
        Map<String, Double> zeroMs = new LinkedHashMap<>();
        List<String> categories = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (String text : output.lines().toList()) {
            if (text.startsWith("== link round-trip")) {
                link = text.replace("== link round-trip ", "").replace(" ==", "");
                continue;
            }
            Matcher matcher = rate.matcher(text);
            if (matcher.find()) {
                double perSecond = Double.parseDouble(matcher.group(2));
                rows.add(List.of(link, matcher.group(1).trim(), Report.number(perSecond)));
                if ("0 ms".equals(link)) {
                    zeroMs.put(matcher.group(1).trim(), perSecond);
                    categories.add(shorten(matcher.group(1).trim()));
                    values.add(perSecond);
                }
            }
        }
        this.report.table(List.of("link RTT", "what", "writes/s"), rows);
        if (!values.isEmpty()) {
            this.report.chart("reship-collector", "Batched vs unary", Svg.bars("reship -> collector, link 0 ms",
                    "writes/s", categories, List.of("writes/s"), new double[][] { values.stream()
                        .mapToDouble(Double::doubleValue).toArray() }));
        }
        double unary = zeroMs.entrySet().stream().filter((entry) -> entry.getKey().contains("1 caller"))
            .mapToDouble(Map.Entry::getValue).findFirst().orElse(Double.NaN);
        double unary8 = zeroMs.entrySet().stream().filter((entry) -> entry.getKey().contains("8 callers"))
            .mapToDouble(Map.Entry::getValue).findFirst().orElse(Double.NaN);
        double batched = zeroMs.entrySet().stream().filter((entry) -> entry.getKey().startsWith("Sync stream"))
            .mapToDouble(Map.Entry::getValue).findFirst().orElse(Double.NaN);
        this.targets.add(String.format(Locale.ROOT, "batched hop >= 5x unary (0 ms link)\t%.1fx one unary caller, "
                + "%.1fx 8 unary callers (%s)", batched / unary, batched / unary8, (batched / unary8 >= 5) ? "met"
                        : (batched / unary >= 5) ? "met against one caller, missed against 8" : "missed"));
    }

    private static String shorten(String what) {
        if (what.startsWith("Deliver")) {
            return what.contains("8 callers") ? "unary, 8 callers" : "unary, 1 caller";
        }
        if (what.startsWith("Sync")) {
            return "Sync stream (batched)";
        }
        if (what.contains("steady")) {
            return "pipeline at 100/s";
        }
        return "pipeline Submit->apply";
    }
}
