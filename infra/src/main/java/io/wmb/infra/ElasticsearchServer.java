package io.wmb.infra;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Elasticsearch 8.19 node, the shared processing-log cluster, from the distribution zip that Maven Central
 * serves. The zip is unpacked once into the dist folder; each run gets its own config, data, logs and tmp folders.
 *
 * <p>Elasticsearch refuses to run as root: when this JVM is root, the node runs as uid 65534 through
 * {@code setpriv}, and its instance folder belongs to that uid.
 */
final class ElasticsearchServer implements AutoCloseable {

    static final String NAME = "elasticsearch";

    private static final Logger logger = LoggerFactory.getLogger(ElasticsearchServer.class);

    /** 5-15 s on an idle 2-core machine, far more next to a build; {@code -Dwmb.elasticsearch.startTimeout=PT10M}. */
    private static final Duration START_TIMEOUT = Duration.parse(System.getProperty("wmb.elasticsearch.startTimeout",
            "PT5M"));

    private static final String UNPRIVILEGED_ID = "65534";

    /** How many sets of free ports a node started on free ports tries. */
    private static final int BIND_ATTEMPTS = 3;

    private final int port;

    private final Process process;

    private final Path consoleLog;

    private ElasticsearchServer(int port, Process process, Path consoleLog) {
        this.port = port;
        this.process = process;
        this.consoleLog = consoleLog;
    }

    /** JVM options added to the node's own unless WMB_ES_JAVA_OPTS says otherwise. */
    static final String DEFAULT_JAVA_OPTS = "-XX:TieredStopAtLevel=1";

    /**
     * The node's priority once it is healthy unless WMB_ES_NICE says otherwise: the normal one. A lower one (nice
     * 10) cut the replication lag's p99 at 150 writes/s from 45-56 ms to 39-40 ms on two shared cores, but under
     * sustained saturation the node then fell minutes behind: the writers spilled the processing log to disk, and
     * the reconcilers took the records not yet indexed for missing stages and re-drove thousands of writes.
     */
    static final int DEFAULT_NICE = 0;

    /** Starts the node and waits until the cluster health is yellow. */
    static ElasticsearchServer start(InfrastructureSettings settings, ServerListener listener) {
        int port = settings.elasticsearchPort();
        if (port != 0) {
            LocalPorts.requireFree(port, NAME);
            LocalPorts.requireFree(port + 100, NAME + " transport");
            return start(settings, listener, port, port + 100, true);
        }
        // A free port stays free only until someone takes it, and the node binds it seconds later: meanwhile an
        // outgoing connection of any process may get it as its local port (the kernel draws those from the same
        // range), and the node exits. Other free ports are then tried. (Not checked beforehand with requireFree:
        // that check can only race the same way, and a connect to a free port of the ephemeral range may even
        // connect the socket to itself.)
        for (int attempt = 1; ; attempt++) {
            try {
                return start(settings, listener, LocalPorts.free(), LocalPorts.free(), attempt == BIND_ATTEMPTS);
            }
            catch (ServerStartException ex) {
                if (attempt == BIND_ATTEMPTS || !isBindFailure(ex.logTail())) {
                    throw ex;
                }
                logger.warn("Elasticsearch could not bind its port (taken since it was picked); trying others");
            }
        }
    }

    /** Whether a node's log tells that it could not bind one of its ports. */
    static boolean isBindFailure(String logTail) {
        return logTail != null && (logTail.contains("BindException") || logTail.contains("Failed to bind")
                || logTail.contains("BindTransportException") || logTail.contains("Address already in use")
                || logTail.contains("HttpServerTransport.bind"));
    }

