package io.wmb.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.wmb.gateway.GatewayApplication;
import io.wmb.infra.LocalPorts;

import static org.awaitility.Awaitility.await;

/**
 * A gateway in a JVM of its own, for tests that restart one: a process exits for real, and closing it
 * cannot disturb the shared network resources of the gateways running inside the test JVM.
 */
final class GatewayProcess implements AutoCloseable {

    private final Process process;

    private final int port;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts a gateway with the given arguments and waits until it answers its health endpoint. */
    static GatewayProcess start(Path log, List<String> args) {
        return start(log, args, Map.of());
    }

    /**
     * Starts a gateway with the given arguments and extra environment variables and waits until it answers its
     * health endpoint.
     */
    static GatewayProcess start(Path log, List<String> args, Map<String, String> environment) {
        int port = freePort();
        try {
            Process process = launch(port, log, args, environment);
            GatewayProcess started = new GatewayProcess(process, port);
            // Generous: on a busy 2-core machine a gateway JVM has been seen to need more than a minute.
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("gateway exited with " + process.exitValue() + "; see " + log);
                }
                try {
                    return Http.get(started.uri() + "/actuator/health/liveness", Map.of()).status() == 200;
                }
                catch (RuntimeException ex) {
                    return false;
                }
            });
            return started;
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot start a gateway process", ex);
        }
    }

    /**
     * Runs a gateway that is expected to refuse to start, and waits for it to exit.
     * @return its exit code, or -1 if it was still running after the timeout (then it is killed)
     */
    static int runUntilExit(Path log, List<String> args, Map<String, String> environment, Duration timeout) {
        try {
            Process process = launch(freePort(), log, args, environment);
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                return -1;
            }
            return process.exitValue();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot start a gateway process", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Runs {@code main} as the jar does, so that what {@code main} adds (the secrets guard) takes part. */
    private static Process launch(int port, Path log, List<String> args, Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GatewayApplication.class.getName(), "--server.port=" + port));
        command.addAll(args);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The test decides profile and secrets: none may leak in from the environment the build runs in.
        builder.environment().remove("SPRING_PROFILES_ACTIVE");
        builder.environment().remove("WMB_OPERATOR_TOKEN");
        builder.environment().putAll(environment);
        return builder.start();
    }

    String uri() {
        return "http://127.0.0.1:" + this.port;
    }

    long pid() {
        return this.process.pid();
    }

    /** Stops the process as an operator would (SIGTERM) and waits for it to exit. */
    @Override
    public void close() {
        this.process.destroy();
        try {
            if (!this.process.waitFor(30, TimeUnit.SECONDS)) {
                this.process.destroyForcibly();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.process.destroyForcibly();
        }
    }

    private static int freePort() {
        return LocalPorts.free();
    }

}
