package io.wmb.gateway.it;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;

/**
 * A plain HTTP client for the integration tests, able to send from a chosen loopback address (the region
 * table maps 127.0.0.128/25 to the south).
 */
final class Http {

    private static final HttpClient DEFAULT = HttpClient.create().responseTimeout(Duration.ofSeconds(30));

    private Http() {
    }

    static Response get(String url, Map<String, String> headers) {
        return send(DEFAULT, HttpMethod.GET, url, headers, null);
    }

    static Response getFrom(String bindAddress, String url, Map<String, String> headers) {
        HttpClient client = HttpClient.create()
            .bindAddress(() -> new InetSocketAddress(bindAddress, 0))
            .responseTimeout(Duration.ofSeconds(30));
        return send(client, HttpMethod.GET, url, headers, null);
    }

    static Response put(String url, String json, Map<String, String> headers) {
        return send(DEFAULT, HttpMethod.PUT, url, headers, json);
    }

    static Response post(String url, Map<String, String> headers) {
        return send(DEFAULT, HttpMethod.POST, url, headers, null);
    }

    private static Response send(HttpClient client, HttpMethod method, String url, Map<String, String> headers,
            String json) {
        return client.headers((outgoing) -> {
            headers.forEach(outgoing::set);
            if (json != null) {
                outgoing.set("Content-Type", "application/json");
            }
        })
            .request(method)
            .uri(url)
            .send((request, outbound) -> (json != null) ? outbound.send(ByteBufFlux.fromString(Mono.just(json)))
                    : outbound)
            .responseSingle((response, body) -> body.asString()
                .defaultIfEmpty("")
                .map((text) -> new Response(response.status().code(), response.responseHeaders(), text)))
            .block(Duration.ofSeconds(40));
    }

    /**
     * What came back.
     *
     * @param status the status code
     * @param headers the response headers
     * @param body the body as text
     */
    record Response(int status, HttpHeaders headers, String body) {

        String header(String name) {
            return this.headers.get(name);
        }

    }

}
