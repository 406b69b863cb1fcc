package io.wmb.bench;

import java.util.List;
import java.util.Optional;

import io.wmb.bench.demo.Demo;
import io.wmb.bench.load.HttpLoad;
import io.wmb.bench.profile.AsyncProfiler;
import io.wmb.bench.report.Report;

/**
 * A phase of {@code ./wmb bench}: it measures one thing against its baseline and writes its section of the report.
 * The fields are the parts of the {@link BenchRun} that phases use all the time.
 */
abstract class Phase {

    protected final BenchRun bench;

    protected final BenchOptions options;

    protected final Demo demo;

    protected final Report report;

    protected final HttpLoad load;

    protected final Replication replication;

    /** Empty where async-profiler has no library: the profiles fall back to JFR. */
    protected final Optional<AsyncProfiler> asyncProfiler;

    /** One line per target, "what\tmeasured", for the report's last table. */
    protected final List<String> targets;

    protected Phase(BenchRun bench) {
        this.bench = bench;
        this.options = bench.options();
        this.demo = bench.demo();
        this.report = bench.report();
        this.load = bench.load();
        this.replication = bench.replication();
        this.asyncProfiler = bench.asyncProfiler();
        this.targets = bench.targets();
    }
}
