package io.wmb.bench;

import java.util.Arrays;
import java.util.List;

/**
 * How the bench's demo is configured: the bench's defaults, unless the environment names its own (the same variables
 * {@code ./wmb up} reads), so that the report names what ran.
 */
final class DemoSettings {

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

    private DemoSettings() {
    }

    /** WMB_SERVICE_JAVA_OPTS, else the bench's default: what the bench gives the demo's services. */
    static String serviceJvmOptions() {
        return orElse(System.getenv("WMB_SERVICE_JAVA_OPTS"), BENCH_SERVICE_JAVA_OPTS);
    }

    /** The services' JVM flags, one by one. */
    static List<String> serviceJvmFlags() {
        return Arrays.stream(serviceJvmOptions().trim().split("\\s+")).filter((flag) -> !flag.isEmpty()).toList();
    }

    /** WMB_ES_JAVA_OPTS, else the bench's default: Elasticsearch's extra JVM flags. */
    static String elasticsearchOptions() {
        return orElse(System.getenv("WMB_ES_JAVA_OPTS"), BENCH_ES_JAVA_OPTS);
    }

    /** WMB_RECONCILER_INTERVAL, else the bench's default: how often the demo it starts scans. */
    static String reconcilerInterval() {
        return orElse(System.getenv("WMB_RECONCILER_INTERVAL"), BENCH_RECONCILER_INTERVAL);
    }

    /** WMB_RECONCILER_GRACE, else the bench's default. */
    static String reconcilerGrace() {
        return orElse(System.getenv("WMB_RECONCILER_GRACE"), BENCH_RECONCILER_GRACE);
    }

    /** The gateways' event loops, as the launcher sets them (WMB_GATEWAY_IO_WORKERS, else one). */
    static int gatewayEventLoops() {
        String configured = System.getenv("WMB_GATEWAY_IO_WORKERS");
        return (configured != null && !configured.isBlank()) ? Integer.parseInt(configured.trim()) : 1;
    }

    /** Elasticsearch's flags as the report names them, opening the parenthesis that the sentence closes. */
    static String elasticsearchFlags() {
        String flags = elasticsearchOptions();
        return flags.isBlank() ? "no extra JVM flags, so C2 on (`WMB_ES_JAVA_OPTS` blank;"
                : "`WMB_ES_JAVA_OPTS`: `" + flags + "` (";
    }

    private static String orElse(String value, String fallback) {
        return (value == null || value.isBlank()) ? fallback : value;
    }
}
