package io.wmb.gateway.routing;

import java.net.InetSocketAddress;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.http.HttpHeaders;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyHeadersFilterTests {

    private static MockServerWebExchange exchange(MockServerHttpRequest.BaseBuilder<?> request) {
        return MockServerWebExchange.from(request.remoteAddress(new InetSocketAddress("192.0.2.7", 51000)));
    }

    /** As the gateway hands them to the filter: the request's own headers, which are read-only. */
    private static HttpHeaders filterRequest(ProxyHeadersFilter filter, MockServerWebExchange exchange) {
        return filter.filter(exchange.getRequest().getHeaders(), exchange);
    }

    @Test
    void shouldKeepHopByHopHeadersAndThoseTheConnectionHeaderNamesOnTheirHop() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/posts/1")
            .header("Connection", "keep-alive, X-Private-Hop")
            .header("Keep-Alive", "timeout=5")
            .header("X-Private-Hop", "1")
            .header("Proxy-Authorization", "Basic c2VjcmV0")
            .header("TE", "trailers")
            .header("Upgrade", "websocket")
            .header("X-Region", "north")
            .header("X-User-Id", "42"));

        HttpHeaders forwarded = filterRequest(ProxyHeadersFilter.requests(false), exchange);

        assertThat(forwarded.headerNames()).containsExactlyInAnyOrder("X-Region", "X-User-Id");
    }

    @Test
    void shouldDropTheClientsForwardedHeadersWhichOnlyTrustedProxiesMaySet() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/posts/1")
            .header("Forwarded", "for=203.0.113.9")
            .header("X-Forwarded-For", "203.0.113.9")
            .header("x-forwarded-host", "evil.example")
            .header("X-Forwarded-Proto", "https")
            .header("X-Forwarding-Note", "not a forwarded header"));

        HttpHeaders forwarded = filterRequest(ProxyHeadersFilter.requests(false), exchange);

        assertThat(forwarded.headerNames()).containsExactly("X-Forwarding-Note");
    }

    @Test
    void shouldNameTheAddressTheRequestCameFromAtTheEdgeInsteadOfWhatTheClientSent() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/posts/1")
            .header("X-Forwarded-For", "10.9.9.9, 10.8.8.8")
            .header("X-Region", "north"));

        HttpHeaders forwarded = filterRequest(ProxyHeadersFilter.requests(true), exchange);

        assertThat(forwarded.get("X-Forwarded-For")).containsExactly("192.0.2.7");
        assertThat(forwarded.getFirst("X-Region")).isEqualTo("north");
    }

    @Test
    void shouldPassAHeaderSentInTwoSpellingsOnOnceWithAllItsValues() {
        // As Reactor Netty hands a request's headers over: Netty keeps each spelling as sent and looks names up
        // regardless of case, so both spellings answer with the values of both.
        DefaultHttpHeaders netty = new DefaultHttpHeaders();
        netty.add("X-Trace", "a");
        netty.add("x-trace", "b");
        netty.add("X-Region", "north");
        HttpHeaders received = HttpHeaders.readOnlyHttpHeaders(new HttpHeaders(new Netty4HeadersAdapter(netty)));
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/posts/1"));

        HttpHeaders forwarded = ProxyHeadersFilter.requests(false).filter(received, exchange);

        assertThat(forwarded.get("X-Trace")).containsExactly("a", "b");
        assertThat(forwarded.headerNames()).containsExactlyInAnyOrder("X-Trace", "X-Region");
    }

    @Test
    void shouldDropTheLengthOfARequestThatAlsoAnnouncesAChunkedBody() {
        MockServerWebExchange smuggling = exchange(MockServerHttpRequest.post("/api/posts")
            .header("Transfer-Encoding", "gzip, chunked")
            .header("Content-Length", "42")
            .header("Content-Type", "application/json"));
        MockServerWebExchange plain = exchange(MockServerHttpRequest.post("/api/posts")
            .header("Content-Length", "42")
            .header("Content-Type", "application/json"));

        assertThat(filterRequest(ProxyHeadersFilter.requests(false), smuggling).headerNames())
            .containsExactly("Content-Type");
        assertThat(filterRequest(ProxyHeadersFilter.requests(false), plain).getContentLength()).isEqualTo(42);
    }

    @Test
    void shouldKeepTheUpstreamsHopByHopHeadersOffTheAnswerButNotItsOthers() {
        MockServerWebExchange exchange = exchange(MockServerHttpRequest.get("/api/posts/1"));
        HttpHeaders answer = new HttpHeaders();
        answer.add("Connection", "X-Upstream-Hop");
        answer.add("X-Upstream-Hop", "1");
        answer.add("Proxy-Authenticate", "Basic");
        answer.add("Transfer-Encoding", "chunked");
        answer.add("X-Forwarded-Host", "an upstream's own header");
        answer.add("X-WMB-Datacenter", "unicom");

        HttpHeaders filtered = ProxyHeadersFilter.responses().filter(answer, exchange);

        assertThat(filtered.headerNames()).containsExactlyInAnyOrder("X-Forwarded-Host", "X-WMB-Datacenter");
    }

    @Test
    void shouldEachHandleOneDirection() {
        assertThat(ProxyHeadersFilter.requests(true).supports(Type.REQUEST)).isTrue();
        assertThat(ProxyHeadersFilter.requests(true).supports(Type.RESPONSE)).isFalse();
        assertThat(ProxyHeadersFilter.responses().supports(Type.RESPONSE)).isTrue();
        assertThat(ProxyHeadersFilter.responses().supports(Type.REQUEST)).isFalse();
    }

}
