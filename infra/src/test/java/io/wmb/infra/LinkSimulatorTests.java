package io.wmb.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The link simulator against a real echo server on loopback. */
class LinkSimulatorTests {

    private EchoServer echo;

    private LinkSimulator link;

    private int port;

    @BeforeEach
    void startEchoServerBehindLink() throws IOException {
        this.echo = new EchoServer();
        this.link = new LinkSimulator();
        this.port = this.link.open("echo", this.echo.port());
    }

    @AfterEach
    void stop() throws IOException {
        this.link.close();
        this.echo.close();
    }

    @Test
    void shouldCarryBytesIntactAndInOrder() throws Exception {
        byte[] payload = new byte[4 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        try (Socket socket = connect()) {
            byte[] received = exchange(socket, payload);
            assertThat(received).isEqualTo(payload);
        }
    }

    @Test
    void shouldCarryBytesIntactWithLatencyWhileTheRoundTripChanges() throws Exception {
        byte[] payload = new byte[1024 * 1024];
        new Random(7).nextBytes(payload);
        this.link.setRoundTrip(Duration.ofMillis(2));
        try (Socket socket = connect()) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readFully(socket, payload.length));
            OutputStream out = socket.getOutputStream();
            boolean halfWritten = false;
            for (int offset = 0; offset < payload.length; offset += 1000) {
                out.write(payload, offset, Math.min(1000, payload.length - offset));
                // Once, at the first chunk past the middle (the length is no multiple of the chunk size).
                if (!halfWritten && offset >= payload.length / 2) {
                    halfWritten = true;
                    // Dropping the delay mid-stream must not let later bytes overtake queued ones.
                    this.link.setRoundTrip(Duration.ZERO);
                }
            }
            assertThat(received.get()).isEqualTo(payload);
        }
    }

    @Test
    void shouldAddTheRoundTripTime() throws Exception {
        try (Socket socket = connect()) {
            Duration withoutDelay = timeEcho(socket);
            this.link.setRoundTrip(Duration.ofMillis(120));
            Duration withDelay = timeEcho(socket);
            assertThat(withDelay).isGreaterThanOrEqualTo(Duration.ofMillis(120))
                .isLessThan(Duration.ofMillis(120).plus(withoutDelay).plusMillis(200));
            assertThat(this.link.roundTrip()).isEqualTo(Duration.ofMillis(120));
        }
    }

    @Test
    void shouldCarryBytesCompleteAndInOrderThroughStalls() throws Exception {
        byte[] payload = new byte[2 * 1024 * 1024];
        new Random(11).nextBytes(payload);
        // Pauses of 20-80 ms about 10 ms apart: the link is frozen most of the time the bytes travel.
        this.link.startStalls(new LinkSimulator.Stalls(Duration.ofMillis(20), Duration.ofMillis(80),
                Duration.ofMillis(10), 5));
        await().atMost(Duration.ofSeconds(5)).until(() -> this.link.stallCount() > 0);
        long pausesBefore = this.link.stallCount();
        try (Socket socket = connect()) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readFully(socket, payload.length));
            OutputStream out = socket.getOutputStream();
            boolean halfWritten = false;
            for (int offset = 0; offset < payload.length; offset += 1000) {
                out.write(payload, offset, Math.min(1000, payload.length - offset));
                // Once, at the first chunk past the middle (the length is no multiple of the chunk size).
                if (!halfWritten && offset >= payload.length / 2) {
                    halfWritten = true;
                    // Loopback's socket buffers can take the first half within the pause that was on when the count
                    // was read: let a new pause start before stalls go off, so that the stream meets one.
                    await().atMost(Duration.ofSeconds(5)).until(() -> this.link.stallCount() > pausesBefore);
                    // Switching stalls off mid-stream must not let later bytes overtake held-back ones.
                    this.link.stopStalls();
                }
            }
            assertThat(received.get()).isEqualTo(payload);
        }
        assertThat(this.link.stallCount()).as("pauses while the bytes travelled").isGreaterThan(pausesBefore);
    }

    @Test
    void shouldPauseForwardingForRandomStallsAndResumeWhenTurnedOff() throws Exception {
        // Pauses far longer than an echo on a busy machine, so that both bounds below hold with margin.
        this.link.startStalls(new LinkSimulator.Stalls(Duration.ofMillis(400), Duration.ofMillis(600),
                Duration.ofMillis(200), 3));
        assertThat(this.link.stalls()).isPresent();
        try (Socket socket = connect()) {
            Duration longest = longestEcho(socket, Duration.ofMillis(2500));
            assertThat(longest).as("longest echo with stalls").isGreaterThanOrEqualTo(Duration.ofMillis(300));
            this.link.stopStalls();
            assertThat(this.link.stalls()).isEmpty();
            long pauses = this.link.stallCount();
            assertThat(pauses).isPositive();
            Duration after = longestEcho(socket, Duration.ofMillis(500));
            assertThat(after).as("longest echo after stalls").isLessThan(Duration.ofMillis(300));
            assertThat(this.link.stallCount()).isEqualTo(pauses);
        }
    }

    @Test
    void shouldRejectStallsWithAMaximumBelowTheMinimum() {
        assertThatIllegalArgumentException().isThrownBy(() -> new LinkSimulator.Stalls(Duration.ofMillis(500),
                Duration.ofMillis(100), Duration.ofSeconds(1), 1)).withMessageContaining("minPause <= maxPause");
    }

    @Test
    void shouldCloseOpenConnectionsWhenCut() throws Exception {
        try (Socket socket = connect()) {
            timeEcho(socket);
            this.link.cut();
            assertThat(this.link.isCut()).isTrue();
            socket.setSoTimeout(5_000);
            assertThat(readOrEnd(socket)).isEqualTo(-1);
        }
    }

    @Test
    void shouldBlackHoleNewConnectionsWhileCutAndLetThemThroughAfterHeal() throws Exception {
        this.link.cut();
        try (Socket socket = connect()) {
            socket.getOutputStream().write(7);
            socket.setSoTimeout(500);
            assertThatThrownBy(() -> socket.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
            this.link.heal();
            socket.setSoTimeout(5_000);
            assertThat(socket.getInputStream().read()).isEqualTo(7);
        }
        assertThat(this.link.isCut()).isFalse();
    }

    @Test
    void shouldReturnTheSamePortWhenARouteIsOpenedTwice() {
        assertThat(this.link.open("echo", this.echo.port())).isEqualTo(this.port);
        assertThat(this.link.routes()).extracting(LinkSimulator.RouteInfo::name).containsExactly("echo");
        assertThatIllegalArgumentException().isThrownBy(() -> this.link.open("echo", this.echo.port() + 1));
    }

    @Test
    void shouldCloseOneRouteWithItsConnectionsAndLetItsNameLeadElsewhere() throws Exception {
        try (EchoServer other = new EchoServer(); Socket carried = connect()) {
            timeEcho(carried);
            int otherRoute = this.link.open("other", other.port());

            this.link.closeRoute("echo");

            carried.setSoTimeout(5_000);
            assertThat(readOrEnd(carried)).isEqualTo(-1);
            assertThat(LocalPorts.isListening(this.port)).isFalse();
            assertThat(this.link.routes()).extracting(LinkSimulator.RouteInfo::name).containsExactly("other");
            try (Socket throughOther = new Socket(InetAddress.getLoopbackAddress(), otherRoute)) {
                timeEcho(throughOther);
            }
            this.port = this.link.open("echo", other.port());
            try (Socket reopened = connect()) {
                timeEcho(reopened);
            }
            this.link.closeRoute("no such route");
        }
    }

    @Test
    void shouldRejectANegativeRoundTrip() {
        assertThatIllegalArgumentException().isThrownBy(() -> this.link.setRoundTrip(Duration.ofMillis(-1)))
            .withMessageContaining("rtt");
    }

    @Test
    void shouldCountOpenConnections() throws Exception {
        try (Socket socket = connect()) {
            timeEcho(socket);
            await().atMost(Duration.ofSeconds(5))
                .until(() -> this.link.routes().get(0).openConnections() == 1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> this.link.routes().get(0).openConnections() == 0);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port);
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static Duration timeEcho(Socket socket) throws IOException {
        long started = System.nanoTime();
        socket.getOutputStream().write(1);
        socket.getOutputStream().flush();
        assertThat(socket.getInputStream().read()).isEqualTo(1);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** Echoes one byte after another for a while and answers the slowest round trip. */
    private static Duration longestEcho(Socket socket, Duration during) throws IOException {
        long until = System.nanoTime() + during.toNanos();
        Duration longest = Duration.ZERO;
        while (System.nanoTime() < until) {
            Duration echo = timeEcho(socket);
            longest = (echo.compareTo(longest) > 0) ? echo : longest;
        }
        return longest;
    }

    private static int readOrEnd(Socket socket) {
        try {
            return socket.getInputStream().read();
        }
        catch (IOException ex) {
            // A reset is as good as an orderly end: the connection is gone.
            return -1;
        }
    }

    private static byte[] exchange(Socket socket, byte[] payload) throws Exception {
        CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readFully(socket, payload.length));
        socket.getOutputStream().write(payload);
        return received.get();
    }

    private static byte[] readFully(Socket socket, int length) {
        try {
            return socket.getInputStream().readNBytes(length);
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Echoes every byte back; one thread per connection. */
    private static final class EchoServer implements AutoCloseable {

        private final ServerSocket serverSocket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());

        EchoServer() throws IOException {
            Thread acceptor = new Thread(this::accept, "echo-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return this.serverSocket.getLocalPort();
        }

        private void accept() {
            while (!this.serverSocket.isClosed()) {
                try {
                    Socket socket = this.serverSocket.accept();
                    Thread echo = new Thread(() -> echo(socket), "echo");
                    echo.setDaemon(true);
                    echo.start();
                }
                catch (IOException ex) {
                    return;
                }
            }
        }

        private static void echo(Socket socket) {
            try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
                in.transferTo(out);
            }
            catch (IOException ex) {
                // The peer went away; nothing to echo any more.
                return;
            }
        }

        @Override
        public void close() throws IOException {
            this.serverSocket.close();
        }
    }
}
