package io.wmb.systemtests.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.util.unit.DataSize;

import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.SafeEncoder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A running demo seen from outside, for fault drills: its ports (the demo ports of docs/design.md moved by
 * {@code WMB_PORT_OFFSET}), the supervisor's control API (link cut, heal, round trip, one service stopped and
 * started) and the operating-system level faults the control API does not offer: {@code kill -9} of a service and
 * freezing Elasticsearch with SIGSTOP.
 */
public final class FaultDemo {

    /** The datacenters of the demo, in the order of their numbers (unicom 1, telecom 2). */
    public static final List<String> DATACENTERS = List.of("unicom", "telecom");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final int offset;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * A view of the demo whose ports are moved by this much.
     * @param offset the demo's {@code WMB_PORT_OFFSET}
     */
    public FaultDemo(int offset) {
        if (offset < 0 || offset > 30000) {
            throw new IllegalArgumentException("offset must be between 0 and 30000, but was " + offset);
        }
        this.offset = offset;
    }

    /** A demo port of unicom moved to {@code datacenter} (telecom is unicom's port + 1) and by the offset. */
    public int port(String datacenter, int unicomPort) {
        return unicomPort + DATACENTERS.indexOf(datacenter) + this.offset;
    }

    /** The edge (GeoDNS role). */
    public URI edge(String path) {
        return URI.create("http://127.0.0.1:" + (8080 + this.offset) + path);
    }

    /** A datacenter's gateway. */
    public URI gateway(String datacenter, String path) {
        return URI.create("http://127.0.0.1:" + port(datacenter, 8081) + path);
    }

    /** A datacenter's processor, bypassing the gateway. */
    public URI processor(String datacenter, String path) {
        return URI.create("http://127.0.0.1:" + port(datacenter, 8101) + path);
    }

    /** A datacenter's reconciler. */
    public URI reconciler(String datacenter, String path) {
        return URI.create("http://127.0.0.1:" + port(datacenter, 8131) + path);
    }

    /** A datacenter's collector gRPC port. */
    public int collectorGrpcPort(String datacenter) {
        return port(datacenter, 9121);
    }

    /** A datacenter's processor gRPC port (Apply, Fetch: inside the datacenter only). */
    public int processorGrpcPort(String datacenter) {
        return port(datacenter, 9101);
    }

    /** Elasticsearch, shared by both datacenters. */
    public URI elasticsearch(String path) {
        return URI.create("http://127.0.0.1:" + (9200 + this.offset) + path);
    }

    /** JDBC URL of a datacenter's MySQL: the master in unicom, the replica in telecom. */
    public String mysqlUrl(String datacenter) {
        return "jdbc:mysql://127.0.0.1:" + port(datacenter, 3307) + "/wmb";
    }

    /** Redis URL of a datacenter. */
    public String redisUrl(String datacenter) {
        return "redis://127.0.0.1:" + port(datacenter, 6380);
    }

    /** Cuts the inter-datacenter link. */
    public void cutLink() {
        control("POST", "/link/cut");
    }

    /** Heals the inter-datacenter link. */
    public void healLink() {
        control("POST", "/link/heal");
    }

    /** Sets the link's round-trip time. */
    public void roundTrip(Duration rtt) {
        control("POST", "/link/latency?rttMs=" + rtt.toMillis());
    }

    /** A whole datacenter lost as in a power loss: its services killed, the link cut. Answers the steps. */
    public String datacenterDown(String datacenter) {
        return control("POST", "/datacenters/" + datacenter + "/down", Duration.ofMinutes(1));
    }

    /** The datacenter back: the link healed, its services started. Answers the steps. */
    public String datacenterUp(String datacenter) {
        return control("POST", "/datacenters/" + datacenter + "/up", Duration.ofMinutes(1));
    }

    /** The MySQL master failed over to the datacenter that does not own it, by the operator procedure. */
    public String failOver() {
        return control("POST", "/failover", Duration.ofMinutes(5));
    }

    /** The way back: the master returns to unicom. */
    public String failBack() {
        return control("POST", "/failback", Duration.ofMinutes(5));
    }

    /** The datacenter that owns the MySQL master, as the supervisor knows it. */
    public String databaseOwner() {
        return JSON.readTree(control("GET", "/status")).path("databaseOwner").asString();
    }

    /**
     * Turns packet-like stalls on the link on (pauses up to {@code maxPause}) or off.
     * @return the pauses the link has made so far, over all routes
     */
    public long linkStalls(boolean enabled, Duration maxPause) {
        String link = control("POST", "/link/stalls?enabled=" + enabled + "&maxPauseMs=" + maxPause.toMillis());
        return JSON.readTree(link).get("stalls").get("pauses").asLong();
    }

    /** Starts a service again through the supervisor (it must have stopped or been killed). */
    public void startService(String id) {
        control("POST", "/services/" + id + "/start");
    }

