package io.wmb.bench;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.wmb.bench.report.Report;

/**
 * Phase 7: the gRPC and the Kafka transport side by side (the collector's TransportComparisonBenchmark, which starts
 * its own servers and brokers). Only {@code --transports} and {@code --only-transports} run it; otherwise the report
 * keeps the section of the run that last did.
 */
final class TransportsPhase extends Phase {

    /** The transport comparison's heading starts so; {@code --only-transports} replaces that section alone. */
    static final String HEADING = "## 7.";

    /** How a transport comparison kept from an earlier report is marked. */
    static final String KEPT_NOTE = "*Not measured by this run:*";

    TransportsPhase(BenchRun bench) {
        super(bench);
    }

    /**
     * Measures the comparison and writes its section.
     * @param target the report of the whole run, or one of its own that {@code --only-transports} splices in
     */
    void run(Report target) throws IOException, InterruptedException {
        BenchRun.log("phase 7: gRPC vs Kafka transport (TransportComparisonBenchmark)");
        int writes = this.options.quick() ? 4_000 : 8_000;
        long started = System.nanoTime();
        String output = this.bench.runTestMain("collector", "io.wmb.collector.it.TransportComparisonBenchmark",
                List.of(Integer.toString(writes)));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        Map<String, Map<String, String[]>> byMeasurement = new LinkedHashMap<>();
        for (String text : output.lines().filter((line) -> line.startsWith("RESULT ")).toList()) {
            String[] fields = text.substring("RESULT ".length()).split("\\|", -1);
            if (fields.length == 5) {
                byMeasurement.computeIfAbsent(fields[1], (key) -> new LinkedHashMap<>()).put(fields[0], fields);
            }
        }
        target.heading(2, HEADING.substring(3) + " Transports: gRPC stream against Kafka (message queue)");
        target.paragraph("The collector's `TransportComparisonBenchmark` (test scope), run as a separate process by "
                + "`%s` on %s (commit %s; %d s, load average at its end %s). One transport after the other, each with "
                + "its own real reship (telecom) and collector (unicom) and a versioned in-memory processor behind the "
                + "collector, on the same real servers: gRPC is reship's `Sync` stream through the link; Kafka is "
                + "reship publishing to telecom's broker, its bridge producing through the link into unicom's broker, "
                + "and the collector consuming (both brokers real, KRaft, from the `kafka_2.13` release Spring Boot "
                + "manages, C1-only JVMs of 256 MB heap). Lag = accepted by reship -> applied by the peer's "
                + "processor, per write. %,d writes per measurement, "
                + "1,000 at the steady rate.", this.options.command(), Instant.now().toString().substring(0, 10),
                this.bench.git("rev-parse", "--short", "HEAD"), seconds, BenchRun.loadAverage(), writes);
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
                + "the collector's poll; in exchange the backlog of a long outage waits in a replayable log "
                + "(replicated in a real cluster) rather than in one reship's RocksDB outbox.");
        if (target == this.report) {
            String[] none = { "", "", "", "-", "-" };
            byMeasurement.entrySet().stream()
                .filter((entry) -> entry.getKey().startsWith("steady 100 writes/s, link 0"))
                .findFirst()
                .ifPresent((entry) -> this.targets.add("Kafka transport lag at 100 writes/s (0 ms link), p50 / p99\t"
                        + lag(entry.getValue().getOrDefault("kafka", none)) + " ms (gRPC "
                        + lag(entry.getValue().getOrDefault("grpc", none)) + " ms)"));
        }
    }

    private static String lag(String[] fields) {
        return fields[3].equals("-") ? "-" : fields[3] + " / " + fields[4];
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
}
