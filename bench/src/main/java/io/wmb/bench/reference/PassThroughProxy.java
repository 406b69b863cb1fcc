package io.wmb.bench.reference;

import io.netty.handler.codec.http.HttpHeaderNames;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

/**
 * The least a JVM proxy hop can do, as a reference for the gateways' cost: Reactor Netty (the server and client
 * under Spring Cloud Gateway, same version, event-loop count and transport) passing each request to one upstream over
 * pooled keep-alive connections and the answer back, headers and body untouched. No routing, no filters, no metrics,
 * no request id: what is left of a gateway hop once everything Spring Cloud Gateway and WMB add is taken away.
 *
 * <p>Not a proxy to deploy: it forwards hop-by-hop headers too and knows nothing of timeouts or errors.
 * Usage: {@code PassThroughProxy PORT UPSTREAM_URL}, listening on 127.0.0.1 until killed.
 */
public final class PassThroughProxy {

    private PassThroughProxy() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: PassThroughProxy PORT UPSTREAM_URL");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        HttpClient upstream = HttpClient.create(ConnectionProvider.builder("upstream").maxConnections(512).build())
            .baseUrl(args[1]);
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(port)
            .handle((request, response) -> upstream
                .headers((headers) -> headers.set(request.requestHeaders()).remove(HttpHeaderNames.HOST))
                .request(request.method())
                .uri(request.uri())
                .send((upstreamRequest, out) -> out.send(request.receive().retain()))
                .response((answer, body) -> response.status(answer.status())
                    .headers(answer.responseHeaders())
                    .send(body.retain()))
                .then())
            .bindNow();
        System.out.println("pass-through proxy on 127.0.0.1:" + port + " -> " + args[1]);
        server.onDispose().block();
    }

}
