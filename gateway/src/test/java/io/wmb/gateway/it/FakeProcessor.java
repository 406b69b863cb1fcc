package io.wmb.gateway.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server standing in for a processor: answers {@code /actuator/health} with UP and anything else
 * with its name, the path and the request id it received, and says which datacenter it runs in; a path under
 * {@code /api/slow/} is answered only after {@link #SLOW}. It keeps the headers of the last request it served.
 * It can be stopped and started again on the same port, as a crashed and restarted processor would be.
 */
final class FakeProcessor implements AutoCloseable {

    static {
        // Without it the JDK server writes headers and body in two packets and Nagle's algorithm, meeting the
        // client's delayed acknowledgement, adds 40 ms to every answer.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    /** How long a request under {@code /api/slow/} waits for its answer. */
    static final Duration SLOW = Duration.ofSeconds(5);

    private final String name;

    private final String datacenter;

    private final AtomicInteger served = new AtomicInteger();

    private volatile Map<String, List<String>> lastHeaders = Map.of();

    private final ExecutorService executor = Executors.newCachedThreadPool();

    private int port;

    private HttpServer server;

    FakeProcessor(String name, String datacenter) {
        this.name = name;
        this.datacenter = datacenter;
        start();
    }

    /** Starts (again) on the same port as before, or on a free one the first time. */
    synchronized void start() {
        if (this.server != null) {
            return;
        }
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 50);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Cannot start fake processor " + this.name, ex);
        }
        this.server.createContext("/", this::handle);
        // Not the default single dispatcher thread: parallel requests must not queue behind each other.
        this.server.setExecutor(this.executor);
        this.server.start();
        this.port = this.server.getAddress().getPort();
    }

    /** Stops at once: connections are refused from now on. */
    synchronized void stop() {
        if (this.server != null) {
            this.server.stop(0);
            this.server = null;
        }
    }

    int port() {
        return this.port;
    }

    String uri() {
        return "http://127.0.0.1:" + this.port;
    }

    String name() {
        return this.name;
    }

    int served() {
        return this.served.get();
    }

    /** The headers of the last request served (not health checks), by lower-case name. */
    Map<String, List<String>> lastHeaders() {
        return this.lastHeaders;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        String body;
        if (path.equals("/actuator/health")) {
            body = "{\"status\":\"UP\"}";
        }
        else {
            if (path.startsWith("/api/slow/")) {
                sleep(SLOW);
            }
            Map<String, List<String>> headers = new HashMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), values));
            this.lastHeaders = headers;
            this.served.incrementAndGet();
            String requestId = exchange.getRequestHeaders().getFirst("X-Request-Id");
            String generated = exchange.getRequestHeaders().getFirst("X-WMB-Request-Id-Generated");
            body = "{\"processor\":\"" + this.name + "\",\"path\":\"" + path + "\",\"requestId\":\""
                    + ((requestId != null) ? requestId : "") + "\",\"generated\":\""
                    + ((generated != null) ? generated : "") + "\"}";
            exchange.getResponseHeaders().set("X-WMB-Datacenter", this.datacenter);
            exchange.getResponseHeaders().set("X-Processor", this.name);
            // Hop-by-hop: meant for the gateway's connection, never for the client.
            exchange.getResponseHeaders().set("Proxy-Authenticate", "Basic realm=\"upstream\"");
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
        this.executor.shutdownNow();
    }

}
