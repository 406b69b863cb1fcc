package io.wmb.bench;

import java.nio.file.Path;

/**
 * The command line of {@code ./wmb bench}: {@code --quick}, {@code --offset N} (default {@code WMB_PORT_OFFSET},
 * else 23000), {@code --repository DIR}, {@code --report FILE}, {@code --data-root DIR}, {@code --skip-collector},
 * {@code --skip-reconciler}, {@code --keep-demo}, {@code --transports}, {@code --only-transports}.
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
record BenchOptions(int offset, boolean quick, Path repository, Path report, Path dataRoot, boolean skipCollector,
        boolean skipReconciler, boolean keepDemo, String command, boolean transports, boolean onlyTransports) {

    static BenchOptions parse(String[] args) {
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
        return new BenchOptions(offset, quick, repository, report, dataRoot, skipCollector, skipReconciler, keepDemo,
                command, transports, onlyTransports);
    }
}