    private static ElasticsearchServer start(InfrastructureSettings settings, ServerListener listener, int port,
            int transportPort, boolean lastAttempt) {
        listener.starting(NAME, port);
        long started = System.nanoTime();
        Path home = settings.dataDir().resolve(NAME);
        Path consoleLog = home.resolve("console.log");
        Process process = null;
        try {
            int nice = configuredNice();
            Path distribution = unpack(settings.distDir());
            prepareInstance(distribution, home);
            List<String> command = new ArrayList<>();
            if (Processes.isRoot()) {
                // Elasticsearch starts through a chain of three JVMs (launcher, flag probe, node), each waiting for
                // the one before; among a dozen service JVMs starting on two cores that chain was the last to be
                // healthy. A raised priority until it is healthy (root only) puts it first; all finish sooner.
                command.addAll(List.of("nice", "-n", "-10"));
                command.addAll(List.of("setpriv", "--reuid=" + UNPRIVILEGED_ID, "--regid=" + UNPRIVILEGED_ID,
                        "--clear-groups", "--"));
            }
            command.addAll(List.of(distribution.resolve("bin/elasticsearch").toString(),
                    "-p", home.resolve("elasticsearch.pid").toString(),
                    "-Ecluster.name=wmb-" + settings.dataDir().getFileName(),
                    "-Enode.name=wmb-es",
                    "-Ediscovery.type=single-node",
                    "-Expack.security.enabled=false",
                    "-Enetwork.host=127.0.0.1",
                    "-Ehttp.port=" + port,
                    "-Etransport.port=" + transportPort,
                    "-Epath.data=" + home.resolve("data"),
                    "-Epath.logs=" + home.resolve("logs"),
                    "-Ecluster.routing.allocation.disk.threshold_enabled=false",
                    "-Eaction.destructive_requires_name=false"));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(consoleLog.toFile()));
            builder.environment().put("ES_JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("ES_PATH_CONF", home.resolve("config").toString());
            builder.environment().put("ES_TMPDIR", home.resolve("tmp").toString());
            builder.environment().remove("JAVA_TOOL_OPTIONS");
            // The launcher JVM that starts the node: short-lived, so C1 only.
            builder.environment().put("CLI_JAVA_OPTS", "-XX:TieredStopAtLevel=1");
            process = builder.start();
            ElasticsearchServer server = new ElasticsearchServer(port, process, consoleLog);
            server.awaitHealthy();
            if ((Processes.isRoot() || nice > 0) && !Processes.setPriority(process.toHandle(), nice)) {
                logger.warn("Could not set {}'s priority to nice {} (renice failed)", NAME, nice);
            }
            listener.ready(NAME, port, process.pid(), Duration.ofNanos(System.nanoTime() - started));
            return server;
        }
        catch (IOException | RuntimeException ex) {
            if (process != null) {
                Processes.terminate(process.toHandle(), Duration.ofSeconds(10));
            }
            String tail = LogFiles.tail(consoleLog, 30);
            if (lastAttempt || !isBindFailure(tail)) {
                listener.failed(NAME, port, String.valueOf(ex.getMessage()), tail);
            }
            if (ex instanceof ServerStartException startException) {
                throw startException;
            }
            throw new ServerStartException(NAME, "Elasticsearch did not start on port " + port + ": "
                    + ex.getMessage(), tail, ex);
        }
    }

    /** The niceness the node runs at once healthy: WMB_ES_NICE, or {@link #DEFAULT_NICE}. */
    static int configuredNice() {
        String value = System.getenv("WMB_ES_NICE");
        if (value == null || value.isBlank()) {
            return DEFAULT_NICE;
        }
        int nice;
        try {
            nice = Integer.parseInt(value.trim());
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException("WMB_ES_NICE must be a number from -20 to 19, but was '" + value + "'",
                    ex);
        }
        if (nice < -20 || nice > 19) {
            throw new IllegalArgumentException("WMB_ES_NICE must be a number from -20 to 19, but was " + nice);
        }
        return nice;
    }

    String url() {
        return "http://127.0.0.1:" + this.port;
    }

    int port() {
        return this.port;
    }

    long pid() {
        return this.process.pid();
    }

    @Override
    public void close() {
        // The launcher script forwards SIGTERM to the node, which stops in about 1.5 s.
        ProcessHandle handle = this.process.toHandle();
        List<ProcessHandle> children = handle.descendants().toList();
        Processes.terminate(handle, Duration.ofSeconds(20));
        children.forEach((child) -> Processes.terminate(child, Duration.ofSeconds(5)));
    }

