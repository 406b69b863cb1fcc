package io.wmb.gateway.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.netty.channel.uring.IoUring;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real gateway process proxies on io_uring wherever the kernel offers it, and on epoll when
 * {@code WMB_GATEWAY_IO_URING=false}: what it logs is what its file descriptors show, and requests pass either way.
 */
class EventLoopTransportIntegrationTests {

    private static final GatewayTopology TOPOLOGY = GatewayTopology.shared();

    private static final Path DATA = TOPOLOGY.dataDir.resolve("transport-" + System.nanoTime());

    @Test
    void shouldProxyOnIoUringWhereTheKernelOffersIt() throws IOException {
        String expected = IoUring.isAvailable() ? "io_uring" : "epoll";
        try (GatewayProcess edge = GatewayProcess.start(DATA.resolve("default.log"),
                edgeArguments("default"), Map.of())) {
            assertProxies(edge);
            assertThat(Files.readString(DATA.resolve("default.log"))).contains("event loop(s) of " + expected);
            assertThat(eventInodes(edge.pid())).contains(IoUring.isAvailable() ? "[io_uring]" : "[eventpoll]");
        }
    }

    @Test
    void shouldProxyOnEpollWhenIoUringIsTurnedOff() throws IOException {
        try (GatewayProcess edge = GatewayProcess.start(DATA.resolve("epoll.log"),
                edgeArguments("epoll"), Map.of("WMB_GATEWAY_IO_URING", "false"))) {
            assertProxies(edge);
            assertThat(Files.readString(DATA.resolve("epoll.log"))).contains("event loop(s) of epoll");
            assertThat(eventInodes(edge.pid())).contains("[eventpoll]").doesNotContain("[io_uring]");
        }
    }

    private static List<String> edgeArguments(String name) {
        List<String> args = new ArrayList<>(TOPOLOGY.edgeArguments(DATA.resolve(name)));
        args.remove("--server.port=0"); // the process gets a port of its own
        return args;
    }

    private static void assertProxies(GatewayProcess edge) {
        Http.Response read = Http.get(edge.uri() + "/api/posts/1", Map.of("X-Region", "north", "X-User-Id", "t1"));
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        assertThat(read.header("X-WMB-Datacenter")).isEqualTo("unicom");
        // A request with a body: the edge holds its head until the body came, and sends both in one write.
        Http.Response write = Http.put(edge.uri() + "/api/posts/1", "{\"content\":\"edited\"}",
                Map.of("X-Region", "south", "X-User-Id", "t2"));
        assertThat(write.status()).as(write.body()).isEqualTo(200);
        assertThat(write.header("X-WMB-Datacenter")).isEqualTo("telecom");
    }

    /** The kinds of kernel objects behind the process's anonymous descriptors: [eventpoll], [io_uring], ... */
    private static List<String> eventInodes(long pid) throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return descriptors.map((fd) -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                }
                catch (IOException ex) {
                    return "";
                }
            }).filter((target) -> target.startsWith("anon_inode:")).map((target) -> target.substring(11)).toList();
        }
    }

}