    /** Starts a Redis that died again through the supervisor, from its append-only file. */
    public void startServer(String id) {
        control("POST", "/servers/" + id + "/start");
    }

    /**
     * Makes a datacenter's Redis run out of memory and evict whatever its eviction policy lets it: sets its memory
     * limit just above what it holds, writes four times that margin of junk that may be evicted (a time to live),
     * then puts the limit back and removes the junk.
     * @param datacenter whose Redis
     * @param margin how far above what Redis holds the limit goes while the junk is written
     * @return how many keys Redis evicted meanwhile
     */
    public long forceRedisEviction(String datacenter, DataSize margin) {
        try (JedisPooled redis = new JedisPooled(URI.create(redisUrl(datacenter)))) {
            long before = redisInfo(redis, "evicted_keys");
            String limit = SafeEncoder.encode((byte[]) ((List<?>) redis.sendCommand(Command.CONFIG, "GET",
                    "maxmemory")).get(1));
            redis.sendCommand(Command.CONFIG, "SET", "maxmemory",
                    Long.toString(redisInfo(redis, "used_memory") + margin.toBytes()));
            String value = "x".repeat(1024);
            long keys = 4 * margin.toBytes() / value.length();
            try {
                try (AbstractPipeline pipeline = redis.pipelined()) {
                    for (long i = 0; i < keys; i++) {
                        pipeline.set("wmb-fault:junk:" + i, value, SetParams.setParams().ex(600));
                    }
                    pipeline.sync();
                }
                return redisInfo(redis, "evicted_keys") - before;
            }
            finally {
                redis.sendCommand(Command.CONFIG, "SET", "maxmemory", limit);
                try (AbstractPipeline pipeline = redis.pipelined()) {
                    for (long i = 0; i < keys; i++) {
                        pipeline.unlink("wmb-fault:junk:" + i);
                    }
                    pipeline.sync();
                }
            }
        }
    }

    private static long redisInfo(JedisPooled redis, String field) {
        for (String line : SafeEncoder.encode((byte[]) redis.sendCommand(Command.INFO)).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("Redis INFO has no " + field);
    }

    /**
     * Kills a service with SIGKILL, as a crash would: no shutdown hook, no graceful drain.
     * @return the pid it had
     */
    public long kill9(String id) {
        long pid = pid(id);
        ProcessHandle process = ProcessHandle.of(pid)
            .orElseThrow(() -> new IllegalStateException(id + " (pid " + pid + ") does not run"));
        // destroyForcibly is SIGKILL on Linux.
        process.destroyForcibly();
        process.onExit().join();
        return pid;
    }

    /** Whether the supervisor reports the service healthy. */
    public boolean isHealthy(String id) {
        return component(id).path("healthy").asBoolean(false);
    }

    /**
     * Freezes (SIGSTOP) or thaws (SIGCONT) Elasticsearch and every process under its launcher: the node stops
     * answering without closing its connections, as a node stuck in a long pause or behind a dead switch does.
     */
    public void freezeElasticsearch(boolean frozen) {
        freeze("elasticsearch", frozen);
    }

    /**
     * Freezes (SIGSTOP) or thaws (SIGCONT) a server and every process under it: it stops answering without closing
     * its connections, and what clients sent meanwhile waits in its sockets.
     * @param id the supervisor's name for it, e.g. {@code mariadb-unicom}
     * @param frozen whether to freeze or thaw
     */
    public void freeze(String id, boolean frozen) {
        long pid = pid(id);
        List<Long> pids = new ArrayList<>();
        pids.add(pid);
        ProcessHandle.of(pid).ifPresent((launcher) -> launcher.descendants().forEach((p) -> pids.add(p.pid())));
        for (long each : pids) {
            run("kill", frozen ? "-STOP" : "-CONT", Long.toString(each));
        }
    }

    /** The pid the supervisor reports for a component. */
    public long pid(String id) {
        long pid = component(id).path("pid").asLong(0);
        if (pid <= 0) {
            throw new IllegalStateException("the supervisor reports no pid for " + id);
        }
        return pid;
    }

    private JsonNode component(String id) {
        JsonNode status = JSON.readTree(control("GET", "/status"));
        for (JsonNode component : status.get("components")) {
            if (component.get("name").asString().equals(id)) {
                return component;
            }
        }
        throw new IllegalArgumentException("no component " + id + " in the supervisor's status");
    }

    private String control(String method, String path) {
        return control(method, path, Duration.ofSeconds(30));
    }

    private String control(String method, String path, Duration timeout) {
        URI uri = URI.create("http://127.0.0.1:" + (8090 + this.offset) + path);
        HttpRequest request = HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build();
        try {
            HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(method + " " + uri + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        }
        catch (IOException ex) {
            throw new IllegalStateException(method + " " + uri + " failed: " + ex, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private static void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + ex, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
