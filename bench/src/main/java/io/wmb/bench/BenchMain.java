package io.wmb.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.sun.net.httpserver.HttpServer;
import io.wmb.bench.demo.CpuMeter;
import io.wmb.bench.demo.Demo;
import io.wmb.bench.demo.PrometheusHistogram;
import io.wmb.bench.load.HttpLoad;
import io.wmb.bench.load.LoadRequest;
import io.wmb.bench.load.LoadResult;
import io.wmb.bench.machine.MachineSpeed;
import io.wmb.bench.profile.AsyncProfiler;
import io.wmb.bench.profile.ProfileSummary;
import io.wmb.bench.reference.ReferenceHops;
import io.wmb.bench.report.Report;
import io.wmb.bench.report.Svg;

/**
 * {@code ./wmb bench [--quick]}: benchmarks a running local demo (starting one at the port offset if none
 * answers) and writes {@code docs/benchmarks.md}. Phases, each against its baseline in the same run: maximum
 * write rate through the edge against the processor alone, replication lag at 30/60/90% of that maximum over the
 * link at 0 and 40 ms, edge + gateway against direct at a fixed rate, memory and CPU per service, a JFR profile of
 * the processor under load, then the collector's and the reconciler's own benchmarks as separate processes.
 *
 * <p>Options: {@code --quick} (shorter runs), {@code --offset N} (default {@code WMB_PORT_OFFSET}, else 23000),
 * {@code --repository DIR}, {@code --report FILE}, {@code --skip-collector}, {@code --skip-reconciler}.
 */
public final class BenchMain {

    /** The reconcilers' scan interval and grace unless the environment says otherwise: production's defaults. */
    static final String BENCH_RECONCILER_INTERVAL = "1m";

    static final String BENCH_RECONCILER_GRACE = "30s";

    /** The services' JVM flags unless WMB_SERVICE_JAVA_OPTS says otherwise: ./wmb up's, with C2 and more heap. */
    static final String BENCH_SERVICE_JAVA_OPTS = "-XX:+UseSerialGC -Xss512k -Xmx256m";

    /**
     * Elasticsearch's extra JVM flags unless WMB_ES_JAVA_OPTS says otherwise: none, so C2 is on, unlike ./wmb up's
     * C1-only node. Two fresh nodes side by side on one machine, the same 1,000,000 processing-log records in each: the
     * C1 node scanned them in 552 ms and the C2 node in 316 ms (medians of 8, parallelism 2), and the plain composite
     * aggregation took 4.8 s against 2.4 s.
     */
    static final String BENCH_ES_JAVA_OPTS = "";

    private static final String LAG_METRIC = "wmb_collector_replication_lag_seconds";

    /** The reconcilers' scan timer: its count is their finished scans. */
    private static final String SCANS_METRIC = "wmb_reconciler_scan_duration_seconds";

    private static final Pattern POST_ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

    private static final double[] PERCENTILES = { 50, 90, 99, 99.9 };

    /**
     * Runs of each 0 ms cell of phase 2 (the targets' cells); the one with the median p99 is quoted. Five, not three:
     * one bench's three runs at 60% gave 100, 39 and 75 ms, and a dozen runs of that cell (8-10 s each, 605
     * writes/s) on one demo ranged 39-89 ms, so the median of three still moved with the luck of one run. Five cost
     * about 50 s more.
     */
    static final int LAG_RUNS = 5;

    /** The first of the four ports (plus the demo's offset) of the reference hops, free in the demo's port plan. */
    private static final int REFERENCE_PORT = 8095;

    /** Phase 2's shares of the maximum sustainable write rate. */
    private static final double[] LAG_SHARES = { 0.3, 0.6, 0.9 };

    /** How a transport comparison kept from an earlier report is marked. */
    static final String KEPT_NOTE = "*Not measured by this run:*";

    /** The bound on a whole run, from starting the demo to stopping it. */
    static final Duration RUN_BUDGET = Duration.ofMinutes(15);

    /**
     * What phases 1-6 and stopping the demo take after the warm-up: 10 min 14 s on the slowest day measured
     * (2026-12-06: the demo took 121 s to start, the edge's writes/s were 40% of the committed report's).
     */
    static final Duration AFTER_WARM_UP = Duration.ofSeconds(620);

    /** Longest warm-up: on the committed report's day the edge had stopped climbing after 2.4 minutes. */
    static final Duration WARM_UP_LIMIT = Duration.ofMinutes(4);

    /** Shortest warm-up, even when the demo's start leaves less of the budget: 5 rounds. */
    static final Duration WARM_UP_MINIMUM = Duration.ofSeconds(90);

    /** The transport comparison's heading starts so; {@code --only-transports} replaces that section alone. */
    private static final String TRANSPORTS_HEADING = "## 7.";

    /** Profiled during phase 1: the services that spent the most CPU per write in earlier runs. */
    private static final List<String> PROFILED = List.of("processor-unicom", "reship-unicom", "edge");

    private final Options options;

    private final Demo demo;

    /** Empty where async-profiler has no library: the profiles fall back to JFR. */
    private final Optional<AsyncProfiler> asyncProfiler;

    private final Report report;

    private final HttpLoad load = new HttpLoad(Duration.ofSeconds(10));

    private final List<String> targets = new ArrayList<>();

    /** When the command started, before the demo: the whole run counts towards the 15 minutes. */
    private final long began = System.nanoTime();

    /** The load average as the run began, for the report's last line. */
    private String loadBefore = "unknown";

    /** Measured before the demo starts, for the report's machine paragraph. */
    private MachineSpeed machineSpeed;

    private BenchMain(Options options) throws IOException {
        this.options = options;
        this.demo = new Demo(options.offset());
        this.report = new Report(options.report());
        this.asyncProfiler = AsyncProfiler.extract(options.repository().resolve("bench/target/async-profiler"));
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        BenchMain bench = new BenchMain(options);
        if (options.onlyTransports()) {
            // The transport comparison starts its own servers: no demo, and the rest of the report stays.
            Report section = new Report(options.repository().resolve("bench/target/transports.md"));
            bench.transports(section);
            Report.splice(options.report(), section.markdown(), TRANSPORTS_HEADING);
            log("transport comparison written into " + options.report());
            System.exit(0);
        }
        // Before the demo starts: a dozen JVMs starting would take the core the calibration measures.
        bench.machineSpeed = MachineSpeed.measure(Duration.ofSeconds(10), Duration.ofMillis(500),
                options.dataRoot());
        log("machine: " + bench.machineSpeed.describe());
        boolean started = bench.ensureDemo();
        boolean stopped = false;
        try {
            bench.run();
        }
        finally {
            bench.load.close();
            if (started && !options.keepDemo()) {
                bench.wmb("down");
                stopped = true;
            }
        }
        bench.finish(stopped);
        System.exit(0);
    }

    private void run() throws Exception {
        // Read before this run's report replaces the file.
        Optional<String> earlierTransports = this.options.transports() ? Optional.empty()
                : Report.section(this.options.report(), TRANSPORTS_HEADING);
        this.loadBefore = loadAverage();
        header(this.loadBefore, this.machineSpeed);
        generatorCheck();
        log("warm-up");
        WarmUp warmUp = warmUp();
        Phase1 phase1 = throughput(warmUp);
        this.report.write();
        gatewayOverhead(phase1);
        this.report.write();
        replicationLag(phase1.sustainedMax());
        this.report.write();
        memory();
        this.report.write();
        if (!this.options.skipReconciler()) {
            reconcilerScan();
            this.report.write();
        }
        if (!this.options.skipCollector()) {
            collectorHop();
            this.report.write();
        }
        if (this.options.transports()) {
            transports(this.report);
            this.report.write();
        }
        else {
            earlierTransports.ifPresent((section) -> this.report.raw(keptTransports(section)));
        }
    }

