package io.wmb.infra.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading what gateways see of their targets, from a real HTTP server answering as a gateway's /ops/targets does. */
class GatewayTargetsTests {

    private static final String UP = "{\"id\":\"telecom@127.0.0.1:8102\",\"status\":\"UP\",\"detail\":\"ok\"}";

    private static final String DOWN = "{\"id\":\"unicom@127.0.0.1:18101\",\"status\":\"DOWN\","
            + "\"detail\":\"Connection refused\"}";

    private final GatewayTargets targets = new GatewayTargets(HttpClient.newHttpClient());

    private final AtomicInteger requests = new AtomicInteger();

    private HttpServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.stop(0);
        }
    }

    @Test
    void shouldWaitUntilATargetFoundDownAtStartIsSeenUp() throws Exception {
        // Down for the first two polls, as when the gateway's first rounds ran before the processor listened.
        int port = serve(200, () -> (this.requests.get() <= 2) ? "[" + UP + "," + DOWN + "]" : "[" + UP + "]");

        assertThat(this.targets.awaitNoneDown(Map.of("gateway-telecom", port), Duration.ofSeconds(10))).isEmpty();
        assertThat(this.requests).hasValue(3);
    }

    @Test
    void shouldNameTheGatewayTheTargetAndWhyWhenATargetStaysDown() throws Exception {
        int port = serve(200, () -> "[" + UP + "," + DOWN + "]");

        assertThat(this.targets.awaitNoneDown(Map.of("gateway-telecom", port), Duration.ofMillis(600)))
            .containsExactly("gateway-telecom sees unicom@127.0.0.1:18101 down: Connection refused");
        assertThat(this.requests.get()).isGreaterThan(1);
    }

    @Test
    void shouldCountAGatewayThatCannotListItsTargetsAsNotRouted() throws Exception {
        int port = serve(503, () -> "{}");

        assertThat(this.targets.down("edge", port)).containsExactly("edge: GET /ops/targets answered 503");
    }

    @Test
    void shouldCountAnUnreadableAnswerAsNotRouted() throws Exception {
        int port = serve(200, () -> "not json");

        assertThat(this.targets.down("edge", port)).singleElement()
            .asString()
            .startsWith("edge: GET /ops/targets failed: ");
    }

    private int serve(int status, Supplier<String> body) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        this.server.createContext("/ops/targets", (exchange) -> {
            this.requests.incrementAndGet();
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        this.server.start();
        return this.server.getAddress().getPort();
    }

}
