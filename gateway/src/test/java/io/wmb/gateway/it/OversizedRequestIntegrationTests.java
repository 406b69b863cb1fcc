package io.wmb.gateway.it;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests over the gateways' header and request-line limits, which Netty rejects before Spring sees them, get a
 * problem body from the edge and from a datacenter gateway.
 */
class OversizedRequestIntegrationTests {

    private final GatewayTopology topology = GatewayTopology.shared();

    @Test
    void shouldAnswerAHeaderOverTheLimitWithA431Problem() {
        for (String gateway : gateways()) {
            Http.Response response = Http.get(gateway + "/api/posts/1",
                    Map.of("X-Region", "north", "X-Padding", "p".repeat(64 * 1024)));
            assertThat(response.status()).as("%s: %s", gateway, response.body()).isEqualTo(431);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.body()).contains("\"status\":431", "\"title\":\"Request Header Fields Too Large\"",
                    "\"detail\":\"The request's header fields are too large for this gateway");
        }
    }

    @Test
    void shouldAnswerARequestLineOverTheLimitWithA414Problem() {
        for (String gateway : gateways()) {
            Http.Response response = Http.get(gateway + "/api/posts/1?padding=" + "q".repeat(16 * 1024),
                    Map.of("X-Region", "north"));
            assertThat(response.status()).as("%s: %s", gateway, response.body()).isEqualTo(414);
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.body()).contains("\"status\":414", "The request line is too long");
        }
    }

    @Test
    void shouldPassAHeaderJustUnderTheLimitOn() {
        for (String gateway : gateways()) {
            Http.Response response = Http.get(gateway + "/api/posts/1",
                    Map.of("X-Region", "north", "X-Padding", "p".repeat(6 * 1024)));
            assertThat(response.status()).as("%s: %s", gateway, response.body()).isNotIn(414, 431);
        }
    }

    private List<String> gateways() {
        return List.of(this.topology.edgeUri(), GatewayTopology.baseUri(this.topology.unicomGateway));
    }
}