    /**
     * The targets and the run's length, written once the demo this run started is stopped, so that the length is
     * the whole wait.
     * @param stopped whether this run stopped the demo
     */
    private void finish(boolean stopped) throws IOException {
        this.report.heading(2, "Targets");
        this.report.table(List.of("target", "measured"), this.targets.stream()
            .map((line) -> Arrays.asList(line.split("\t", 2))).toList());
        this.report.paragraph("Whole run, %s: %d s; load average at the start %s, at the end %s.",
                stopped ? "from starting the demo to stopping it" : "the demo's start included if this run started it",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - this.began), this.loadBefore, loadAverage());
        this.report.write();
        log("report written to " + this.options.report());
    }

    private void header(String loadBefore, MachineSpeed speed) throws IOException {
        this.report.heading(1, "WMB benchmarks");
        this.report.paragraph("Written by `%s` on %s (commit %s). Every figure below comes from that one run, "
                + "except a section that says under its heading that it does not (section 7 unless run with "
                + "`--transports`); re-run the command to refresh it.", this.options.command(),
                Instant.now().toString().substring(0, 19) + "Z", git("rev-parse", "--short", "HEAD"));
        this.report.paragraph("Machine: %s, %d cores, %s RAM, %s, Linux %s. Load average when the run started: %s. "
                + "The load generator runs on the same 2 cores as every service, MariaDB, Redis and Elasticsearch of "
                + "both datacenters (no core to pin it apart), so every ratio below is measured side by side in the "
                + "same run, alternating, and quoted as the median of the runs.", cpuModel(),
                Runtime.getRuntime().availableProcessors(), memTotal(), System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.version"), System.getProperty("os.version"), loadBefore);
        this.report.paragraph("Calibration, before the demo started: %s. The same machine kind has come on "
                + "different hosts (runs on an AMD EPYC and on an Intel Xeon host came 17-46%% apart lane by lane, the "
                + "direct and nginx references included): compare this report's absolute figures only with a run of about the "
                + "same calibration; its ratios, measured side by side, carry over.", speed.describe());
        this.report.paragraph("Demo at port offset %d (edge %s, unicom processor %s), started as `./wmb up` does, "
                + "services with the benchmark's JVM flags (`WMB_SERVICE_JAVA_OPTS`: `%s`, C2 on), Elasticsearch with "
                + "%s `./wmb up` runs it C1-only, which starts sooner), the gateways' rate limit off "
                + "(`WMB_RATE_LIMIT_ENABLED=false`) and the reconcilers scanning every %s (`WMB_RECONCILER_INTERVAL`, "
                + "production's default; `./wmb up` scans every 15 s so that the tour shows a repair soon).",
                this.options.offset(), this.demo.edgeUrl(),
                this.demo.processorUrl("unicom"),
                serviceJvmOptions(),
                elasticsearchFlags(), reconcilerInterval());
        this.report.paragraph("Load: an open-loop generator at a constant arrival rate (its own HTTP/1.1 client on "
                + "blocking sockets, 256 keep-alive connections, each with a thread and one request in flight, as wrk "
                + "has them), latencies measured from each request's *intended* send "
                + "time into HdrHistogram (coordinated-omission correction as in wrk2); maximum rates from a closed "
                + "loop of 64 outstanding requests. Writes are `POST /api/posts` with `X-Region: north` (to unicom, "
                + "the datacenter owning the MySQL master), reads `GET /api/posts/{id}` of existing posts.");
    }

    /** Phase 0: what the load generator itself can push, against a trivial server in this JVM. */
    private void generatorCheck() throws IOException {
        log("phase 0: load generator self-check");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.createContext("/", (exchange) -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            LoadResult result = this.load.constantRate("generator self-check", 3500, Duration.ofSeconds(5), 256,
                    (i) -> LoadRequest.get(uri, Map.of()));
            log(result);
            this.report.heading(2, "0. The load generator itself");
            this.report.paragraph("Open loop at 3,500 requests/s for 5 s against an empty JDK `HttpServer` in the "
                    + "generator's own JVM (so both ends share the generator's CPU): answered %s requests/s, p50 %s ms, "
                    + "p99 %s ms, %d failed. On a busy machine this is a floor: both ends compete for the same cores. The "
                    + "generator's own CPU per request, next to the demo's, is in phase 1's CPU table.",
                    Report.number(result.throughput()), Report.number(result.latencyMillis(50)),
                    Report.number(result.latencyMillis(99)), result.failed());
        }
        finally {
            server.stop(0);
            threads.shutdownNow();
        }
    }

    /**
     * Saturates the write and read paths for {@link #WARM_UP_LIMIT} (less when the demo was slow to start, see
     * {@link #warmUpEnd}), then judges whether the edge's throughput had stopped climbing. With C2 on, a dozen JVMs
     * on two cores keep compiling for minutes, and the proxies settle last: after 75 s of load the edge still spent
     * 2.5 ms of CPU per write, after another 90 s 0.44 ms (wrk, same demo).
     * Compilation is CPU the measured runs would pay. It does not stop early: rounds scatter so much on this shared
     * machine that a plateau test passed on a dip (rounds at 237, 351, 374, 326, 413, 354 writes/s) and phase 1 then
     * still climbed from 413 to 576. Its end keeps the whole run under the 15 minutes; a warm-up still
     * climbing at its end says so in the report, since the figures after it are then on the low side.
     */
    private WarmUp warmUp() throws IOException {
        Duration edgeRound = this.options.quick() ? Duration.ofSeconds(6) : Duration.ofSeconds(10);
        Duration otherRound = this.options.quick() ? Duration.ofSeconds(3) : Duration.ofSeconds(4);
        long began = System.nanoTime();
        long roundBegan = began;
        List<Long> ids = createPosts(100);
        List<Double> rates = new ArrayList<>();
        for (int round = 1;; round++) {
            LoadResult edge = this.load.saturate("warm-up edge, round " + round, 64, edgeRound,
                    Workload.writes(this.demo.edgeUrl(), "warm-up"));
            log(edge);
            log(this.load.saturate("warm-up reads, round " + round, 32, otherRound,
                    Workload.reads(this.demo.edgeUrl(), ids)));
            log(this.load.saturate("warm-up direct, round " + round, 64, otherRound,
                    Workload.writes(this.demo.processorUrl("unicom"), "warm-up")));
            rates.add(edge.throughput());
            long now = System.nanoTime();
            Duration took = Duration.ofNanos(now - began);
            WarmUpEnd end = this.options.quick() ? WarmUpEnd.LIMIT
                    : warmUpEnd(took, Duration.ofNanos(now - this.began), Duration.ofNanos(now - roundBegan));
            if (end != WarmUpEnd.NOT_YET) {
                boolean settled = settled(rates);
                log("warm-up took " + took.toSeconds() + " s; " + (settled ? "the edge's rate had stopped climbing"
                        : "the edge's rate was still climbing"));
                return new WarmUp(rates, took, settled, end);
            }
            roundBegan = now;
        }
    }

    /**
     * Whether the warm-up ends after a round: at {@link #WARM_UP_LIMIT}, or earlier when another round would leave
     * the phases after it less than {@link #AFTER_WARM_UP} of the {@link #RUN_BUDGET} (on a slow day the demo alone
     * took two minutes to start), but never before {@link #WARM_UP_MINIMUM}.
     * @param took how long the warm-up has run
     * @param sinceStart how long the whole run has, the demo's start included
     * @param round how long the last round took, taken as the next one's length
     * @return whether and why it ends
     */
    static WarmUpEnd warmUpEnd(Duration took, Duration sinceStart, Duration round) {
        if (took.compareTo(WARM_UP_LIMIT) >= 0) {
            return WarmUpEnd.LIMIT;
        }
        if (took.compareTo(WARM_UP_MINIMUM) >= 0
                && sinceStart.plus(round).plus(AFTER_WARM_UP).compareTo(RUN_BUDGET) > 0) {
            return WarmUpEnd.BUDGET;
        }
        return WarmUpEnd.NOT_YET;
    }

    /**
     * Whether the edge's rate stopped climbing: the median of the last three rounds is at most 5% above the median of
     * the three before (so at least six rounds). While C2 is still compiling, the rate climbs a few percent a round
     * (73, 79, 87, 102, 111, 117, 122 writes/s in one run), and medians three rounds apart differ by more than that.
     * Once it is done, rounds on this shared machine still scatter by 10% or more (463 to 536 writes/s over the last
     * seven rounds of one run): asking three rounds in a row to agree within 5% then never ends the warm-up, while a
     * median shrugs off one outlier.
     * @param rates the edge's writes/s, round by round
     * @return whether the rate had stopped climbing
     */
    static boolean settled(List<Double> rates) {
        if (rates.size() < 6) {
            return false;
        }
        double last = median(rates.subList(rates.size() - 3, rates.size()));
        double before = median(rates.subList(rates.size() - 6, rates.size() - 3));
        return before > 0 && last <= 1.05 * before;
    }

    private static double median(List<Double> three) {
        return three.stream().sorted().toList().get(1);
    }

    /** Phase 1: maximum write rate, edge (whole pipeline) against the processor alone, alternating. */
    private Phase1 throughput(WarmUp warmUp) throws Exception {
        log("phase 1: maximum write rate");
        // Five: single runs on this shared machine differ by 15% or more, and a median of five shrugs off two.
        int runs = this.options.quick() ? 2 : 5;
        Duration duration = this.options.quick() ? Duration.ofSeconds(6) : Duration.ofSeconds(10);
        List<LoadResult> edge = new ArrayList<>();
        List<LoadResult> direct = new ArrayList<>();
        Map<String, Long> pids = servicePids();
        Map<String, Double> edgeCpu = new LinkedHashMap<>();
        Map<String, Double> directCpu = new LinkedHashMap<>();
        List<String> collectors = collectors();
        double[] sustained = new double[runs];
        // The warm-up's backlog must not count towards the first run.
        awaitReplicationIdle(collectors);
        for (int run = 1; run <= runs; run++) {
            CpuMeter cpu = new CpuMeter(pids);
            PrometheusHistogram before = scrapeLag(collectors);
            long started = System.nanoTime();
            LoadResult viaEdge = this.load.saturate("writes via edge, run " + run, 64, duration,
                    Workload.writes(this.demo.edgeUrl(), "max-edge-" + run));
            Map<String, Double> cores = cpu.coresUsed();
            log(viaEdge);
            edge.add(viaEdge);
            cores.forEach((name, used) -> edgeCpu.merge(name, used / runs, Double::sum));
            // Replication is asynchronous: a closed loop can outrun it and leave a backlog that drains after the
            // run. The rate the whole pipeline sustains counts until the last write is applied in telecom.
            Replicated replicated = awaitReplicated(collectors, before, viaEdge.completed());
            sustained[run - 1] = replicated.histogram().count() / ((replicated.atNanos() - started) / 1e9);
            log(String.format(Locale.ROOT, "run %d: %d writes applied in the other datacenter %.1f s after the "
                    + "start: %.0f writes/s sustained", run, replicated.histogram().count(),
                    (replicated.atNanos() - started) / 1e9, sustained[run - 1]));
            cpu = new CpuMeter(pids);
            before = scrapeLag(collectors);
            LoadResult alone = this.load.saturate("writes direct, run " + run, 64, duration,
                    Workload.writes(this.demo.processorUrl("unicom"), "max-direct-" + run));
            cpu.coresUsed().forEach((name, used) -> directCpu.merge(name, used / runs, Double::sum));
            log(alone);
            direct.add(alone);
            // The next edge run starts with nothing left to replicate, as this one did.
            awaitReplicated(collectors, before, alone.completed());
        }
        Map<String, ProfileSummary> profiles = new LinkedHashMap<>();
        if (pids.keySet().containsAll(PROFILED)) {
            // Profile the costliest services while the whole pipeline is saturated, in a run of its own.
            int seconds = this.options.quick() ? 8 : 20;
            Map<String, CompletableFuture<ProfileSummary>> recordings = new LinkedHashMap<>();
            for (String name : PROFILED) {
                long pid = pids.get(name);
                recordings.put(name, CompletableFuture.supplyAsync(() -> profile(name, pid, seconds)));
            }
            log(this.load.saturate("writes via edge, profiled", 64, Duration.ofSeconds(seconds + 2),
                    Workload.writes(this.demo.edgeUrl(), "profiled")));
            recordings.forEach((name, recording) -> profiles.put(name, recording.join()));
        }
        double edgeMax = median(edge.stream().mapToDouble(LoadResult::throughput).toArray());
        double directMax = median(direct.stream().mapToDouble(LoadResult::throughput).toArray());
        double sustainedMax = median(sustained);
        double[] ratios = new double[runs];
        for (int i = 0; i < runs; i++) {
            ratios[i] = edge.get(i).throughput() / direct.get(i).throughput();
        }
        this.report.heading(2, "1. Write throughput: the whole pipeline against the processor alone");
        this.report.paragraph("Closed loop, 64 requests outstanding, %d runs of %d s alternating edge and direct. "
                + "*Edge*: client -> edge -> unicom gateway -> unicom processor (MySQL master, Redis, processing log, "
                + "hand-off to reship) with replication to telecom running (reship -> link -> collector -> telecom "
                + "processor). *Direct*: the same `POST` straight to the unicom processor. **Baseline honesty:** the "
                + "demo cannot switch replication off per run, so the direct baseline still hands every write to "
                + "reship and still logs to Elasticsearch; what the ratio isolates is the cost of the edge and the "
                + "gateway hops, while the replication work (reship, collector, telecom processor) runs in both "
                + "columns and takes CPU from the same 2 cores. Its cost shows in the CPU table below. *Replicated*: replication "
                + "is asynchronous, and a closed loop can outrun it; this column divides the run's writes by the time "
                + "from its start until the last of them was applied in telecom (the collectors' lag counters), and "
                + "each run waits for that before the next starts.", runs,
                duration.toSeconds());
        this.report.paragraph("%s", warmUp.describe());
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            rows.add(List.of(Integer.toString(i + 1), Report.number(edge.get(i).throughput()),
                    Report.number(sustained[i]),
                    Report.number(edge.get(i).latencyMillis(50)), Report.number(edge.get(i).latencyMillis(99)),
                    Report.number(direct.get(i).throughput()), Report.number(direct.get(i).latencyMillis(50)),
                    Report.number(direct.get(i).latencyMillis(99)), String.format(Locale.ROOT, "%.2f", ratios[i]),
                    errors(edge.get(i)) + " / " + errors(direct.get(i))));
        }
        rows.add(List.of("**median**", "**" + Report.number(edgeMax) + "**", "**" + Report.number(sustainedMax) + "**",
                "", "", "**" + Report.number(directMax)
                + "**", "", "", String.format(Locale.ROOT, "**%.2f**", median(ratios)), ""));
        this.report.table(List.of("run", "edge writes/s", "edge writes/s replicated", "edge p50 ms", "edge p99 ms", "direct writes/s",
                "direct p50 ms", "direct p99 ms", "edge / direct", "non-2xx edge / direct"), rows);
        this.report.chart("throughput", "Writes per second, edge vs direct",
                Svg.bars("Max writes/s (closed loop, 64 outstanding)", "writes/s", List.of("via edge + gateway",
                        "direct to processor"), List.of("median of " + runs + " runs"), new double[][] {
                            { edgeMax, directMax } }));
        List<List<String>> cpuRows = new ArrayList<>();
        for (String name : edgeCpu.keySet()) {
            double edgeCores = edgeCpu.getOrDefault(name, Double.NaN);
            double directCores = directCpu.getOrDefault(name, Double.NaN);
            cpuRows.add(List.of(name, String.format(Locale.ROOT, "%.2f", edgeCores),
                    Report.number(edgeCores * 1000 / edgeMax * 1000),
                    String.format(Locale.ROOT, "%.2f", directCores)));
        }
        this.report.paragraph("CPU per process while saturated (from `/proc/<pid>/stat`, mean over the runs; 2.00 "
                + "would be both cores). On this machine throughput is bounded by CPU, so the CPU milliseconds each "
                + "process spends per write say which stage is the slowest, i.e. the most expensive:");
        this.report.table(List.of("process", "cores used, edge runs", "CPU ms per 1,000 writes, edge runs",
                "cores used, direct runs"), cpuRows);
        String slowest = edgeCpu.entrySet().stream().filter((entry) -> Double.isFinite(entry.getValue())
                && !entry.getKey().startsWith(CpuMeter.MACHINE) && !entry.getKey().startsWith("load generator"))
            .max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("n/a");
        this.report.paragraph("**Slowest stage (most CPU per write through the edge): `%s`.** The machine "
                + "row is every process on the host (other helpers' builds included, from `/proc/stat`): what the demo "
                + "and the load generator did not get of the 2 cores went to them.", slowest);
        profiles.forEach((name, profile) -> {
            if (profile != null) {
                profileSection(name, profile);
            }
        });
        this.targets.add(String.format(Locale.ROOT, "end-to-end >= 1,500 writes/s through the edge\t%s writes/s "
                + "answered, %s writes/s until applied in telecom (%s)", Report.number(edgeMax),
                Report.number(sustainedMax), (sustainedMax >= 1500) ? "met" : "missed"));
        this.targets.add(String.format(Locale.ROOT, "pipeline >= 60%% of processor alone\t%.0f%% (%s; baseline: "
                + "processor direct, replication still on)", 100 * median(ratios), (median(ratios) >= 0.6) ? "met"
                        : "missed"));
        return new Phase1(edgeMax, directMax, median(ratios), sustainedMax);
    }

    private ProfileSummary profile(String name, long pid, int seconds) {
        Path dir = this.options.repository().resolve("bench/target");
        try {
            if (this.asyncProfiler.isPresent()) {
                return this.asyncProfiler.get().record(pid, seconds, dir.resolve(name + ".collapsed"), "io.wmb.");
            }
            Path file = dir.resolve(name + ".jfr");
            Files.createDirectories(dir);
            Files.deleteIfExists(file);
            return ProfileSummary.recordJfr(pid, seconds, file, "io.wmb.");
        }
        catch (IOException | InterruptedException ex) {
            log("profiling " + name + " failed: " + ex);
            return null;
        }
    }

    private void profileSection(String name, ProfileSummary profile) {
        if (this.asyncProfiler.isPresent()) {
            this.report.heading(3, "Profile of `" + name + "` under the saturated pipeline (async-profiler)");
            this.report.paragraph("async-profiler %s (`jcmd <pid> JVMTI.agent_load libasyncProfiler.so %s`) during "
                    + "an extra saturated edge run (not counted above): %,d CPU samples of Java, native (RocksDB, the "
                    + "JDK's own code) and kernel frames. The collapsed stacks are kept in `bench/target/%s.collapsed` "
                    + "(one line per stack: feed them to a flame graph tool).", this.asyncProfiler.get().version(),
                    AsyncProfiler.START, profile.samples(), name);
        }
        else {
            this.report.heading(3, "Profile of `" + name + "` under the saturated pipeline (JFR)");
            this.report.paragraph("`jcmd <pid> JFR.start settings=profile` during an extra saturated edge run (not "
                    + "counted above), then `jfr print --events jdk.ExecutionSample --stack-depth 64`: %,d samples "
                    + "of Java frames only (async-profiler has no library for this platform). The recording is kept "
                    + "in `bench/target/%s.jfr` (open it in JDK Mission Control for flame graphs).", profile.samples(),
                    name);
        }
        StringBuilder text = new StringBuilder("Top frames (where the CPU is):\n");
        profile.topFrames(15).forEach((entry) -> text.append(String.format(Locale.ROOT, "%5.1f%%  %s%n",
                100.0 * entry.getValue() / profile.samples(), entry.getKey())));
        text.append("\nTop frames by package:\n");
        profile.packages(10).forEach((entry) -> text.append(String.format(Locale.ROOT, "%5.1f%%  %s%n",
                100.0 * entry.getValue() / profile.samples(), entry.getKey())));
        text.append("\nFirst io.wmb frame of each sample (which of our code paths it is under):\n");
        profile.ownFrames(12).forEach((entry) -> text.append(String.format(Locale.ROOT, "%5.1f%%  %s%n",
                100.0 * entry.getValue() / profile.samples(), entry.getKey())));
        text.append("\nSamples per thread (pool):\n");
        profile.threads(10).forEach((entry) -> text.append(String.format(Locale.ROOT, "%5.1f%%  %s%n",
                100.0 * entry.getValue() / profile.samples(), entry.getKey())));
        this.report.code(text.toString());
    }

    /** Phase 3: the same open-loop reads and writes through edge + gateway and directly. */
    private void gatewayOverhead(Phase1 phase1) throws IOException, InterruptedException {
        log("phase 3: gateway overhead");
        List<Long> ids = createPosts(200);
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
                    log(result);
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
            LoadResult edge = medianByP99(results.get(kind + " edge"));
            LoadResult direct = medianByP99(results.get(kind + " direct"));
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
                List.of("writes/s (phase 1, median)", Report.number(phase1.edgeMax()), Report.number(phase1.directMax()),
                        String.format(Locale.ROOT, "%.2f", writeRatio)),
                List.of("reads/s (below, median)", Report.number(maxima.rate(SideBySide.EDGE, "reads")),
                        Report.number(maxima.rate(SideBySide.DIRECT, "reads")),
                        String.format(Locale.ROOT, "%.2f", readRatio))));
        reportSideBySide(maxima);
        LoadResult writesEdge = medianByP99(results.get("writes edge"));
        LoadResult writesDirect = medianByP99(results.get("writes direct"));
        LoadResult readsEdge = medianByP99(results.get("reads edge"));
        LoadResult readsDirect = medianByP99(results.get("reads direct"));
        this.report.chart("gateway-latency", "Latency by percentile, edge vs direct",
                Svg.percentiles(String.format(Locale.ROOT, "Latency at %.0f req/s (open loop, CO-corrected)", rate),
                        PERCENTILES, List.of("writes via edge", "writes direct", "reads via edge", "reads direct"),
                        new double[][] { percentiles(writesEdge), percentiles(writesDirect), percentiles(readsEdge),
                            percentiles(readsDirect) }));
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
        Map<String, Long> services = servicePids();
        List<Lane> lanes = new ArrayList<>();
        lanes.add(new Lane(SideBySide.EDGE, "the edge and the unicom gateway (WMB on Spring Cloud Gateway)",
                this.demo.edgeUrl(), pidsOf(services, "edge", "gateway-unicom"), false));
        lanes.add(new Lane(SideBySide.DIRECT, "the unicom processor, no hop", this.demo.processorUrl("unicom"),
                Map.of(), false));
        List<String> notes = new ArrayList<>();
        ReferenceHops hops = null;
        try {
            hops = ReferenceHops.start(this.demo.processorUrl("unicom"), REFERENCE_PORT + this.options.offset(),
                    this.options.repository().resolve("bench/target/reference-hops"), serviceJvmFlags(),
                    gatewayEventLoops());
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
                    log(this.load.saturate("warm-up writes " + chain.name(), 64, duration,
                            Workload.writes(chain.url(), "reference-warm-up")));
                    log(this.load.saturate("warm-up reads " + chain.name(), 64, duration,
                            Workload.reads(chain.url(), ids)));
                }
            }
        }
        catch (IOException ex) {
            notes.add("the reference hops did not start: " + ex.getMessage());
        }
        List<String> collectors = collectors();
        List<Cell> cells = new ArrayList<>();
        try {
            for (int round = 1; round <= rounds; round++) {
                for (String kind : List.of("writes", "reads")) {
                    boolean writes = "writes".equals(kind);
                    for (Lane lane : lanes) {
                        CpuMeter cpu = new CpuMeter(new LinkedHashMap<>(lane.pids()));
                        PrometheusHistogram before = writes ? scrapeLag(collectors) : null;
                        LoadResult result = this.load.saturate(kind + " max " + lane.name() + ", round " + round, 64,
                                writes ? writesDuration : duration,
                                writes ? Workload.writes(lane.url(), "max-" + lane.name()) : Workload.reads(lane.url(), ids));
                        double hopCores = cpu.coresUsed().entrySet().stream()
                            .filter((entry) -> !CpuMeter.MACHINE.equals(entry.getKey()))
                            .mapToDouble(Map.Entry::getValue).sum();
                        log(result);
                        cells.add(new Cell(round, kind, lane.name(), result.throughput(),
                                lane.pids().isEmpty() ? 0 : hopCores / result.throughput() * 1e6));
                        if (before != null) {
                            // The next lane starts with nothing left to replicate, as this one did.
                            awaitReplicated(collectors, before, result.completed());
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

    /** The services' JVM flags, as {@link #wmb} hands them to the demo. */
    private static List<String> serviceJvmFlags() {
        return Arrays.stream(serviceJvmOptions().trim().split("\\s+")).filter((flag) -> !flag.isEmpty()).toList();
    }

    /** WMB_SERVICE_JAVA_OPTS, else the bench's default: what {@link #wmb} gives the demo's services. */
    private static String serviceJvmOptions() {
        return Objects.orElse(System.getenv("WMB_SERVICE_JAVA_OPTS"), BENCH_SERVICE_JAVA_OPTS);
    }

    /** WMB_RECONCILER_INTERVAL, else the bench's default: how often the demo it starts scans. */
    private static String reconcilerInterval() {
        return Objects.orElse(System.getenv("WMB_RECONCILER_INTERVAL"), BENCH_RECONCILER_INTERVAL);
    }

    /** The gateways' event loops, as the launcher sets them (WMB_GATEWAY_IO_WORKERS, else one). */
    private static int gatewayEventLoops() {
        String configured = System.getenv("WMB_GATEWAY_IO_WORKERS");
        return (configured != null && !configured.isBlank()) ? Integer.parseInt(configured.trim()) : 1;
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
            return median(cells(lane, kind).stream().mapToDouble(Cell::rate).toArray());
        }

        double hopMicros(String lane, String kind) {
            return median(cells(lane, kind).stream().mapToDouble(Cell::hopMicros).toArray());
        }

        /** The median over rounds of this lane's rate over the direct rate of the same round. */
        double ratio(String lane, String kind) {
            return median(cells(lane, kind).stream().mapToDouble((cell) -> cell.rate() / cells(DIRECT, kind).stream()
                .filter((direct) -> direct.round() == cell.round()).findFirst().map(Cell::rate).orElse(Double.NaN))
                .toArray());
        }

        private List<Cell> cells(String lane, String kind) {
            return this.cells.stream().filter((cell) -> cell.lane().equals(lane) && cell.kind().equals(kind)).toList();
        }
    }

    /**
     * Phase 2: replication lag at 30/60/90% of the maximum edge write rate, link at 0 and 40 ms. The 0 ms cells, which
     * the targets are about, run several times, interleaved, and the run with the median p99 is quoted: one short run's
     * p99 rests on a few dozen writes and moves by half between runs on this machine.
     */
    private void replicationLag(double sustainedMax) throws IOException, InterruptedException {
        log("phase 2: replication lag");
        boolean quick = this.options.quick();
        Duration single = quick ? Duration.ofSeconds(8) : Duration.ofSeconds(12);
        Duration repeated = quick ? Duration.ofSeconds(5) : Duration.ofSeconds(8);
        int runs = quick ? 1 : LAG_RUNS;
        List<String> collectors = collectors();
        List<List<String>> rows = new ArrayList<>();
        List<String> categories = new ArrayList<>();
        double[][] chart = new double[3][7];
        LagRun at60 = null;
        try {
            this.demo.setRoundTrip(Duration.ZERO);
            // First a trickle of 10 writes/s: the pipeline's own lag, with no queue anywhere.
            List<LagRun> cells = new ArrayList<>();
            cells.add(lagRun(0, 0, 10, single, collectors));
            Map<Double, List<LagRun>> byShare = new LinkedHashMap<>();
            for (int run = 0; run < runs; run++) {
                for (double share : LAG_SHARES) {
                    byShare.computeIfAbsent(share, (key) -> new ArrayList<>()).add(lagRun(0, share,
                            Math.max(10, Math.round(sustainedMax * share)), repeated, collectors));
                }
            }
            for (List<LagRun> sameCell : byShare.values()) {
                LagRun median = medianByLagP99(sameCell);
                cells.add(median.withRunsP99(sameCell));
                if (median.share() == 0.6) {
                    at60 = median;
                }
            }
            this.demo.setRoundTrip(Duration.ofMillis(40));
            for (double share : LAG_SHARES) {
                cells.add(lagRun(40, share, Math.max(10, Math.round(sustainedMax * share)), single, collectors));
            }
            for (int column = 0; column < cells.size(); column++) {
                LagRun cell = cells.get(column);
                rows.add(cell.row());
                categories.add((cell.share() == 0) ? "0 ms, 10/s" : String.format(Locale.ROOT, "%d ms, %.0f%%",
                        cell.rttMillis(), cell.share() * 100));
                chart[0][column] = cell.lag().percentileMillis(50);
                chart[1][column] = cell.lag().percentileMillis(99);
                chart[2][column] = cell.lag().percentileMillis(99.9);
            }
        }
        finally {
            this.demo.setRoundTrip(Duration.ZERO);
        }
        double p99At60 = (at60 != null) ? at60.lag().percentileMillis(99) : Double.NaN;
        double p999At60 = (at60 != null) ? at60.lag().percentileMillis(99.9) : Double.NaN;
        this.report.heading(2, "2. Replication lag (accepted in unicom -> applied in telecom)");
        this.report.paragraph("Open loop through the edge at 30/60/90%% of the maximum sustainable write rate "
                + "(%s writes/s: phase 1's median rate through the edge counted until the last write was applied in "
                + "telecom, since a rate that leaves a growing replication backlog is not sustainable), the simulated "
                + "link at 0 ms and 40 ms round trip. With the link at 0 ms, which the targets are about, each share "
                + "runs %s for %d s, interleaved (30, 60, 90%%, then again), and the row quotes the run with "
                + "the median p99 (all runs' p99 in the last column, * where one of the reconcilers finished a scan "
                + "between the run's start and its last write's apply: a scan round's Elasticsearch work shares the "
                + "2 cores, and the reconcilers scan every " + reconcilerInterval() + " here); the trickle and the "
                + "40 ms cells run once for "
                + "%d s. Lag from the collectors' `%s` histogram (telecom's, plus unicom's for writes the edge failed "
                + "over to telecom) (the origin's accept time carried in the write, to the telecom processor's apply: "
                + "the same clock, one machine), scraped before and after each run, and subtracted, after waiting "
                + "until every write of the run was applied. A percentile reads as the upper bound of its bucket, so "
                + "it is never understated (buckets every 5-25 ms up to 100 ms, then 25-50 ms up to 300 ms, with "
                + "edges at the targets' 50 and 250 ms; Micrometer's own 10-30%% apart beyond). "
                + "(Polling telecom for each write was the alternative; it would add its own load and its poll "
                + "interval to every figure.)", Report.number(sustainedMax), (runs == 1) ? "once" : runs + " times",
                repeated.toSeconds(),
                single.toSeconds(), LAG_METRIC);
        this.report.table(List.of("link RTT", "load (share of max)", "answered/s", "writes replicated", "lag p50 ms",
                "lag p99 ms", "lag p99.9 ms", "client p50 / p99 ms", "machine busy (cores of "
                + Runtime.getRuntime().availableProcessors() + ")", "lag p99 ms of each run"), rows);
        if (at60 != null) {
            this.report.paragraph("Where the lag of the quoted 60%% run went (0 ms link, writes accepted in unicom), "
                    + "from the services' own histograms over the same run (an \"of which\" row is a part of the leg "
                    + "above it; a per-batch leg holds one observation per batch of writes). The lag is about accept -> "
                    + "send plus send -> acknowledgement: a write is applied in telecom before its acknowledgement "
                    + "leaves.");
            this.report.table(List.of("leg", "holds", "counted per", "observations", "p50 ms", "p99 ms"),
                    at60.legs().rows());
        }
        this.report.chart("replication-lag", "Replication lag percentiles", Svg.bars(
                "Replication lag (ms), by link RTT and load", "ms", categories, List.of("p50", "p99", "p99.9"),
                chart));
        this.targets.add(String.format(Locale.ROOT, "replication lag p99 <= 50 ms at 60%% of max, 0 ms link\t%s ms "
                + "(%s; run with the median p99 of %d)", Report.number(p99At60), (p99At60 <= 50) ? "met" : "missed",
                runs));
        this.targets.add(String.format(Locale.ROOT, "replication lag p99.9 <= 250 ms at 60%% of max, 0 ms link\t%s ms "
                + "(%s; same run)", Report.number(p999At60), (p999At60 <= 250) ? "met" : "missed"));
    }

    /** One open-loop run of writes through the edge and the lag of exactly those writes. */
    private LagRun lagRun(int rttMillis, double share, double rate, Duration duration, List<String> collectors)
            throws IOException, InterruptedException {
        PrometheusHistogram before = scrapeLag(collectors);
        double scansBefore = reconcilerScans();
        LagLegs legsBefore = scrapeLegs();
        CpuMeter cpu = new CpuMeter(Map.of());
        LoadResult result = this.load.constantRate(String.format(Locale.ROOT, "lag %d ms link %.0f%%", rttMillis,
                share * 100), rate, duration, 256, Workload.writes(this.demo.edgeUrl(), "lag"));
        double busyCores = cpu.coresUsed().get(CpuMeter.MACHINE);
        log(result);
        PrometheusHistogram lag = awaitReplicated(collectors, before, result.completed()).histogram();
        boolean scanned = reconcilerScans() > scansBefore;
        LagLegs legs = scrapeLegs().minus(legsBefore);
        log(String.format(Locale.ROOT, "  lag p50 %s ms, p99 %s ms, p99.9 %s ms%s", Report.number(lag.percentileMillis(
                50)), Report.number(lag.percentileMillis(99)), Report.number(lag.percentileMillis(99.9)),
                scanned ? "; a reconciler scan ended meanwhile" : ""));
        return new LagRun(rttMillis, share, rate, result, lag, scanned, busyCores, legs, List.of());
    }

    /** The legs of the unicom -> telecom way as the services count them now. */
    private LagLegs scrapeLegs() throws IOException {
        return LagLegs.parse(this.demo.prometheus(this.demo.processorUrl("unicom")),
                this.demo.prometheus(this.demo.reshipUrl("unicom")),
                this.demo.prometheus(this.demo.collectorManagementUrl("telecom")));
    }

    /** The run whose lag p99 is the median of the runs (the lower middle one of an even number). */
    static LagRun medianByLagP99(List<LagRun> runs) {
        List<LagRun> sorted = sortedBy(runs, (run) -> run.lag().percentileMillis(99));
        return sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * One run of phase 2.
     * @param rttMillis the link's round trip
     * @param share the share of the maximum rate, 0 for the trickle
     * @param rate writes per second
     * @param result what the load generator saw
     * @param lag the lag of the run's writes
     * @param scanned whether a reconciler scan ended between the run's start and its last write's apply
     * @param busyCores the machine's busy cores during the load (all processes, the load generator's too)
     * @param legs where the lag went, from the services' own histograms
     * @param runsP99 every run's lag p99 where this one stands for several (marked {@code *} if {@code scanned}),
     *     else empty
     */
    record LagRun(int rttMillis, double share, double rate, LoadResult result, PrometheusHistogram lag,
            boolean scanned, double busyCores, LagLegs legs, List<String> runsP99) {

        LagRun withRunsP99(List<LagRun> runs) {
            return new LagRun(rttMillis, share, rate, result, lag, scanned, busyCores, legs, runs.stream()
                .map((run) -> Report.number(run.lag().percentileMillis(99)) + (run.scanned() ? "*" : ""))
                .toList());
        }

        List<String> row() {
            return List.of(rttMillis + " ms", (share == 0) ? "trickle (10/s)" : String.format(Locale.ROOT,
                    "%.0f%% (%.0f/s)", share * 100, rate),
                    Report.number(result.throughput()) + served(result), Long.toString(lag.count()),
                    Report.number(lag.percentileMillis(50)), Report.number(lag.percentileMillis(99)),
                    Report.number(lag.percentileMillis(99.9)), Report.number(result.latencyMillis(50)) + " / "
                            + Report.number(result.latencyMillis(99)), String.format(Locale.ROOT, "%.2f", busyCores),
                    runsP99.isEmpty() ? "-" : String.join(" / ", runsP99));
        }

    }

    /**
     * The lag histograms of both collectors, summed: the edge may fail over to telecom under load, and then a write
     * is accepted there and replicated to unicom.
     */
    private PrometheusHistogram scrapeLag(List<String> collectors) throws IOException {
        PrometheusHistogram sum = PrometheusHistogram.parse("", LAG_METRIC);
        for (String collector : collectors) {
            sum = sum.plus(PrometheusHistogram.parse(this.demo.prometheus(collector), LAG_METRIC));
        }
        return sum;
    }

    /** Who answered, when not only unicom (the edge failed over). */
    private static String served(LoadResult result) {
        return (result.servedBy().keySet().equals(Set.of("unicom"))) ? "" : " (served by "
                + result.servedBy() + ")";
    }

    /**
     * Scrapes every 100 ms until the collectors counted {@code writes} more lag observations, or 60 s passed.
     * @return what they counted since {@code before}, and when the count was reached (or the wait gave up)
     */
    private Replicated awaitReplicated(List<String> collectors, PrometheusHistogram before, long writes)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        PrometheusHistogram lag;
        do {
            lag = scrapeLag(collectors).minus(before);
            if (lag.count() >= writes) {
                break;
            }
            Thread.sleep(100);
        }
        while (System.nanoTime() < deadline);
        if (lag.count() < writes) {
            log("only " + lag.count() + " of " + writes + " writes replicated within 60 s");
        }
        return new Replicated(lag, System.nanoTime());
    }

    /** Scrapes every 500 ms until the collectors' counts stand still for a second, or 60 s passed. */
    private void awaitReplicationIdle(List<String> collectors) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        long last = -1;
        int still = 0;
        while (still < 2 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            long count = scrapeLag(collectors).count();
            still = (count == last) ? still + 1 : 0;
            last = count;
        }
    }

    /**
     * How many scans both reconcilers have finished: a scan queries Elasticsearch for up to about a second on the
     * cores the pipeline runs on. A reconciler that does not answer fails the run, as a collector does.
     */
    private double reconcilerScans() throws IOException {
        double scans = 0;
        for (String datacenter : List.of("unicom", "telecom")) {
            scans += PrometheusHistogram.observations(this.demo.prometheus(this.demo.reconcilerUrl(datacenter)),
                    SCANS_METRIC);
        }
        return scans;
    }

    /** The management URLs of both collectors, whose lag histograms count what was replicated. */
    private List<String> collectors() {
        return List.of(this.demo.collectorManagementUrl("telecom"), this.demo.collectorManagementUrl("unicom"));
    }

    /** What the collectors counted after a load, and when (System.nanoTime()) they had counted all of it. */
    private record Replicated(PrometheusHistogram histogram, long atNanos) {
    }

    /** Phase 6: resident memory of every process of the demo. */
    private void memory() throws IOException {
        log("phase 6: memory");
        List<List<String>> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        long total = 0;
        for (Demo.Component component : this.demo.components()) {
            long pid = component.pid();
            if ("elasticsearch".equals(component.name())) {
                // The supervisor knows only the command-line launcher's pid, not the server JVM's.
                long server = findElasticsearchPid();
                pid = (server > 0) ? server : pid;
            }
            long kib = (pid > 0) ? Demo.residentKib(pid) : -1;
            if (kib < 0 || "link".equals(component.name())) {
                // The link simulator lives in the supervisor's JVM: shown as the supervisor.
                if ("link".equals(component.name()) && kib > 0) {
                    rows.add(List.of("supervisor + link simulator", component.kind(), Report.number(kib / 1024.0)));
                    total += kib;
                }
                continue;
            }
            total += kib;
            rows.add(List.of(component.name(), component.kind(), Report.number(kib / 1024.0)));
            names.add(component.name().replace("-unicom", " U").replace("-telecom", " T"));
            values.add(kib / 1024.0);
        }
        rows.add(List.of("**total**", "", "**" + Report.number(total / 1024.0) + "**"));
        this.report.heading(2, "6. Memory of the demo, per process");
        this.report.paragraph("Resident set size (`VmRSS`) after the load phases, so heaps have grown to their "
                + "working size.");
        this.report.table(List.of("process", "kind", "RSS MiB"), rows);
        this.report.chart("memory", "RSS per process", Svg.bars("Resident memory per process (MiB)", "MiB", names,
                List.of("RSS"), new double[][] { values.stream().mapToDouble(Double::doubleValue).toArray() }));
    }

    /** Phase 5: the reconciler's ScanBenchmark against the demo's Elasticsearch. */
    private void reconcilerScan() throws IOException, InterruptedException {
        log("phase 5: reconciler scan (ScanBenchmark)");
        int records = this.options.quick() ? 200_000 : 1_000_000;
        String elasticsearch = "http://127.0.0.1:" + (9200 + this.options.offset());
        String output = runTestMain("reconciler", "io.wmb.reconciler.bench.ScanBenchmark", List.of(elasticsearch,
                Integer.toString(records), "reuse"));
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
            double median = median(entry.getValue().stream().mapToDouble(Double::doubleValue).toArray());
            rows.add(List.of(entry.getKey(), counts.get(entry.getKey()), Report.number(median),
                    Report.number(entry.getValue().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN)),
                    Report.number(entry.getValue().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN))));
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

    /** Phase 4: the collector's SyncVersusDeliverBenchmark (it starts its own servers). */
    private void collectorHop() throws IOException, InterruptedException {
        log("phase 4: reship -> collector hop (SyncVersusDeliverBenchmark)");
        int writes = this.options.quick() ? 4_000 : 8_000;
        String output = runTestMain("collector", "io.wmb.collector.it.SyncVersusDeliverBenchmark",
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

    /**
     * Phase 7: the gRPC and the Kafka transport side by side (the collector's TransportComparisonBenchmark, which
     * starts its own servers and brokers).
     */
    private void transports(Report target) throws IOException, InterruptedException {
        log("phase 7: gRPC vs Kafka transport (TransportComparisonBenchmark)");
        int writes = this.options.quick() ? 4_000 : 8_000;
        long started = System.nanoTime();
        String output = runTestMain("collector", "io.wmb.collector.it.TransportComparisonBenchmark",
                List.of(Integer.toString(writes)));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        Map<String, Map<String, String[]>> byMeasurement = new LinkedHashMap<>();
        for (String text : output.lines().filter((line) -> line.startsWith("RESULT ")).toList()) {
            String[] fields = text.substring("RESULT ".length()).split("\\|", -1);
            if (fields.length == 5) {
                byMeasurement.computeIfAbsent(fields[1], (key) -> new LinkedHashMap<>()).put(fields[0], fields);
            }
        }
        target.heading(2, TRANSPORTS_HEADING.substring(3) + " Transports: gRPC stream against Kafka (message queue)");
        target.paragraph("The collector's `TransportComparisonBenchmark` (test scope), run as a separate process by "
                + "`%s` on %s (commit %s; %d s, load average at its end %s). One transport after the other, each with "
                + "its own real reship (telecom) and collector (unicom) and a versioned in-memory processor behind the "
                + "collector, on the same real servers: gRPC is reship's `Sync` stream through the link; Kafka is reship publishing "
                + "to telecom's broker, its bridge producing through the link into unicom's broker, and the collector "
                + "consuming (both brokers real, KRaft, from the `kafka_2.13` release Spring Boot manages, C1-only JVMs "
                + "of 256 MB heap). "
                + "Lag = accepted by reship -> applied by the peer's processor, per write. %,d writes per measurement, "
                + "1,000 at the steady rate.", this.options.command(), Instant.now().toString().substring(0, 10),
                git("rev-parse", "--short", "HEAD"), seconds, loadAverage(), writes);
        List<List<String>> rows = new ArrayList<>();
        byMeasurement.forEach((what, transports) -> {
            String[] grpc = transports.getOrDefault("grpc", new String[] { "", "", "n/a", "-", "-" });
            String[] kafka = transports.getOrDefault("kafka", new String[] { "", "", "n/a", "-", "-" });
            rows.add(List.of(what, grpc[2], kafka[2], lag(grpc), lag(kafka)));
        });
        target.table(List.of("measurement", "gRPC writes/s", "Kafka writes/s", "gRPC lag p50 / p99 ms",
                "Kafka lag p50 / p99 ms"), rows);
        if (rows.isEmpty()) {
            target.code(output.lines().skip(Math.max(0, output.lines().count() - 30)).reduce("", (a, b) -> a + b
                    + "\n"));
        }
        target.paragraph("Why the difference: the Kafka transport adds two hops to every write (reship -> its "
                + "datacenter's broker, then the bridge -> the peer's broker), each acknowledged only once the broker "
                + "has the records (`acks=all`; these single-node brokers also flush each append to disk first), plus "
                + "the collector's poll; in exchange the backlog of a long outage waits in a replayable log (replicated "
                + "in a real cluster) rather than in one reship's RocksDB outbox.");
        if (target == this.report) {
            byMeasurement.entrySet().stream().filter((entry) -> entry.getKey().startsWith("steady 100 writes/s, link 0"))
                .findFirst()
                .ifPresent((entry) -> this.targets.add("Kafka transport lag at 100 writes/s (0 ms link), p50 / p99\t"
                        + lag(entry.getValue().getOrDefault("kafka", new String[] { "", "", "", "-", "-" }))
                        + " ms (gRPC " + lag(entry.getValue().getOrDefault("grpc", new String[] { "", "", "", "-", "-" }))
                        + " ms)"));
        }
    }

    private static String lag(String[] fields) {
        return fields[3].equals("-") ? "-" : fields[3] + " / " + fields[4];
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

    /**
     * The transport comparison of an earlier run, marked as such. It starts its own servers and two Kafka brokers and
     * would take the whole run past 15 minutes on two cores, so only {@code --transports} and
     * {@code --only-transports} measure it.
     */
    static String keptTransports(String section) {
        List<String> lines = new ArrayList<>(section.strip().lines().toList());
        lines.removeIf((line) -> line.startsWith(KEPT_NOTE));
        lines.add(1, "");
        lines.add(2, KEPT_NOTE + " phase 7 starts servers and two Kafka brokers of its own and adds 2-3 minutes, so "
                + "this section is kept from the run that last measured it (its date and command are below). "
                + "`./wmb bench --transports` measures it again within a whole run, `./wmb bench --only-transports` "
                + "alone.");
        return String.join("\n", lines).replaceAll("\n{3,}", "\n\n");
    }

    /**
     * Runs a main of another module's test classes, compiling them and writing their classpath first if needed.
     */
    private String runTestMain(String module, String mainClass, List<String> args)
            throws IOException, InterruptedException {
        Path moduleDir = this.options.repository().resolve(module);
        Path classpathFile = moduleDir.resolve("target/bench-cp.txt");
        Path classFile = moduleDir.resolve("target/test-classes/" + mainClass.replace('.', '/') + ".class");
        if (!Files.exists(classpathFile) || !Files.exists(classFile)) {
            log("compiling " + module + "'s test classes");
            runProcess(List.of(this.options.repository().resolve("mvnw").toString(), "-B", "-q", "-pl", module,
                    // -am: the module's siblings come from this build, not from a local repository never installed.
                    "-am", "test-compile", "dependency:build-classpath", "-Dmdep.outputFile=target/bench-cp.txt",
                    "-Dcheckstyle.skip"), Duration.ofMinutes(5));
        }
        String classpath = moduleDir.resolve("target/test-classes") + ":" + moduleDir.resolve("target/classes") + ":"
                + Files.readString(classpathFile).trim();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-Xmx1g", "-Dwmb.data.dir=" + this.options.repository().resolve(".wmb-data"), "-cp",
                classpath, mainClass));
        command.addAll(args);
        return runProcess(command, Duration.ofMinutes(8));
    }

    private String runProcess(List<String> command, Duration timeout) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(this.options.repository().toFile())
            .redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try {
                for (String text : new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .split("\n")) {
                    output.append(text).append('\n');
                }
            }
            catch (IOException ex) {
                output.append("(output lost: ").append(ex).append(")\n");
            }
        });
        reader.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            log(command.get(command.size() - 1) + " did not finish within " + timeout);
        }
        reader.join(TimeUnit.SECONDS.toMillis(10));
        String text = output.toString();
        System.out.print(text.lines().filter((line) -> !line.contains(" DEBUG ") && !line.contains(" INFO "))
            .reduce("", (a, b) -> a + b + "\n"));
        return text;
    }

    /** Creates posts directly at the unicom processor and returns their ids, for reads. */
    private List<Long> createPosts(int count) throws IOException {
        HttpClient client = HttpClient.newHttpClient();
        List<Long> ids = new ArrayList<>();
        LongFunction<LoadRequest> writes = Workload.writes(this.demo.processorUrl("unicom"), "reads");
        try {
            for (int i = 0; i < count; i++) {
                HttpResponse<String> response = client.send(writes.apply(i).toHttpRequest(),
                        HttpResponse.BodyHandlers.ofString());
                Matcher id = POST_ID.matcher(response.body());
                if (response.statusCode() == 201 && id.find()) {
                    ids.add(Long.parseLong(id.group(1)));
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
        if (ids.isEmpty()) {
            throw new IOException("could not create a single post at " + this.demo.processorUrl("unicom"));
        }
        return ids;
    }

    /** Services of the demo by name, with their pids (servers included, except a pid-less Elasticsearch). */
    private Map<String, Long> servicePids() throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Demo.Component component : this.demo.components()) {
            if (component.pid() > 0 && !"link".equals(component.name())) {
                pids.put(component.name(), component.pid());
            }
        }
        long elasticsearch = findElasticsearchPid();
        if (elasticsearch > 0) {
            pids.put("elasticsearch", elasticsearch);
        }
        pids.put("load generator (this JVM)", ProcessHandle.current().pid());
        return pids;
    }

    /** The Elasticsearch JVM of this demo: the supervisor does not report its pid. */
    private long findElasticsearchPid() {
        String root = this.options.dataRoot().toString();
        // The server JVM, not its small command-line launcher.
        return ProcessHandle.allProcesses()
            .filter((process) -> process.info().commandLine().map((line) -> line.contains(
                    "org.elasticsearch.bootstrap.Elasticsearch") && line.contains(root)).orElse(false))
            .mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
    }

    /** Starts the demo if it does not answer; true if this run started it (and so stops it). */
    private boolean ensureDemo() throws IOException, InterruptedException {
        if (this.demo.healthy()) {
            log("using the running demo at offset " + this.options.offset());
            return false;
        }
        log("starting the demo at offset " + this.options.offset() + " from empty stores (data "
                + this.options.dataRoot() + ")");
        // Every run starts from the same state: tables and indices left by earlier runs make MySQL and
        // Elasticsearch slower (a grown posts table outgrows the buffer pool; big segments keep merging).
        wmb("reset");
        wmb("up");
        if (!this.demo.healthy()) {
            throw new IllegalStateException("the demo at offset " + this.options.offset() + " is not healthy: see "
                    + "./wmb status");
        }
        return true;
    }

    private void wmb(String command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(this.options.repository().resolve("wmb").toString(), command)
            .directory(this.options.repository().toFile()).inheritIO();
        builder.environment().put("WMB_PORT_OFFSET", Integer.toString(this.options.offset()));
        builder.environment().put("WMB_DATA_ROOT", this.options.dataRoot().toString());
        builder.environment().putIfAbsent("WMB_RATE_LIMIT_ENABLED", "false");
        // Steady state, not start-up, is measured: C2 on, unlike ./wmb up's C1-only default that starts faster.
        builder.environment().putIfAbsent("WMB_SERVICE_JAVA_OPTS", BENCH_SERVICE_JAVA_OPTS);
        builder.environment().putIfAbsent("WMB_ES_JAVA_OPTS", BENCH_ES_JAVA_OPTS);
        // No class-data archive: the bench's demo starts once per build of its jars, and the archive saved nothing
        // with C2 on (all healthy in 128 and 145 s recording it against 132 and 139 s without) while writing it
        // made the demo's stop take 22-26 s instead of 4.
        builder.environment().putIfAbsent("WMB_CDS", "false");
        // The reconcilers on production's schedule, not the tour's 15 s: a scan round's Elasticsearch work shares
        // the 2 cores with the pipeline. Minute-long runs at 500 writes/s, alternated: replication lag p99 50-56 ms
        // with the reconcilers stopped, 75-100 ms with them scanning every 15 s (2026-12-06, Intel Xeon host).
        // Set to what the report names: putIfAbsent would pass a blank value on, which the launcher reads as unset.
        builder.environment().put("WMB_RECONCILER_INTERVAL", reconcilerInterval());
        builder.environment().put("WMB_RECONCILER_GRACE",
                Objects.orElse(System.getenv("WMB_RECONCILER_GRACE"), BENCH_RECONCILER_GRACE));
        int exit = builder.start().waitFor();
        if (exit != 0) {
            throw new IOException("./wmb " + command + " exited with " + exit);
        }
    }

    /** Elasticsearch's flags as the report names them, opening the parenthesis that the sentence closes. */
    private static String elasticsearchFlags() {
        String flags = Objects.orElse(System.getenv("WMB_ES_JAVA_OPTS"), BENCH_ES_JAVA_OPTS);
        return flags.isBlank() ? "no extra JVM flags, so C2 on (`WMB_ES_JAVA_OPTS` blank;"
                : "`WMB_ES_JAVA_OPTS`: `" + flags + "` (";
    }

    private static double[] percentiles(LoadResult result) {
        return Arrays.stream(PERCENTILES).map(result::latencyMillis).toArray();
    }

    private static LoadResult medianByP99(List<LoadResult> results) {
        List<LoadResult> sorted = sortedBy(results, (result) -> result.latencyMillis(99));
        return sorted.get(sorted.size() / 2);
    }

    /** A sorted copy of {@code items}, smallest {@code key} first. */
    private static <T> List<T> sortedBy(List<T> items, ToDoubleFunction<T> key) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingDouble(key));
        return sorted;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static String errors(LoadResult result) {
        return Long.toString(result.failed());
    }

    private String git(String... args) {
        try {
            List<String> command = new ArrayList<>(List.of("git"));
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).directory(this.options.repository().toFile()).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor();
            return out.isEmpty() ? "unknown" : out;
        }
        catch (IOException | InterruptedException ex) {
            return "unknown";
        }
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " / " + fields[1] + " / " + fields[2] + " (1/5/15 min)";
        }
        catch (IOException ex) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter((line) -> line.startsWith("model name"))
                .map((line) -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
        }
        catch (IOException ex) {
            return "unknown CPU";
        }
    }

    private static String memTotal() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter((line) -> line.startsWith("MemTotal"))
                .map((line) -> String.format(Locale.ROOT, "%.0f GiB", Long.parseLong(line.replaceAll("[^0-9]", ""))
                        / 1024.0 / 1024.0)).findFirst().orElse("unknown");
        }
        catch (IOException ex) {
            return "unknown";
        }
    }

    private static void log(Object message) {
        System.out.printf("[bench %s] %s%n", Instant.now().toString().substring(11, 19), message);
    }

    /** Medians of phase 1, which later phases size their load by. */
    private record Phase1(double edgeMax, double directMax, double ratio, double sustainedMax) {
    }

    /**
     * What the warm-up did.
     * @param edgeRates the edge's writes/s, round by round
     * @param took how long it ran
     * @param settled whether the edge's rate had stopped climbing by the end
     * @param end why it ended
     */
    private record WarmUp(List<Double> edgeRates, Duration took, boolean settled, WarmUpEnd end) {

        String describe() {
            String rounds = this.edgeRates.stream().map(Report::number).collect(Collectors.joining(", "));
            String why = (this.end == WarmUpEnd.BUDGET) ? String.format(Locale.ROOT, " (short of its %d s: "
                    + "another round would have left the rest of the run less than the %d s it takes within the "
                    + "%d minutes)", WARM_UP_LIMIT.toSeconds(), AFTER_WARM_UP.toSeconds(), RUN_BUDGET.toMinutes())
                    : "";
            return String.format(Locale.ROOT, "Warm-up before it: %d rounds of saturated writes through the edge, "
                    + "reads through the edge and writes direct, %d s in all%s; the edge's writes/s round by round: "
                    + "%s. %s", this.edgeRates.size(), this.took.toSeconds(), why, rounds, this.settled
                            ? "By its end the rate had stopped climbing: the median of the last three rounds "
                                    + "within 5% of the median of the three before."
                            : "By its end the rate was still climbing (the median of its last three rounds more than "
                                    + "5% above the three before): the figures below are on the low side.");
        }
    }

    /** Why the warm-up ended, or that it goes on. */
    enum WarmUpEnd {

        /** Not yet: another round. */
        NOT_YET,

        /** It ran {@link #WARM_UP_LIMIT}. */
        LIMIT,

        /** Another round would not leave the rest of the run its time within {@link #RUN_BUDGET}. */
        BUDGET
    }

    /** Tiny null helper, to keep the header readable. */
    private static final class Objects {

        static String orElse(String value, String fallback) {
            return (value == null || value.isBlank()) ? fallback : value;
        }
    }

    /**
     * Command-line options.
     * @param offset the demo's port offset
     * @param quick shorter runs
     * @param repository the repository root
     * @param report where the Markdown goes
     * @param dataRoot the demo's data root, if this run starts it
     * @param skipCollector skip the collector's benchmark
     * @param skipReconciler skip the reconciler's benchmark
     * @param keepDemo leave a demo this run started running
     * @param command how this run was invoked, for the report
     * @param transports measure the gRPC-against-Kafka transport comparison in this run (otherwise the report keeps
     *        the earlier run's)
     * @param onlyTransports run only the transport comparison and put its section into the existing report
     */
    record Options(int offset, boolean quick, Path repository, Path report, Path dataRoot, boolean skipCollector,
            boolean skipReconciler, boolean keepDemo, String command, boolean transports, boolean onlyTransports) {

        static Options parse(String[] args) {
            String offsetEnv = System.getenv("WMB_PORT_OFFSET");
            int offset = (offsetEnv != null && !offsetEnv.isBlank()) ? Integer.parseInt(offsetEnv.trim()) : 23000;
            boolean quick = false;
            Path repository = Path.of(System.getProperty("wmb.repository", ".")).toAbsolutePath().normalize();
            Path report = null;
            Path dataRoot = null;
            boolean skipCollector = false;
            boolean skipReconciler = false;
            boolean keepDemo = false;
            boolean transports = false;
            boolean onlyTransports = false;
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--quick" -> quick = true;
                    case "--offset" -> offset = Integer.parseInt(args[++i]);
                    case "--repository" -> repository = Path.of(args[++i]).toAbsolutePath().normalize();
                    case "--report" -> report = Path.of(args[++i]).toAbsolutePath();
                    case "--data-root" -> dataRoot = Path.of(args[++i]).toAbsolutePath();
                    case "--skip-collector" -> skipCollector = true;
                    case "--skip-reconciler" -> skipReconciler = true;
                    case "--keep-demo" -> keepDemo = true;
                    case "--transports" -> transports = true;
                    case "--only-transports" -> onlyTransports = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[i] + "; options: --quick, "
                            + "--offset N, --repository DIR, --report FILE, --data-root DIR, --skip-collector, "
                            + "--skip-reconciler, --keep-demo, --transports, --only-transports");
                }
            }
            if (offset < 0 || offset > 30000) {
                throw new IllegalArgumentException("offset must be between 0 and 30000, but was " + offset);
            }
            if (report == null) {
                report = repository.resolve("docs/benchmarks.md");
            }
            if (dataRoot == null) {
                String env = System.getenv("WMB_DATA_ROOT");
                dataRoot = (env != null && !env.isBlank()) ? Path.of(env).toAbsolutePath()
                        : repository.resolve("system-tests/target/wmb-data-" + offset);
            }
            String command = "./wmb bench" + (args.length > 0 ? " " + String.join(" ", args) : "");
            return new Options(offset, quick, repository, report, dataRoot, skipCollector, skipReconciler, keepDemo,
                    command, transports, onlyTransports);
        }
    }
}
