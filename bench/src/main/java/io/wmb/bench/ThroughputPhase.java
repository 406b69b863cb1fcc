package io.wmb.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.wmb.bench.demo.CpuMeter;
import io.wmb.bench.demo.PrometheusHistogram;
import io.wmb.bench.load.LoadResult;
import io.wmb.bench.profile.AsyncProfiler;
import io.wmb.bench.profile.ProfileSummary;
import io.wmb.bench.report.Report;
import io.wmb.bench.report.Svg;

/** Phase 1: maximum write rate, edge (whole pipeline) against the processor alone, alternating. */
final class ThroughputPhase extends Phase {

    /** Profiled during phase 1: the services that spent the most CPU per write in earlier runs. */
    private static final List<String> PROFILED = List.of("processor-unicom", "reship-unicom", "edge");

    ThroughputPhase(BenchRun bench) {
        super(bench);
    }

    Result run(WarmUp warmUp) throws Exception {
        BenchRun.log("phase 1: maximum write rate");
        // Five: single runs on this shared machine differ by 15% or more, and a median of five shrugs off two.
        int runs = this.options.quick() ? 2 : 5;
        Duration duration = this.options.quick() ? Duration.ofSeconds(6) : Duration.ofSeconds(10);
        List<LoadResult> edge = new ArrayList<>();
        List<LoadResult> direct = new ArrayList<>();
        Map<String, Long> pids = this.bench.servicePids();
        Map<String, Double> edgeCpu = new LinkedHashMap<>();
        Map<String, Double> directCpu = new LinkedHashMap<>();
        double[] sustained = new double[runs];
        // The warm-up's backlog must not count towards the first run.
        this.replication.awaitIdle();
        for (int run = 1; run <= runs; run++) {
            CpuMeter cpu = new CpuMeter(pids);
            PrometheusHistogram before = this.replication.lag();
            long started = System.nanoTime();
            LoadResult viaEdge = this.load.saturate("writes via edge, run " + run, 64, duration,
                    Workload.writes(this.demo.edgeUrl(), "max-edge-" + run));
            Map<String, Double> cores = cpu.coresUsed();
            BenchRun.log(viaEdge);
            edge.add(viaEdge);
            cores.forEach((name, used) -> edgeCpu.merge(name, used / runs, Double::sum));
            // Replication is asynchronous: a closed loop can outrun it and leave a backlog that drains after the
            // run. The rate the whole pipeline sustains counts until the last write is applied in telecom.
            Replication.Replicated replicated = this.replication.awaitReplicated(before, viaEdge.completed());
            sustained[run - 1] = replicated.histogram().count() / ((replicated.atNanos() - started) / 1e9);
            BenchRun.log(String.format(Locale.ROOT, "run %d: %d writes applied in the other datacenter %.1f s after "
                    + "the start: %.0f writes/s sustained", run, replicated.histogram().count(),
                    (replicated.atNanos() - started) / 1e9, sustained[run - 1]));
            cpu = new CpuMeter(pids);
            before = this.replication.lag();
            LoadResult alone = this.load.saturate("writes direct, run " + run, 64, duration,
                    Workload.writes(this.demo.processorUrl("unicom"), "max-direct-" + run));
            cpu.coresUsed().forEach((name, used) -> directCpu.merge(name, used / runs, Double::sum));
            BenchRun.log(alone);
            direct.add(alone);
            // The next edge run starts with nothing left to replicate, as this one did.
            this.replication.awaitReplicated(before, alone.completed());
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
            BenchRun.log(this.load.saturate("writes via edge, profiled", 64, Duration.ofSeconds(seconds + 2),
                    Workload.writes(this.demo.edgeUrl(), "profiled")));
            recordings.forEach((name, recording) -> profiles.put(name, recording.join()));
        }
        double edgeMax = Stats.median(edge.stream().mapToDouble(LoadResult::throughput).toArray());
        double directMax = Stats.median(direct.stream().mapToDouble(LoadResult::throughput).toArray());
        double sustainedMax = Stats.median(sustained);
        double[] ratios = new double[runs];
        for (int i = 0; i < runs; i++) {
            ratios[i] = edge.get(i).throughput() / direct.get(i).throughput();
        }
        double ratio = Stats.median(ratios);
        this.report.heading(2, "1. Write throughput: the whole pipeline against the processor alone");
        this.report.paragraph("Closed loop, 64 requests outstanding, %d runs of %d s alternating edge and direct. "
                + "*Edge*: client -> edge -> unicom gateway -> unicom processor (MySQL master, Redis, processing log, "
                + "hand-off to reship) with replication to telecom running (reship -> link -> collector -> telecom "
                + "processor). *Direct*: the same `POST` straight to the unicom processor. **Baseline honesty:** the "
                + "demo cannot switch replication off per run, so the direct baseline still hands every write to "
                + "reship and still logs to Elasticsearch; what the ratio isolates is the cost of the edge and the "
                + "gateway hops, while the replication work (reship, collector, telecom processor) runs in both "
                + "columns and takes CPU from the same 2 cores. Its cost shows in the CPU table below. *Replicated*: "
                + "replication is asynchronous, and a closed loop can outrun it; this column divides the run's "
                + "writes by the time "
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
                + "**", "", "", String.format(Locale.ROOT, "**%.2f**", ratio), ""));
        this.report.table(List.of("run", "edge writes/s", "edge writes/s replicated", "edge p50 ms", "edge p99 ms",
                "direct writes/s", "direct p50 ms", "direct p99 ms", "edge / direct", "non-2xx edge / direct"), rows);
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
                + "processor direct, replication still on)", 100 * ratio, (ratio >= 0.6) ? "met" : "missed"));
        return new Result(edgeMax, directMax, ratio, sustainedMax);
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
            BenchRun.log("profiling " + name + " failed: " + ex);
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

    /** Medians of phase 1, which later phases size their load by. */
    record Result(double edgeMax, double directMax, double ratio, double sustainedMax) {
    }

    private static String errors(LoadResult result) {
        return Long.toString(result.failed());
    }
}
