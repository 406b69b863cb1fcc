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
        // The kernel gives ports closed a moment ago to later binds to port 0 again: among 2,000 draws from the
        // ephemeral range some repeat, and two servers started side by side would have been given the same port.
        Set<Integer> ports = new HashSet<>();
        IntStream.range(0, 2_000).forEach(draw -> assertThat(ports.add(LocalPorts.free())).isTrue());
    }

    @Test
    void shouldKeepARequestedPortAndDrawAFreeOneOtherwise() {
        assertThat(LocalPorts.orFree(8080)).isEqualTo(8080);
        assertThat(LocalPorts.orFree(0)).isPositive();
    }

}
