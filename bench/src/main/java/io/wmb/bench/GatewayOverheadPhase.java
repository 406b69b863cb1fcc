package io.wmb.bench;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

import io.wmb.bench.demo.CpuMeter;
import io.wmb.bench.demo.PrometheusHistogram;
import io.wmb.bench.load.LoadRequest;
import io.wmb.bench.load.LoadResult;
import io.wmb.bench.reference.ReferenceHops;
import io.wmb.bench.report.Report;
import io.wmb.bench.report.Svg;

/** Phase 3: the same open-loop reads and writes through edge + gateway and directly. */
final class GatewayOverheadPhase extends Phase {

    /** The first of the four ports (plus the demo's offset) of the reference hops, free in the demo's port plan. */
    private static final int REFERENCE_PORT = 8095;

    GatewayOverheadPhase(BenchRun bench) {
        super(bench);
    }

    void run(ThroughputPhase.Result phase1) throws IOException, InterruptedException {
        BenchRun.log("phase 3: gateway overhead");
        List<Long> ids = this.bench.createPosts(200);
        // Well under the edge's maximum, so that the added latency is the hops' and not queuing.
        double rate = Math.max(50, Math.floor(phase1.edgeMax() * 0.5 / 50) * 50);
        // Six seconds: with the side-by-side maxima below, phase 3 must leave the whole run under 15 minutes.
        Duration duration = Duration.ofSeconds(6);
        int runs = this.options.quick() ? 1 : 2;
        Map<String, List<LoadResult>> results = new LinkedHashMap<>();
        for (int run = 1; run <= runs; run++) {
            for (String kind : List.of("writes", "reads")) {
                for (String path : List.of("edge", "direct")) {
                    String base = "edge".equals(path) ? this.demo.edgeUrl() : this.demo.processorUrl("unicom");
                    LongFunction<LoadRequest> requests = "writes".equals(kind) ? Workload.writes(base, "gw-" + run)
                            : Workload.reads(base, ids);
                    LoadResult result = this.load.constantRate(kind + " " + path, rate, duration, 256, requests);
                    BenchRun.log(result);
                    results.computeIfAbsent(kind + " " + path, (key) -> new ArrayList<>()).add(result);
                }
            }
        }
        SideBySide maxima = maximaSideBySide(ids);
        this.report.heading(2, "3. Gateway overhead: edge + gateway against the processor directly");
        this.report.paragraph("Open loop at %.0f requests/s (half the edge's maximum write rate), %d run(s) of %d s "
                + "per cell, alternating; latency from the intended send time (p50 / p99 / p99.9 of the run with the "
                + "median p99). Then maximum rates (closed loop, 64 outstanding).", rate, runs, duration.toSeconds());
        List<List<String>> rows = new ArrayList<>();
        for (String kind : List.of("writes", "reads")) {
            LoadResult edge = Stats.medianByP99(results.get(kind + " edge"));
            LoadResult direct = Stats.medianByP99(results.get(kind + " direct"));
            rows.add(List.of(kind, Report.number(edge.throughput()) + " / " + Report.number(direct.throughput()),
                    Report.number(edge.latencyMillis(50)) + " / " + Report.number(direct.latencyMillis(50)),
                    Report.number(edge.latencyMillis(99)) + " / " + Report.number(direct.latencyMillis(99)),
                    Report.number(edge.latencyMillis(99.9)) + " / " + Report.number(direct.latencyMillis(99.9)),
                    Report.number(edge.latencyMillis(50) - direct.latencyMillis(50)),
                    Report.number(edge.latencyMillis(99) - direct.latencyMillis(99))));
        }
        this.report.table(List.of("requests", "answered/s edge / direct", "p50 ms edge / direct",
                "p99 ms edge / direct", "p99.9 ms edge / direct", "added p50 ms", "added p99 ms"), rows);
        double writeRatio = phase1.ratio();
        double readRatio = maxima.ratio(SideBySide.EDGE, "reads");
        this.report.table(List.of("maximum rate", "edge", "direct", "edge / direct"), List.of(
                List.of("writes/s (phase 1, median)", Report.number(phase1.edgeMax()),
                        Report.number(phase1.directMax()), String.format(Locale.ROOT, "%.2f", writeRatio)),
                List.of("reads/s (below, median)", Report.number(maxima.rate(SideBySide.EDGE, "reads")),
                        Report.number(maxima.rate(SideBySide.DIRECT, "reads")),
                        String.format(Locale.ROOT, "%.2f", readRatio))));
        reportSideBySide(maxima);
        LoadResult writesEdge = Stats.medianByP99(results.get("writes edge"));
        LoadResult writesDirect = Stats.medianByP99(results.get("writes direct"));
        LoadResult readsEdge = Stats.medianByP99(results.get("reads edge"));
        LoadResult readsDirect = Stats.medianByP99(results.get("reads direct"));
        this.report.chart("gateway-latency", "Latency by percentile, edge vs direct",
                Svg.percentiles(String.format(Locale.ROOT, "Latency at %.0f req/s (open loop, CO-corrected)", rate),
                        Stats.PERCENTILES,
                        List.of("writes via edge", "writes direct", "reads via edge", "reads direct"),
                        new double[][] { Stats.percentiles(writesEdge), Stats.percentiles(writesDirect),
                            Stats.percentiles(readsEdge), Stats.percentiles(readsDirect) }));
        StringBuilder references = new StringBuilder();
        for (Lane lane : maxima.lanes()) {
            if (!lane.reference()) {
                continue;
            }
            references.append(String.format(Locale.ROOT, "%s two %s hops: writes %.0f%%, reads %.0f%%",
                    (references.isEmpty()) ? "" : ";",
                    lane.name(), 100 * maxima.ratio(lane.name(), "writes"), 100 * maxima.ratio(lane.name(), "reads")));
        }
        // The writes' ratio twice: phase 1's (longer runs) and the side-by-side lanes' (the same rounds as the
        // references'), so that the references sit next to a figure measured their way. Met only if both are, and the
        // reads' ratio too.
        double sideBySideWriteRatio = maxima.ratio(SideBySide.EDGE, "writes");
        this.targets.add(String.format(Locale.ROOT, "edge + gateway >= 85%% of direct\twrites %.0f%% (phase 1; %.0f%% "
                + "side by side), reads %.0f%% (%s)%s",
                100 * writeRatio, 100 * sideBySideWriteRatio, 100 * readRatio,
                (Math.min(Math.min(writeRatio, sideBySideWriteRatio), readRatio) >= 0.85) ? "met" : "missed",
                references.isEmpty() ? "" : "; in the same rounds," + references));
    }

