package io.wmb.gateway.routing;

import java.net.InetSocketAddress;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class ClientAddressHeadersFilterTests {

    private final ClientAddressHeadersFilter filter = new ClientAddressHeadersFilter();

    @Test
    void shouldNameTheAddressTheRequestCameFromInsteadOfWhatTheClientSent() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/posts/1")
            .remoteAddress(new InetSocketAddress("192.0.2.7", 51000))
            .header("X-Forwarded-For", "10.9.9.9, 10.8.8.8")
            .header("X-Region", "north"));

        // The request's own headers are read-only, as the gateway hands them to its first header filter.
        HttpHeaders forwarded = this.filter.filter(exchange.getRequest().getHeaders(), exchange);

        assertThat(forwarded.get("X-Forwarded-For")).containsExactly("192.0.2.7");
        assertThat(forwarded.getFirst("X-Region")).isEqualTo("north");
    }

    @Test
    void shouldRunAfterTheGatewaysOwnHeaderFiltersWhichStripForwardedHeaders() {
        assertThat(this.filter.getOrder()).isGreaterThan(0);
    }

}
