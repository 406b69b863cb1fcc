package io.wmb.gateway.routing;

import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * The edge's word to the datacenter gateway on who the client is: {@code X-Forwarded-For} set to the address the
 * request came from, replacing whatever the client sent.
 * <p>
 * Behind the edge, a datacenter gateway sees every request come from the edge, so it keys the rate limit and the
 * sticky choice of upstream of a client without a user id on this header ({@link ClientKeys}). Spring Cloud
 * Gateway adds {@code X-Forwarded-*} only to requests from configured trusted proxies and strips it from the rest;
 * clients are not proxies, so without this filter every anonymous client shared the edge's address: one bucket
 * and one upstream for all of them. The edge is where clients enter, so it names the client itself rather than
 * trusting a header the client can write. Runs after the gateway's own header filters, which would strip it.
 */
public final class ClientAddressHeadersFilter implements HttpHeadersFilter, Ordered {

    /** The header, as the datacenter gateway reads it. */
    public static final String HEADER = "X-Forwarded-For";

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        // The filters before may hand on the request's own headers, which are read-only: a copy is written.
        HttpHeaders headers = new HttpHeaders();
        headers.putAll(input);
        headers.set(HEADER, ClientKeys.address(exchange.getRequest()));
        return headers;
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

}
