package io.wmb.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.wmb.gateway.GatewayApplication;

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
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
            .toString(), "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GatewayApplication.class.getName(), "--server.port=" + port));
        command.addAll(args);
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
            GatewayProcess started = new GatewayProcess(process, port);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
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

    String uri() {
        return "http://127.0.0.1:" + this.port;
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
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

}
