package io.wmb.infra;

import java.net.InetAddress;
import java.net.ServerSocket;

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

}
