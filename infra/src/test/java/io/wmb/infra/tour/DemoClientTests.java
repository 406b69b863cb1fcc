package io.wmb.infra.tour;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the routers see of their targets, read from real HTTP servers that answer on the edge's and the two
 * gateways' ports (the demo's, moved by a port offset) as their {@code GET /ops/targets} does.
 */
class DemoClientTests {

    private static final String EDGE_UP = "[{\"id\":\"unicom\",\"status\":\"UP\",\"detail\":\"ok\"},"
            + "{\"id\":\"telecom\",\"status\":\"UP\",\"detail\":\"ok\"}]";

    private static final String UP = "[{\"id\":\"telecom@127.0.0.1:8102\",\"status\":\"UP\",\"detail\":\"ok\"}]";

    private static final String UNICOM_DOWN = "[{\"id\":\"telecom@127.0.0.1:8102\",\"status\":\"UP\",\"detail\":\"ok\"},"
            + "{\"id\":\"unicom@127.0.0.1:18101\",\"status\":\"DOWN\",\"detail\":\"Connection refused\"}]";

    private final List<HttpServer> servers = new ArrayList<>();

    /** What gateway-telecom answers: status code and body. */
    private final AtomicReference<Object[]> telecom = new AtomicReference<>(new Object[] { 200, UP });

    private DemoClient demo;

    @BeforeEach
    void startRouters() throws IOException {
        // The edge's port (8080 + offset) and the gateways' (8081, 8082 + offset), at an offset the settings allow
        // (up to 30000) whose three ports are free.
        for (int attempt = 0; this.servers.size() < 3; attempt++) {
            this.servers.forEach((server) -> server.stop(0));
            this.servers.clear();
            int edge = 8080 + ThreadLocalRandom.current().nextInt(10_000, 30_001);
            try {
                this.servers.add(serve(edge, () -> new Object[] { 200, EDGE_UP }));
                this.servers.add(serve(edge + 1, () -> new Object[] { 200, UP }));
                this.servers.add(serve(edge + 2, this.telecom::get));
            }
            catch (IOException ex) {
                if (attempt == 50) {
                    throw ex;
                }
            }
        }
        this.demo = new DemoClient(TourSettings.forOffset(this.servers.get(0).getAddress().getPort() - 8080));
    }

    @AfterEach
    void stopRouters() {
        this.servers.forEach((server) -> server.stop(0));
    }

    @Test
    void shouldSeeNothingNotUpOnceEveryRouterSeesAllItsTargetsUp() {
        assertThat(this.demo.routersNotUp()).isEmpty();
    }

    @Test
    void shouldNameTheRouterTheTargetAndWhyWhileATargetIsDownAndNothingOnceItIsUp() {
        this.telecom.set(new Object[] { 200, UNICOM_DOWN });

        assertThat(this.demo.routersNotUp())
            .containsExactly("gateway-telecom sees unicom@127.0.0.1:18101 DOWN (Connection refused)");

        this.telecom.set(new Object[] { 200, UP });
        assertThat(this.demo.routersNotUp()).isEmpty();
    }

    @Test
    void shouldAskOnlyTheRoutersItIsGiven() {
        this.telecom.set(new Object[] { 200, UNICOM_DOWN });

        assertThat(this.demo.routersNotUp(List.of("edge", "gateway-unicom"))).isEmpty();
        assertThat(this.demo.routersNotUp(List.of("gateway-telecom"))).hasSize(1);
    }

    @Test
    void shouldCountATargetNotCheckedYetAsNotUp() {
        this.telecom.set(new Object[] { 200, "[{\"id\":\"telecom@127.0.0.1:8102\",\"status\":\"UNKNOWN\","
                + "\"detail\":\"not checked yet\"}]" });

        assertThat(this.demo.routersNotUp())
            .containsExactly("gateway-telecom sees telecom@127.0.0.1:8102 UNKNOWN (not checked yet)");
    }

    @Test
    void shouldCountARouterThatCannotListItsTargetsAsNotRouted() {
        this.telecom.set(new Object[] { 503, "{}" });

        assertThat(this.demo.routersNotUp()).containsExactly("gateway-telecom: GET /ops/targets -> 503: {}");
    }

    @Test
    void shouldCountAnUnreadableAnswerAsNotRouted() {
        this.telecom.set(new Object[] { 200, "not json" });

        assertThat(this.demo.routersNotUp()).singleElement()
            .asString()
            .startsWith("gateway-telecom: GET /ops/targets -> 200: not json (not JSON: ");
    }

    private static HttpServer serve(int port, Supplier<Object[]> answer) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/ops/targets", (exchange) -> {
            Object[] status = answer.get();
            byte[] bytes = ((String) status[1]).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders((int) status[0], bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return server;
    }

}
