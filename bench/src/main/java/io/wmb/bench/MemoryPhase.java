package io.wmb.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.wmb.bench.demo.Demo;
import io.wmb.bench.report.Report;
import io.wmb.bench.report.Svg;

/** Phase 6: resident memory of every process of the demo. */
final class MemoryPhase extends Phase {

    MemoryPhase(BenchRun bench) {
        super(bench);
    }

    void run() throws IOException {
        BenchRun.log("phase 6: memory");
        List<List<String>> rows = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        long total = 0;
        for (Demo.Component component : this.demo.components()) {
            long pid = component.pid();
            if ("elasticsearch".equals(component.name())) {
                // The supervisor knows only the command-line launcher's pid, not the server JVM's.
                long server = this.bench.findElasticsearchPid();
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
}
