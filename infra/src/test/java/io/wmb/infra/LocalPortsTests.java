package io.wmb.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Loopback port checks against real sockets. */
class LocalPortsTests {

    @Test
    void shouldSeeAListenerAndNameThePortAndWhoWantedIt() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();

            assertThat(LocalPorts.isListening(port)).isTrue();
            assertThatIllegalStateException().isThrownBy(() -> LocalPorts.requireFree(port, "redis-unicom"))
                .withMessageContaining("port " + port + " (wanted by redis-unicom) is already taken");
        }
    }

    @Test
    void shouldNameTheProcessThatHoldsATakenPort() throws Exception {
        assumeTrue(Stream.of("/usr/bin/ss", "/bin/ss", "/usr/sbin/ss").anyMatch((ss) -> Files.isExecutable(Path.of(ss))),
                "iproute2's ss");
        try (ServerSocket listener = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            int port = listener.getLocalPort();

            assertThatIllegalStateException().isThrownBy(() -> LocalPorts.requireFree(port, "redis-unicom"))
                .withMessageContaining("is already taken by another process (java, pid " + ProcessHandle.current().pid()
                        + "); stop it");
        }
        assertThat(LocalPorts.listenerOf(LocalPorts.free())).isEmpty();
    }

    @Test
    void shouldFindAFreePortFree() {
        int port = LocalPorts.free();

        assertThat(LocalPorts.isListening(port)).isFalse();
        assertThatNoException().isThrownBy(() -> LocalPorts.requireFree(port, "redis-unicom"));
        assertThatNoException().isThrownBy(() -> LocalPorts.requireFree(0, "anything"));
    }

    @Test
    void shouldNeverHandOutTheSamePortTwice() {
        // Ports closed a moment ago are free again: among 2,000 draws some repeat, and two servers started side by
        // side would have been given the same port.
        Set<Integer> ports = new HashSet<>();
        IntStream.range(0, 2_000).forEach(draw -> assertThat(ports.add(LocalPorts.free())).isTrue());
    }

    @Test
    void shouldDrawPortsBelowTheEphemeralRangeThatBindsToPortZeroTakeFrom() throws Exception {
        int ephemeralLow = LocalPorts.ephemeralLow();
        assumeTrue(ephemeralLow > 12_000, "a Linux kernel with room below its ephemeral range");
        try (ServerSocket boundToZero = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertThat(boundToZero.getLocalPort()).isGreaterThanOrEqualTo(ephemeralLow);
        }
        IntStream.range(0, 200).forEach(draw -> assertThat(LocalPorts.free()).isBetween(10_000, ephemeralLow - 1));
    }

    @Test
    void shouldStartOnAnotherPortWhenTheDrawnOneWasTakenBeforeTheCheck() throws Exception {
        try (ServerSocket takenMeanwhile = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Iterator<Integer> draws = List.of(takenMeanwhile.getLocalPort(), LocalPorts.free()).iterator();
            List<Integer> startedOn = new ArrayList<>();

            int port = LocalPorts.startOnFreePort(0, "redis-unicom", draws::next, (drawn) -> {
                startedOn.add(drawn);
                return drawn;
            });

            assertThat(startedOn).containsExactly(port).doesNotContain(takenMeanwhile.getLocalPort());
        }
    }

    @Test
    void shouldStartOnAnotherPortWhenTheServerFindsItsDrawnPortTaken() {
        List<ServerSocket> takenMeanwhile = new ArrayList<>();
        try {
            int port = LocalPorts.startOnFreePort(0, "mariadb-unicom", LocalPorts::free, (drawn) -> {
                if (takenMeanwhile.isEmpty()) {
                    // Someone binds the port between the check and the server's own bind.
                    takenMeanwhile.add(listenOn(drawn));
                }
                return listenOn(drawn).getLocalPort();
            });

            assertThat(port).isNotEqualTo(takenMeanwhile.get(0).getLocalPort());
        }
        finally {
            takenMeanwhile.forEach(LocalPortsTests::closeQuietly);
        }
    }

    @Test
    void shouldGiveUpAfterThreeDrawnPortsWereTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            AtomicInteger draws = new AtomicInteger();

            assertThatExceptionOfType(LocalPorts.PortTakenException.class)
                .isThrownBy(() -> LocalPorts.startOnFreePort(0, "redis-unicom", () -> {
                    draws.incrementAndGet();
                    return taken.getLocalPort();
                }, (drawn) -> drawn));
            assertThat(draws).hasValue(LocalPorts.PORTS_PER_START);
        }
    }

    @Test
    void shouldNeverReplaceAPortTheCallerChose() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            AtomicInteger starts = new AtomicInteger();

            assertThatExceptionOfType(LocalPorts.PortTakenException.class)
                .isThrownBy(() -> LocalPorts.startOnFreePort(taken.getLocalPort(), "redis-unicom",
                        (port) -> starts.incrementAndGet()))
                .withMessageContaining("port " + taken.getLocalPort() + " (wanted by redis-unicom)");
            assertThat(starts).hasValue(0);
        }
        int chosen = LocalPorts.free();
        Integer startedOn = LocalPorts.startOnFreePort(chosen, "edge", (port) -> port);
        assertThat(startedOn).isEqualTo(chosen);
    }

    @Test
    void shouldNotDrawAgainWhenTheServerFailedForAnotherReason() {
        AtomicInteger starts = new AtomicInteger();

        assertThatExceptionOfType(ServerStartException.class)
            .isThrownBy(() -> LocalPorts.startOnFreePort(0, "redis-unicom", (port) -> {
                starts.incrementAndGet();
                throw new ServerStartException("redis-unicom", "Redis did not start on port " + port,
                        "Bad directive or wrong number of arguments", null);
            }));
        assertThat(starts).hasValue(1);
    }

    private static ServerSocket listenOn(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return socket;
        }
        catch (IOException ex) {
            // As a server reports it: its name, the port, and the operating system's words in the log.
            throw new ServerStartException("mariadb-unicom", "did not start on port " + port, ex.getMessage(), ex);
        }
    }

    private static void closeQuietly(ServerSocket socket) {
        try {
            socket.close();
        }
        catch (IOException ex) {
            // closing a listener of the test
        }
    }

}
