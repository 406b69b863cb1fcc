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
import java.util.concurrent.TimeUnit;

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

    private static RunningDemo shared;

    private final Path repository;

    private final Path dataRoot;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** How the datacenters sync: {@code grpc} (the default) or {@code kafka} ({@code WMB_TRANSPORT}). */
    private final String transport;

    private RunningDemo(Path repository, Path dataRoot, String transport) {
        this.repository = repository;
        this.dataRoot = dataRoot;
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
            Path repository = Path.of(System.getProperty("wmb.repository", "..")).toAbsolutePath().normalize();
            String folder = "wmb-data-" + PORT_OFFSET + (transport.equals("grpc") ? "" : "-" + transport);
            RunningDemo demo = new RunningDemo(repository,
                    repository.resolve("system-tests").resolve("target").resolve(folder), transport);
            Runtime.getRuntime().addShutdownHook(new Thread(demo::down, "wmb-down"));
            demo.up();
            shared = demo;
        }
        return shared;
    }

    private void up() {
        // The reactor has just built every exec jar (WMB_SKIP_BUILD): ./wmb up exits non-zero unless all is healthy.
        try {
            wmb(Duration.ofMinutes(6), "up");
        }
        catch (IllegalStateException ex) {
            down();
            throw ex;
        }
    }

    private void down() {
        wmb(Duration.ofMinutes(2), "down");
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
            builder.environment().put("WMB_PORT_OFFSET", Integer.toString(PORT_OFFSET));
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

    /** The URL of a demo port (as in the README: 8080 is the edge) in this demo, whose ports are moved. */
    static URI url(int demoPort, String path) {
        return URI.create("http://127.0.0.1:" + (demoPort + PORT_OFFSET) + path);
    }

}
