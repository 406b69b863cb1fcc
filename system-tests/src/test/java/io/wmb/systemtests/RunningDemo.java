package io.wmb.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.wmb.infra.InfrastructureSettings;
import io.wmb.systemtests.faults.FaultDemo;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Both datacenters started exactly as a user starts them, with {@code ./wmb up}: real servers, every service a
 * separate process. Started once per test JVM and stopped with {@code ./wmb down} when the JVM exits, so that
 * nothing is left running after the build. Its data lives under {@code system-tests/target/wmb-data-<offset>} and its ports
 * are moved by {@link #PORT_OFFSET}, away from a developer's own demo.
 */
final class RunningDemo {

    /**
     * Every port of the demo moved by this much ({@code WMB_PORT_OFFSET}), clear of a developer's own demo;
     * {@code -Dwmb.systemtests.portOffset} picks another, so that two test runs can share a machine.
     */
    static final int PORT_OFFSET = Integer.getInteger("wmb.systemtests.portOffset", 20000);

    /**
     * The port offset of the master-slave demo ({@link #masterSlave()}), clear of the shared one;
     * {@code -Dwmb.systemtests.masterSlavePortOffset} picks another. Low enough that the ports bound late (services,
     * Elasticsearch's transport at 9300 + offset) stay below the kernel's ephemeral range (32768 and up), where an
     * outgoing connection may hold them.
     */
    static final int MASTER_SLAVE_PORT_OFFSET = Integer.getInteger("wmb.systemtests.masterSlavePortOffset", 21500);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static RunningDemo shared;

    private static RunningDemo masterSlave;

    private final Path repository;

    private final Path dataRoot;

    private final int portOffset;

    private final String topology;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** How the datacenters sync: {@code grpc} (the default) or {@code kafka} ({@code WMB_TRANSPORT}). */
    private final String transport;

    private RunningDemo(Path repository, Path dataRoot, int portOffset, String topology, String transport) {
        this.repository = repository;
        this.dataRoot = dataRoot;
        this.portOffset = portOffset;
        this.topology = topology;
        this.transport = transport;
    }

    /** The demo of this test run, started on first use. */
    static synchronized RunningDemo shared() {
        return shared("grpc");
    }

    /**
     * The demo of this test run with a given transport, started on first use. One demo per JVM: the Kafka
     * transport's tests run in a JVM of their own (see the failsafe executions in the pom).
     * @throws IllegalStateException when this JVM already runs the demo with the other transport
     */
    static synchronized RunningDemo shared(String transport) {
        if (shared != null && !shared.transport.equals(transport)) {
            throw new IllegalStateException("this JVM already runs the demo with transport " + shared.transport);
        }
        if (shared == null) {
            shared = start(PORT_OFFSET, "independent", transport);
        }
        return shared;
    }

    /**
     * A demo in master-slave mode ({@code WMB_TOPOLOGY=master-slave}) at {@link #MASTER_SLAVE_PORT_OFFSET}, started
     * on first use and stopped when the JVM exits. The build runs its tests in a JVM of their own (failsafe execution
     * {@code master-slave}), so that it never runs beside the shared demo.
     */
    static synchronized RunningDemo masterSlave() {
        if (masterSlave == null) {
            masterSlave = start(MASTER_SLAVE_PORT_OFFSET, "master-slave", "grpc");
        }
        return masterSlave;
    }

    private static RunningDemo start(int portOffset, String topology, String transport) {
        Path repository = Path.of(System.getProperty("wmb.repository", "..")).toAbsolutePath().normalize();
        String folder = "wmb-data-" + portOffset + (transport.equals("grpc") ? "" : "-" + transport);
        RunningDemo demo = new RunningDemo(repository,
                repository.resolve("system-tests").resolve("target").resolve(folder), portOffset, topology, transport);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::down, "wmb-down-" + portOffset));
        demo.up();
        return demo;
    }

    /** Every port of this demo is moved by this much. */
    int portOffset() {
        return this.portOffset;
    }

    /** The repository whose jars this demo runs. */
    Path repository() {
        return this.repository;
    }

    /**
     * What a service of this demo has logged so far.
     * @param service e.g. {@code processor-unicom} or {@code edge}
     */
    String log(String service) {
        try {
            return Files.readString(this.dataRoot.resolve("logs").resolve(service + ".log"), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot read the log of " + service, ex);
        }
    }

    private void up() {
        // From empty stores and settings, keeping only the unpacked servers and the class-data archives: an
        // earlier run that stopped part-way (a failover that failed, say) must not leave its state to this one.
        wmb(Duration.ofMinutes(1), "reset");
        // The reactor has just built every exec jar (WMB_SKIP_BUILD): ./wmb up exits non-zero unless all is healthy.
        try {
            wmb(Duration.ofMinutes(6), "up");
        }
        catch (IllegalStateException ex) {
            down();
            if (!String.valueOf(ex.getMessage()).contains("is it taken?")) {
                throw ex;
            }
            // A port of this demo was held by a passing client socket (ephemeral ports overlap the demo's
            // ports above 32768), or by the demo before this one still closing: once more, a little later.
            pause(Duration.ofSeconds(15));
            wmb(Duration.ofMinutes(6), "up");
        }
    }

    private void down() {
        wmb(Duration.ofMinutes(2), "down");
    }

    /** Which datacenter's MariaDB the supervisor has recorded as the master (unicom until a failover). */
    String recordedMaster() {
        Path file = InfrastructureSettings.demo(this.dataRoot).masterFile();
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8).trim() : "unicom";
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot read " + file, ex);
        }
    }

    /** {@code ./wmb down}, then {@code ./wmb up} on the same data: what an operator's restart of the demo does. */
    String restart() {
        down();
        return wmb(Duration.ofMinutes(6), "up");
    }

    /** Runs {@code ./wmb ARGS} and returns what it printed; fails when it exits non-zero. */
    String wmb(Duration timeout, String... args) {
        try {
            Path log = Files.createTempFile("wmb-", ".out");
            List<String> command = new java.util.ArrayList<>(List.of(this.repository.resolve("wmb").toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).directory(this.repository.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
            builder.environment().put("WMB_DATA_ROOT", this.dataRoot.toString());
            builder.environment().put("WMB_SKIP_BUILD", "1");
            builder.environment().put("WMB_PORT_OFFSET", Integer.toString(this.portOffset));
            builder.environment().put("WMB_TOPOLOGY", this.topology);
            builder.environment().put("WMB_TRANSPORT", this.transport);
            Process process = builder.start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("./wmb " + String.join(" ", args) + " took longer than " + timeout
                        + ":\n" + Files.readString(log));
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            if (process.exitValue() != 0) {
                throw new IllegalStateException("./wmb " + String.join(" ", args) + " exited with "
                        + process.exitValue() + ":\n" + output);
            }
            return output;
        }
        catch (IOException ex) {
            throw new IllegalStateException("could not run ./wmb", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ./wmb", ex);
        }
    }

    /** Sends a request and returns the response with its body as text. */
    HttpResponse<String> send(HttpRequest request) {
        try {
            return this.http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + ex, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /**
     * {@code datacenter/STAGE/OUTCOME} of every processing-log record of a request, read after a refresh.
     * @throws AssertionError while Elasticsearch answers anything but 200, which Awaitility's {@code untilAsserted}
     * retries: a search can fail while the day's index, made by the first write of the day, starts its shards (CI
     * once saw an answer without hits there, and a NullPointerException then ended the wait at once)
     */
    Set<String> stagesOf(String requestId) {
        FaultDemo ports = new FaultDemo(this.portOffset);
        send(HttpRequest.newBuilder(ports.elasticsearch("/wmb-processing-log-*/_refresh"))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build());
        String query = "{\"size\":100,\"query\":{\"term\":{\"requestId\":\"" + requestId + "\"}}}";
        HttpResponse<String> response = send(HttpRequest
            .newBuilder(ports.elasticsearch("/wmb-processing-log-*/_search"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(query))
            .build());
        if (response.statusCode() != 200) {
            throw new AssertionError("Elasticsearch answered " + response.statusCode() + ": " + response.body());
        }
        Set<String> stages = new TreeSet<>();
        for (JsonNode hit : JSON.readTree(response.body()).get("hits").get("hits")) {
            JsonNode source = hit.get("_source");
            stages.add(source.get("datacenter").asString() + "/" + source.get("stage").asString() + "/"
                    + source.get("outcome").asString());
        }
        return stages;
    }

    /** The URL of a demo port (as in the README: 8080 is the edge) in this demo, whose ports are moved. */
    static URI url(int demoPort, String path) {
        return URI.create("http://127.0.0.1:" + (demoPort + PORT_OFFSET) + path);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

}
