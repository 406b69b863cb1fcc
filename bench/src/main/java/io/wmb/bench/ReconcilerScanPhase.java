package io.wmb.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wmb.bench.report.Report;

/** Phase 5: the reconciler's ScanBenchmark against the demo's Elasticsearch. */
final class ReconcilerScanPhase extends Phase {

    ReconcilerScanPhase(BenchRun bench) {
        super(bench);
    }

    void run() throws IOException, InterruptedException {
        BenchRun.log("phase 5: reconciler scan (ScanBenchmark)");
        int records = this.options.quick() ? 200_000 : 1_000_000;
        String elasticsearch = "http://127.0.0.1:" + (9200 + this.options.offset());
        String output = this.bench.runTestMain("reconciler", "io.wmb.reconciler.bench.ScanBenchmark",
                List.of(elasticsearch, Integer.toString(records), "reuse"));
        this.report.heading(2, "5. Reconciler: scanning a window of the processing log");
        this.report.paragraph("The reconciler's own `ScanBenchmark` (test scope), run as a separate process against "
                + "the demo's Elasticsearch: it bulk-loads %,d records (five per request, 0.1%% of requests stuck "
                + "after `RESHIPPED`) into a daily index of their own (kept between runs: `reuse`; loaded two bulk "
                + "requests at a time with the index's refresh off, so the segment count below depends on how far "
                + "merging kept up), then scans the whole window and its first tenth five times each at "
                + "parallelism 1 and 2, and times the plain composite aggregation on the same data for comparison.",
                records);
        Pattern line = Pattern.compile("^(whole window|first tenth), parallelism (\\d), run (\\d): ([\\d,]+) records.*"
                + "?(\\d+) incomplete, (\\d+) ms", Pattern.MULTILINE);
        Matcher matcher = line.matcher(output);
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, String> counts = new LinkedHashMap<>();
        while (matcher.find()) {
            String key = matcher.group(1) + ", parallelism " + matcher.group(2);
            // The first run of each includes cold caches: warm runs only.
            if (!"1".equals(matcher.group(3))) {
                times.computeIfAbsent(key, (k) -> new ArrayList<>()).add(Double.parseDouble(matcher.group(6)));
            }
            counts.put(key, matcher.group(4) + " records, " + matcher.group(5) + " incomplete found");
        }
        List<List<String>> rows = new ArrayList<>();
        double wholeBest = Double.NaN;
        for (Map.Entry<String, List<Double>> entry : times.entrySet()) {
            double median = Stats.median(entry.getValue().stream().mapToDouble(Double::doubleValue).toArray());
            DoubleSummaryStatistics range = entry.getValue().stream().mapToDouble(Double::doubleValue)
                .summaryStatistics();
            rows.add(List.of(entry.getKey(), counts.get(entry.getKey()), Report.number(median),
                    Report.number(range.getMin()), Report.number(range.getMax())));
            if (entry.getKey().startsWith("whole window")) {
                wholeBest = Double.isNaN(wholeBest) ? median : Math.min(wholeBest, median);
            }
        }
        this.report.table(List.of("window", "scanned", "median ms (warm runs)", "min ms", "max ms"), rows);
        this.report.code(output.lines().filter((text) -> text.startsWith("loaded") || text.startsWith("baseline"))
            .reduce("", (a, b) -> a + b + "\n"));
        if (records == 1_000_000) {
            this.targets.add(String.format(Locale.ROOT, "1,000,000-record scan <= 1 s (issue: <= 10 s)\t%s ms, best "
                    + "parallelism (%s)", Report.number(wholeBest), (wholeBest <= 1000) ? "met" : "missed"));
        }
    }
}
