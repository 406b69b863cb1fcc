package io.wmb.infra;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
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
    void shouldKeepARequestedPortAndDrawAFreeOneOtherwise() {
        assertThat(LocalPorts.orFree(8080)).isEqualTo(8080);
        assertThat(LocalPorts.orFree(0)).isPositive();
    }

}