    /**
     * Maximum rates of writes and reads through each lane, alternating within each round: the edge, the processor
     * directly and, as references for what any two proxy hops cost on this machine, {@link ReferenceHops}.
     */
    private SideBySide maximaSideBySide(List<Long> ids) throws IOException, InterruptedException {
        int rounds = this.options.quick() ? 1 : 3;
        // Writes ramp up slower than reads (64 first requests through a whole pipeline): a second more for them.
        Duration duration = Duration.ofSeconds(3);
        Duration writesDuration = Duration.ofSeconds(4);
        Map<String, Long> services = this.bench.servicePids();
        List<Lane> lanes = new ArrayList<>();
        lanes.add(new Lane(SideBySide.EDGE, "the edge and the unicom gateway (WMB on Spring Cloud Gateway)",
                this.demo.edgeUrl(), pidsOf(services, "edge", "gateway-unicom"), false));
        lanes.add(new Lane(SideBySide.DIRECT, "the unicom processor, no hop", this.demo.processorUrl("unicom"),
                Map.of(), false));
        List<String> notes = new ArrayList<>();
        ReferenceHops hops = null;
        try {
            hops = ReferenceHops.start(this.demo.processorUrl("unicom"), REFERENCE_PORT + this.options.offset(),
                    this.options.repository().resolve("bench/target/reference-hops"), DemoSettings.serviceJvmFlags(),
                    DemoSettings.gatewayEventLoops());
            for (ReferenceHops.Chain chain : hops.chains()) {
                Map<String, Long> pids = new LinkedHashMap<>();
                chain.pids().forEach((pid) -> pids.put(chain.name() + " " + pid, pid));
                lanes.add(new Lane(chain.name(), chain.description(), chain.url(), pids, true));
            }
            notes.addAll(hops.skipped());
            // The JVM hops' JIT compilers start cold, unlike the demo's services after phase 1 (nginx needs none):
            // not counted. Reads bring most of the requests, through the same code a write takes.
            for (ReferenceHops.Chain chain : hops.chains()) {
                for (int round = 1; chain.jit() && round <= 2; round++) {
                    BenchRun.log(this.load.saturate("warm-up writes " + chain.name(), 64, duration,
                            Workload.writes(chain.url(), "reference-warm-up")));
                    BenchRun.log(this.load.saturate("warm-up reads " + chain.name(), 64, duration,
                            Workload.reads(chain.url(), ids)));
                }
            }
        }
        catch (IOException ex) {
            notes.add("the reference hops did not start: " + ex.getMessage());
        }
        List<Cell> cells = new ArrayList<>();
        try {
            for (int round = 1; round <= rounds; round++) {
                for (String kind : List.of("writes", "reads")) {
                    boolean writes = "writes".equals(kind);
                    for (Lane lane : lanes) {
                        CpuMeter cpu = new CpuMeter(new LinkedHashMap<>(lane.pids()));
                        PrometheusHistogram before = writes ? this.replication.lag() : null;
                        LoadResult result = this.load.saturate(kind + " max " + lane.name() + ", round " + round, 64,
                                writes ? writesDuration : duration,
                                writes ? Workload.writes(lane.url(), "max-" + lane.name())
                                        : Workload.reads(lane.url(), ids));
                        double hopCores = cpu.coresUsed().entrySet().stream()
                            .filter((entry) -> !CpuMeter.MACHINE.equals(entry.getKey()))
                            .mapToDouble(Map.Entry::getValue).sum();
                        BenchRun.log(result);
                        cells.add(new Cell(round, kind, lane.name(), result.throughput(),
                                lane.pids().isEmpty() ? 0 : hopCores / result.throughput() * 1e6));
                        if (before != null) {
                            // The next lane starts with nothing left to replicate, as this one did.
                            this.replication.awaitReplicated(before, result.completed());
                        }
                    }
                }
            }
        }
        finally {
            if (hops != null) {
                hops.close();
            }
        }
        return new SideBySide(lanes, cells, rounds, writesDuration, duration, notes);
    }

