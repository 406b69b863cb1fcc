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
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;
import redis.embedded.core.ExecutableProvider;

/** One Redis per datacenter, a pure cache: no snapshots, no append-only file. */
final class RedisServers implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(RedisServers.class);

    /**
     * Which {@code redis-server} runs: {@code WMB_REDIS_SERVER} if set, else the operating system's when one is on
     * the {@code PATH} (a distribution patches its security holes: Debian 12's 7.0.15 has the fix for
     * CVE-2025-49844, the 6.2 build inside embedded-redis does not), else the one bundled with embedded-redis.
     */
    static final Path EXECUTABLE = executable();

    private final Map<Datacenter, Instance> instances;

    private RedisServers(Map<Datacenter, Instance> instances) {
        this.instances = instances;
    }

    static RedisServers start(InfrastructureSettings settings, ServerListener listener) {
        Map<Datacenter, Instance> instances = new EnumMap<>(Datacenter.class);
        try {
            instances.put(Datacenter.UNICOM, Instance.start(Datacenter.UNICOM, settings.redisUnicomPort(), listener));
            instances.put(Datacenter.TELECOM,
                    Instance.start(Datacenter.TELECOM, settings.redisTelecomPort(), listener));
            return new RedisServers(instances);
        }
        catch (RuntimeException ex) {
            instances.values().forEach(Instance::stop);
            throw ex;
        }
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

    String url(Datacenter datacenter) {
        return "redis://127.0.0.1:" + port(datacenter);
    }

    int port(Datacenter datacenter) {
        return this.instances.get(datacenter).port;
    }

    long pid(Datacenter datacenter) {
        return this.instances.get(datacenter).pid();
    }

    @Override
    public void close() {
        this.instances.values().forEach(Instance::stop);
    }

    private static final class Instance {

        private final String name;

        private final int port;

        private final RedisServer server;

        /** The last lines Redis printed; its output must be drained anyway or it blocks. */
        private final Deque<String> lastLines = new ArrayDeque<>();

        private Instance(String name, int port) throws IOException {
            this.name = name;
            this.port = port;
            this.server = RedisServer.newRedisServer()
                .executableProvider(EXECUTABLE::toFile)
                .bind("127.0.0.1")
                .port(port)
                .setting("save \"\"")
                .setting("appendonly no")
                .setting("maxmemory 128mb")
                .setting("maxmemory-policy allkeys-lru")
                .onShutdownForceStop(true)
                .soutListener(this::remember)
                .serrListener(this::remember)
                .build();
        }

        static Instance start(Datacenter datacenter, int requestedPort, ServerListener listener) {
            String name = "redis-" + datacenter.id();
            int port = LocalPorts.orFree(requestedPort);
            LocalPorts.requireFree(port, name);
            listener.starting(name, port);
            long started = System.nanoTime();
            Instance instance = null;
            try {
                instance = new Instance(name, port);
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
