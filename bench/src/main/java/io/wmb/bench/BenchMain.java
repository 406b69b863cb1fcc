package io.wmb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.wmb.bench.machine.MachineSpeed;
import io.wmb.bench.report.Report;

/**
 * {@code ./wmb bench [--quick]}: benchmarks a running local demo (starting one at the port offset if none answers)
 * and writes {@code docs/benchmarks.md}. Phases, each against its baseline in the same run and each a class of its
 * own: the load generator's own rate ({@link GeneratorCheckPhase}); after a {@link WarmUp}, the maximum write rate
 * through the edge against the processor alone, with CPU per process and profiles ({@link ThroughputPhase}); edge +
 * gateway against direct, and two reference proxy hops ({@link GatewayOverheadPhase}); replication lag at 30/60/90%
 * of the maximum over the link at 0 and 40 ms ({@link ReplicationLagPhase}); memory per process
 * ({@link MemoryPhase}); then the reconciler's and the collector's own benchmarks as separate processes
 * ({@link ReconcilerScanPhase}, {@link CollectorHopPhase}) and, if asked, the transports ({@link TransportsPhase}).
 * The phases share one {@link BenchRun}. Options: {@link BenchOptions}.
 */
public final class BenchMain {

    private final BenchRun bench;

    private final BenchOptions options;

    private final Report report;

    /** The load average as the run began, for the report's last line. */
    private String loadBefore = "unknown";

    /** Measured before the demo starts, for the report's machine paragraph. */
    private MachineSpeed machineSpeed;

    private BenchMain(BenchRun bench) {
        this.bench = bench;
        this.options = bench.options();
        this.report = bench.report();
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options = BenchOptions.parse(args);
        BenchMain main = new BenchMain(BenchRun.of(options));
        if (options.onlyTransports()) {
            // The transport comparison starts its own servers: no demo, and the rest of the report stays.
            Report section = new Report(options.repository().resolve("bench/target/transports.md"));
            new TransportsPhase(main.bench).run(section);
            Report.splice(options.report(), section.markdown(), TransportsPhase.HEADING);
            BenchRun.log("transport comparison written into " + options.report());
            System.exit(0);
        }
        // Before the demo starts: a dozen JVMs starting would take the core the calibration measures.
        main.machineSpeed = MachineSpeed.measure(Duration.ofSeconds(10), Duration.ofMillis(500),
                options.dataRoot());
        BenchRun.log("machine: " + main.machineSpeed.describe());
        boolean started = main.ensureDemo();
        boolean stopped = false;
        try {
            main.run();
        }
        finally {
            main.bench.load().close();
            if (started && !options.keepDemo()) {
                main.wmb("down");
                stopped = true;
            }
        }
        main.finish(stopped);
        System.exit(0);
    }

    /** The phases in turn, the report written after each, so that a run cut short keeps what it measured. */
    private void run() throws Exception {
        // Read before this run's report replaces the file.
        Optional<String> earlierTransports = this.options.transports() ? Optional.empty()
                : Report.section(this.options.report(), TransportsPhase.HEADING);
        this.loadBefore = BenchRun.loadAverage();
        header(this.loadBefore, this.machineSpeed);
        new GeneratorCheckPhase(this.bench).run();
        BenchRun.log("warm-up");
        WarmUp warmUp = WarmUp.run(this.bench);
        ThroughputPhase.Result throughput = new ThroughputPhase(this.bench).run(warmUp);
        this.report.write();
        new GatewayOverheadPhase(this.bench).run(throughput);
        this.report.write();
        new ReplicationLagPhase(this.bench).run(throughput.sustainedMax());
        this.report.write();
        new MemoryPhase(this.bench).run();
        this.report.write();
        if (!this.options.skipReconciler()) {
            new ReconcilerScanPhase(this.bench).run();
            this.report.write();
        }
        if (!this.options.skipCollector()) {
            new CollectorHopPhase(this.bench).run();
            this.report.write();
        }
        if (this.options.transports()) {
            new TransportsPhase(this.bench).run(this.report);
            this.report.write();
        }
        else {
            earlierTransports.ifPresent((section) -> this.report.raw(TransportsPhase.keptTransports(section)));
        }
    }