    private void awaitHealthy() {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(
                URI.create(url() + "/_cluster/health?wait_for_status=yellow&timeout=1s"))
            .timeout(Duration.ofSeconds(3))
            .build();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!this.process.isAlive()) {
                throw new ServerStartException(NAME, "Elasticsearch exited with code " + this.process.exitValue(),
                        LogFiles.tail(this.consoleLog, 30), null);
            }
            try {
                if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            }
            catch (IOException ex) {
                logger.trace("Elasticsearch not up yet: {}", ex.getMessage());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for Elasticsearch", ex);
            }
            sleep(Duration.ofMillis(250));
        }
        throw new ServerStartException(NAME, "Elasticsearch not healthy within " + START_TIMEOUT.toSeconds() + " s",
                LogFiles.tail(this.consoleLog, 30), null);
    }

    /** Gives this run its own config, data, logs and tmp; owned by the unprivileged uid when running as root. */
    private static void prepareInstance(Path distribution, Path home) throws IOException {
        for (String folder : List.of("config", "data", "logs", "tmp")) {
            Files.createDirectories(home.resolve(folder));
        }
        Path config = home.resolve("config");
        try (Stream<Path> files = Files.walk(distribution.resolve("config"))) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = config.resolve(distribution.resolve("config").relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                }
                else if (!Files.exists(target)) {
                    Files.copy(source, target);
                }
            }
        }
        Path options = config.resolve("jvm.options.d");
        Files.createDirectories(options);
        // Small heap: the node only holds the processing log of a demo or a test run.
        // A small initial heap: Elasticsearch pre-touches it (AlwaysPreTouch), so it is resident from the start;
        // the demo's processing log at rest needs far less, and the heap still grows to 512 MB under load.
        Files.writeString(options.resolve("heap.options"), "-Xms128m\n-Xmx512m\n");
        // Like the services: C1 only by default, which halves the node's start-up CPU on two shared cores.
        // WMB_ES_JAVA_OPTS replaces it (blank for the JVM's defaults, C2 included).
        String extra = Optional.ofNullable(System.getenv("WMB_ES_JAVA_OPTS")).orElse(DEFAULT_JAVA_OPTS);
        Files.writeString(options.resolve("wmb.options"), String.join("\n", extra.trim().split("\\s+")) + "\n");
        if (Processes.isRoot()) {
            run("chown", "-R", UNPRIVILEGED_ID + ":" + UNPRIVILEGED_ID, home.toString());
        }
    }

    /** Unpacks the distribution zip once per dist folder (a file lock keeps parallel JVMs apart). */
    private static Path unpack(Path distDir) throws IOException {
        String version = version();
        Path target = distDir.resolve("elasticsearch-" + version);
        Path marker = target.resolve(".unpacked");
        Files.createDirectories(distDir);
        try (FileChannel channel = FileChannel.open(distDir.resolve("elasticsearch-" + version + ".lock"),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE); FileLock lock = channel.lock()) {
            if (Files.exists(marker)) {
                return target;
            }
            Path zip = locateZip(version);
            long started = System.nanoTime();
            try (ZipFile archive = new ZipFile(zip.toFile())) {
                Enumeration<? extends ZipEntry> entries = archive.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry entry = entries.nextElement();
                    // Entries are "elasticsearch-<version>/..."; strip the top folder.
                    String name = entry.getName().substring(entry.getName().indexOf('/') + 1);
                    Path file = target.resolve(name).normalize();
                    if (!file.startsWith(target)) {
                        throw new IOException("zip entry outside the target folder: " + entry.getName());
                    }
                    if (entry.isDirectory()) {
                        Files.createDirectories(file);
                        continue;
                    }
                    Files.createDirectories(file.getParent());
                    try (InputStream in = archive.getInputStream(entry)) {
                        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                    }
                    // java.util.zip drops Unix modes: the scripts in bin/ must be executable again.
                    if (name.startsWith("bin/") || name.contains("/bin/")) {
                        file.toFile().setExecutable(true, false);
                    }
                }
            }
            Files.writeString(marker, version);
            logger.info("Unpacked Elasticsearch {} into {} in {} ms", version, target,
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
            return target;
        }
    }

    /**
     * The distribution zip: {@code -Dwmb.elasticsearch.zip} or {@code WMB_ELASTICSEARCH_ZIP} if given, otherwise
     * the local Maven repository, into which building this module resolves it.
     */
    private static Path locateZip(String version) {
        String explicit = System.getProperty("wmb.elasticsearch.zip", System.getenv("WMB_ELASTICSEARCH_ZIP"));
        Path zip;
        if (explicit != null && !explicit.isBlank()) {
            zip = Paths.get(explicit);
        }
        else {
            String repository = System.getProperty("maven.repo.local",
                    Paths.get(System.getProperty("user.home"), ".m2", "repository").toString());
            zip = Paths.get(repository, "org", "elasticsearch", "distribution", "integ-test-zip", "elasticsearch",
                    version, "elasticsearch-" + version + ".zip");
        }
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException("Elasticsearch distribution not found at " + zip
                    + "; build the infra module once (./mvnw -pl infra install) to download it from Maven Central");
        }
        return zip;
    }

    private static String version() {
        Properties properties = new Properties();
        try (InputStream in = ElasticsearchServer.class.getResourceAsStream("/io/wmb/infra/versions.properties")) {
            properties.load(in);
        }
        catch (IOException | NullPointerException ex) {
            throw new IllegalStateException("io/wmb/infra/versions.properties is missing from the classpath", ex);
        }
        return properties.getProperty("elasticsearch");
    }


    private static void run(String... command) throws IOException {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + output);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), ex);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
