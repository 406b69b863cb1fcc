package io.wmb.infra;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/** One Redis per datacenter, a pure cache: no snapshots, no append-only file. */
final class RedisServers implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(RedisServers.class);

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
