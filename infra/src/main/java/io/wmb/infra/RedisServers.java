package io.wmb.infra;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/**
 * One Redis per datacenter, with an append-only file in the run's data folder.
 *
 * <p>Why persistence for a cache: in the datacenter that does not own the MySQL master, a local write goes to Redis
 * only (and to reship's outbox); its own replica has it only once the write has gone to the master and come back in
 * the binlog, which takes the whole cut while the link is cut. A Redis that came back empty would serve that
 * datacenter its replica's older state, and a like counted on it would start from the older count, so an
 * acknowledged like would be lost for good (counters merge by maximum) and the datacenters would not converge.
 * Redis writes each command to the file before it answers (with {@code everysec} it may hold writes back for up to
 * 2 s while a slow disk finishes the last sync), so a killed Redis loses nothing that was not held back;
 * {@code appendfsync} ({@code WMB_REDIS_APPENDFSYNC}, default {@code everysec}) decides what a power loss of the
 * machine may take: the last second, or nothing with {@code always}. Eviction is {@code volatile-lru} at 128 MB: the
 * processor gives a time to live only to posts the local MySQL holds, so Redis never evicts a post only it holds
 * (docs/design.md).
 */
final class RedisServers implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(RedisServers.class);

    /**
     * Which {@code redis-server} runs: {@code WMB_REDIS_SERVER} if set, else the operating system's when one is on
     * the {@code PATH} (a distribution patches its security holes: Debian 12's 7.0.15 has the fix for
     * CVE-2025-49844, the 6.2 build inside embedded-redis does not), else the one bundled with embedded-redis.
     */
    static final Path EXECUTABLE = executable();

    private final Map<Datacenter, Instance> instances;

    private final Path dataDir;

    private final String appendfsync;

    private RedisServers(Map<Datacenter, Instance> instances, Path dataDir, String appendfsync) {
        this.instances = instances;
        this.dataDir = dataDir;
        this.appendfsync = appendfsync;
    }

    static RedisServers start(InfrastructureSettings settings, ServerListener listener) {
        Map<Datacenter, Instance> instances = new EnumMap<>(Datacenter.class);
        String appendfsync = appendfsync(System.getenv("WMB_REDIS_APPENDFSYNC"));
        try {
            instances.put(Datacenter.UNICOM, Instance.start(Datacenter.UNICOM, settings.redisUnicomPort(),
                    settings.dataDir(), appendfsync, listener));
            instances.put(Datacenter.TELECOM, Instance.start(Datacenter.TELECOM, settings.redisTelecomPort(),
                    settings.dataDir(), appendfsync, listener));
            return new RedisServers(instances, settings.dataDir(), appendfsync);
        }
        catch (RuntimeException ex) {
            instances.values().forEach(Instance::stop);
            throw ex;
        }
    }

    /** When Redis syncs its append-only file, from {@code WMB_REDIS_APPENDFSYNC}: {@code everysec} when unset. */
    static String appendfsync(String configured) {
        if (configured == null || configured.isBlank()) {
            return "everysec";
        }
        String value = configured.trim();
        if (!List.of("always", "everysec", "no").contains(value)) {
            throw new IllegalArgumentException(
                    "WMB_REDIS_APPENDFSYNC must be always, everysec or no, but was '" + configured + "'");
        }
        return value;
    }

    private static Path executable() {
        String configured = System.getenv("WMB_REDIS_SERVER");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                logger.info("Running Redis from {} (the system's); WMB_REDIS_SERVER chooses another", candidate);
                return candidate;
            }
        }
        try {
            File bundled = ExecutableProvider.newJarResourceProvider().get();
            logger.warn("Running the Redis bundled with embedded-redis ({}), which lacks recent security fixes: "
                    + "install the system's redis-server or set WMB_REDIS_SERVER", bundled);
            return bundled.toPath();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("No redis-server: install one or set WMB_REDIS_SERVER", ex);
        }
    }

    /**
     * Starts a datacenter's Redis again after it died (a crash, a {@code kill -9}), on its port and from its
     * append-only file.
     * @param datacenter whose Redis
     * @param listener told of the start
     * @return the new process id
     * @throws IllegalStateException if that Redis still runs
     */
    synchronized long startAgain(Datacenter datacenter, ServerListener listener) {
        Instance previous = this.instances.get(datacenter);
        long pid = previous.pid();
        if (pid > 0) {
            throw new IllegalStateException(previous.name + " runs (pid " + pid + "): only a Redis that died can be "
                    + "started again");
        }
        previous.stop();
        Instance started = Instance.start(datacenter, previous.port, this.dataDir, this.appendfsync, listener);
        this.instances.put(datacenter, started);
        return started.pid();
    }

    String url(Datacenter datacenter) {
        return "redis://127.0.0.1:" + port(datacenter);
    }

    synchronized int port(Datacenter datacenter) {
        return this.instances.get(datacenter).port;
    }

    synchronized long pid(Datacenter datacenter) {
        return this.instances.get(datacenter).pid();
    }

    @Override
    public synchronized void close() {
        this.instances.values().forEach(Instance::stop);
    }

    private static final class Instance {

        private final String name;

        private final int port;

        private final RedisServer server;

        /** The last lines Redis printed; its output must be drained anyway or it blocks. */
        private final Deque<String> lastLines = new ArrayDeque<>();

        private Instance(String name, int port, Path dir, String appendfsync) throws IOException {
            this.name = name;
            this.port = port;
            Files.createDirectories(dir);
            this.server = RedisServer.newRedisServer()
                .executableProvider(EXECUTABLE::toFile)
                .bind("127.0.0.1")
                .port(port)
                .setting("dir \"" + dir + "\"")
                .setting("save \"\"")
                .setting("appendonly yes")
                .setting("appendfsync " + appendfsync)
                .setting("maxmemory 128mb")
                .setting("maxmemory-policy volatile-lru")
                .onShutdownForceStop(true)
                .soutListener(this::remember)
                .serrListener(this::remember)
                .build();
        }

        static Instance start(Datacenter datacenter, int requestedPort, Path dataDir, String appendfsync,
                ServerListener listener) {
            String name = "redis-" + datacenter.id();
            return LocalPorts.startOnFreePort(requestedPort, name,
                    (port) -> startOn(name, port, dataDir, appendfsync, listener));
        }

        private static Instance startOn(String name, int port, Path dataDir, String appendfsync,
                ServerListener listener) {
            listener.starting(name, port);
            long started = System.nanoTime();
            Instance instance = null;
            try {
                instance = new Instance(name, port, dataDir.resolve(name), appendfsync);
                instance.server.start();
                listener.ready(name, port, instance.pid(), Duration.ofNanos(System.nanoTime() - started));
                return instance;
            }
            catch (IOException | RuntimeException ex) {
                String tail = (instance != null) ? instance.tail() : "";
                listener.failed(name, port, String.valueOf(ex.getMessage()), tail);
                throw new ServerStartException(name, "Redis did not start on port " + port, tail, ex);
            }
        }

        private void remember(String line) {
            synchronized (this.lastLines) {
                this.lastLines.addLast(line);
                if (this.lastLines.size() > 20) {
                    this.lastLines.removeFirst();
                }
            }
            logger.debug("{}: {}", this.name, line);
        }

        private String tail() {
            synchronized (this.lastLines) {
                return String.join("\n", this.lastLines);
            }
        }

        long pid() {
            // Redis rewrites its process title to "redis-server 127.0.0.1:<port>".
            String address = "127.0.0.1:" + this.port;
            return Processes.findDescendant((line) -> line.contains("redis-server") && line.contains(address))
                .map(ProcessHandle::pid)
                .orElse(-1L);
        }

        void stop() {
            try {
                this.server.stop();
            }
            catch (IOException ex) {
                logger.warn("Stopping {} failed", this.name, ex);
            }
        }
    }
}