    private void reportSideBySide(SideBySide maxima) {
        StringBuilder lanes = new StringBuilder();
        for (Lane lane : maxima.lanes()) {
            lanes.append(String.format(Locale.ROOT, "*%s*: %s. ", lane.name(), lane.description()));
        }
        this.report.paragraph("What two proxy hops cost on this machine at all: the same closed loop (64 outstanding) "
                + "through each lane in turn, %d round(s) of %d s of writes then %d s of reads per lane, each write "
                + "lane waiting until its writes were replicated before the next starts; rates are the median of the "
                + "rounds, ratios the median of each round's rate over that round's direct rate, and the hops' CPU "
                + "(both processes, from `/proc/<pid>/stat`) per request the median too. All lanes end at the same "
                + "unicom processor, whose writes replicate to telecom as in phase 1. %s%s", maxima.rounds(),
                maxima.writesDuration().toSeconds(), maxima.readsDuration().toSeconds(), lanes,
                maxima.notes().isEmpty() ? "" : "Left out: " + String.join("; ", maxima.notes()) + ".");
        List<List<String>> rows = new ArrayList<>();
        for (Lane lane : maxima.lanes()) {
            boolean direct = SideBySide.DIRECT.equals(lane.name());
            rows.add(List.of(lane.name(), Report.number(maxima.rate(lane.name(), "writes")),
                    String.format(Locale.ROOT, "%.2f", maxima.ratio(lane.name(), "writes")),
                    direct ? "-" : Report.number(maxima.hopMicros(lane.name(), "writes")),
                    Report.number(maxima.rate(lane.name(), "reads")),
                    String.format(Locale.ROOT, "%.2f", maxima.ratio(lane.name(), "reads")),
                    direct ? "-" : Report.number(maxima.hopMicros(lane.name(), "reads"))));
        }
        this.report.table(List.of("lane", "writes/s", "writes / direct", "hops' CPU us per write", "reads/s",
                "reads / direct", "hops' CPU us per read"), rows);
    }

    private static Map<String, Long> pidsOf(Map<String, Long> services, String... names) {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (String name : names) {
            Long pid = services.get(name);
            if (pid != null) {
                pids.put(name, pid);
            }
        }
        return pids;
    }

    /**
     * A way to the processor for the side-by-side maxima.
     * @param name label
     * @param description what its hops are
     * @param url where requests go
     * @param pids the processes doing its hops, by label (none for the processor directly)
     * @param reference whether it is one of the {@link ReferenceHops}
     */
    private record Lane(String name, String description, String url, Map<String, Long> pids, boolean reference) {
    }

    /** One closed-loop run of one lane. */
    private record Cell(int round, String kind, String lane, double rate, double hopMicros) {
    }

    /** The side-by-side maxima: medians over rounds per lane and kind. */
    private record SideBySide(List<Lane> lanes, List<Cell> cells, int rounds, Duration writesDuration,
            Duration readsDuration, List<String> notes) {

        static final String EDGE = "edge + gateway";

        static final String DIRECT = "direct";

        double rate(String lane, String kind) {
            return Stats.median(cells(lane, kind).stream().mapToDouble(Cell::rate).toArray());
        }

        double hopMicros(String lane, String kind) {
            return Stats.median(cells(lane, kind).stream().mapToDouble(Cell::hopMicros).toArray());
        }

        /** The median over rounds of this lane's rate over the direct rate of the same round. */
        double ratio(String lane, String kind) {
            return Stats.median(cells(lane, kind).stream().mapToDouble((cell) -> cell.rate() / cells(DIRECT, kind)
                .stream().filter((direct) -> direct.round() == cell.round()).findFirst().map(Cell::rate)
                .orElse(Double.NaN)).toArray());
        }

        private List<Cell> cells(String lane, String kind) {
            return this.cells.stream().filter((cell) -> cell.lane().equals(lane) && cell.kind().equals(kind)).toList();
        }
    }
}