    /**
     * The targets and the run's length, written once the demo this run started is stopped, so that the length is
     * the whole wait.
     * @param stopped whether this run stopped the demo
     */
    private void finish(boolean stopped) throws IOException {
        this.report.heading(2, "Targets");
        this.report.table(List.of("target", "measured"), this.bench.targets().stream()
            .map((line) -> Arrays.asList(line.split("\t", 2))).toList());
        this.report.paragraph("Whole run, %s: %d s; load average at the start %s, at the end %s.",
                stopped ? "from starting the demo to stopping it" : "the demo's start included if this run started it",
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - this.bench.began()), this.loadBefore,
                BenchRun.loadAverage());
        this.report.write();
        BenchRun.log("report written to " + this.options.report());
    }

    private void header(String loadBefore, MachineSpeed speed) throws IOException {
        this.report.heading(1, "WMB benchmarks");
        this.report.paragraph("Written by `%s` on %s (commit %s). Every figure below comes from that one run, "
                + "except a section that says under its heading that it does not (section 7 unless run with "
                + "`--transports`); re-run the command to refresh it.", this.options.command(),
                Instant.now().toString().substring(0, 19) + "Z", this.bench.git("rev-parse", "--short", "HEAD"));
        this.report.paragraph("Machine: %s, %d cores, %s RAM, %s, Linux %s. Load average when the run started: %s. "
                + "The load generator runs on the same 2 cores as every service, MariaDB, Redis and Elasticsearch of "
                + "both datacenters (no core to pin it apart), so every ratio below is measured side by side in the "
                + "same run, alternating, and quoted as the median of the runs.", cpuModel(),
                Runtime.getRuntime().availableProcessors(), memTotal(), System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.version"), System.getProperty("os.version"), loadBefore);
        this.report.paragraph("Calibration, before the demo started: %s. The same machine kind has come on "
                + "different hosts (runs on an AMD EPYC and on an Intel Xeon host came 17-46%% apart lane by lane, the "
                + "direct and nginx references included): compare this report's absolute figures only with a run of "
                + "about the same calibration; its ratios, measured side by side, carry over.", speed.describe());
        this.report.paragraph("Demo at port offset %d (edge %s, unicom processor %s), started as `./wmb up` does, "
                + "services with the benchmark's JVM flags (`WMB_SERVICE_JAVA_OPTS`: `%s`, C2 on), Elasticsearch with "
                + "%s `./wmb up` runs it C1-only, which starts sooner), the gateways' rate limit off "
                + "(`WMB_RATE_LIMIT_ENABLED=false`) and the reconcilers scanning every %s (`WMB_RECONCILER_INTERVAL`, "
                + "production's default; `./wmb up` scans every 15 s so that the tour shows a repair soon).",
                this.options.offset(), this.bench.demo().edgeUrl(),
                this.bench.demo().processorUrl("unicom"),
                DemoSettings.serviceJvmOptions(),
                DemoSettings.elasticsearchFlags(), DemoSettings.reconcilerInterval());
        this.report.paragraph("Load: an open-loop generator at a constant arrival rate (its own HTTP/1.1 client on "
                + "blocking sockets, 256 keep-alive connections, each with a thread and one request in flight, as wrk "
                + "has them), latencies measured from each request's *intended* send "
                + "time into HdrHistogram (coordinated-omission correction as in wrk2); maximum rates from a closed "
                + "loop of 64 outstanding requests. Writes are `POST /api/posts` with `X-Region: north` (to unicom, "
                + "the datacenter owning the MySQL master), reads `GET /api/posts/{id}` of existing posts.");
    }

    /** Starts the demo if it does not answer; true if this run started it (and so stops it). */
    private boolean ensureDemo() throws IOException, InterruptedException {
        if (this.bench.demo().healthy()) {
            BenchRun.log("using the running demo at offset " + this.options.offset());
            return false;
        }
        BenchRun.log("starting the demo at offset " + this.options.offset() + " from empty stores (data "
                + this.options.dataRoot() + ")");
        // Every run starts from the same state: tables and indices left by earlier runs make MySQL and
        // Elasticsearch slower (a grown posts table outgrows the buffer pool; big segments keep merging).
        wmb("reset");
        wmb("up");
        if (!this.bench.demo().healthy()) {
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
        builder.environment().putIfAbsent("WMB_SERVICE_JAVA_OPTS", DemoSettings.BENCH_SERVICE_JAVA_OPTS);
        builder.environment().putIfAbsent("WMB_ES_JAVA_OPTS", DemoSettings.BENCH_ES_JAVA_OPTS);
        // No class-data archive: the bench's demo starts once per build of its jars, and the archive saved nothing
        // with C2 on (all healthy in 128 and 145 s recording it against 132 and 139 s without) while writing it
        // made the demo's stop take 22-26 s instead of 4.
        builder.environment().putIfAbsent("WMB_CDS", "false");
        // The reconcilers on production's schedule, not the tour's 15 s: a scan round's Elasticsearch work shares
        // the 2 cores with the pipeline. Minute-long runs at 500 writes/s, alternated: replication lag p99 50-56 ms
        // with the reconcilers stopped, 75-100 ms with them scanning every 15 s (2026-12-06, Intel Xeon host).
        // Set to what the report names: putIfAbsent would pass a blank value on, which the launcher reads as unset.
        builder.environment().put("WMB_RECONCILER_INTERVAL", DemoSettings.reconcilerInterval());
        builder.environment().put("WMB_RECONCILER_GRACE", DemoSettings.reconcilerGrace());
        int exit = builder.start().waitFor();
        if (exit != 0) {
            throw new IOException("./wmb " + command + " exited with " + exit);
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
}
