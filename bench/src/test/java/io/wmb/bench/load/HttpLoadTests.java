package io.wmb.bench.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HttpLoadTests {

    private HttpServer server;

    private ExecutorService serverThreads;

    private final AtomicInteger received = new AtomicInteger();

    private volatile long stallMillis;

    @BeforeEach
    void startServer() throws IOException {
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        this.serverThreads = Executors.newFixedThreadPool(8);
        this.server.setExecutor(this.serverThreads);
        this.server.createContext("/", (exchange) -> {
            this.received.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            try {
                Thread.sleep(this.stallMillis);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            int status = exchange.getRequestURI().getPath().endsWith("/missing") ? 404 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        this.server.start();
    }

    @AfterEach
    void stopServer() {
        this.server.stop(0);
        this.serverThreads.shutdownNow();
    }

    @Test
    void shouldSendAtTheAskedRateAndCountEveryAnswer() {
        try (HttpLoad load = new HttpLoad(Duration.ofSeconds(5))) {
            LoadResult result = load.constantRate("steady", 200, Duration.ofSeconds(1), 64, (i) -> get("/ok"));

            assertThat(result.completed()).isEqualTo(200);
            assertThat(this.received).hasValue(200);
            // Paced, not a burst: 200 requests due over one second take at least that (more on a busy machine).
            assertThat(result.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(990));
            assertThat(result.throughput()).isLessThanOrEqualTo(202.0);
            assertThat(result.statuses()).containsEntry(200, 200L);
        }
    }

    @Test
    void shouldCountTheQueueOfAStalledServerInTheLatency() {
        // 50 requests/s due, one at a time, each taking 100 ms: the 20th is due at 380 ms but can only be sent
        // at about 1.9 s. Measured from its send it took 100 ms; from when it was due, about 1.6 s.
        this.stallMillis = 100;
        try (HttpLoad load = new HttpLoad(Duration.ofSeconds(10))) {
            LoadResult result = load.constantRate("stalled", 50, Duration.ofMillis(400), 1, (i) -> get("/ok"));

            assertThat(result.completed()).isEqualTo(20);
            assertThat(result.serviceMillis(99)).isLessThan(1000);
            assertThat(result.latencyMillis(99)).isGreaterThan(1200);
        }
    }

    @Test
    void shouldCountNon2xxAsFailed() {
        try (HttpLoad load = new HttpLoad(Duration.ofSeconds(5))) {
            LoadResult result = load.saturate("missing", 4, Duration.ofMillis(200), (i) -> get("/missing"));

            assertThat(result.completed()).isZero();
            assertThat(result.failed()).isPositive();
            assertThat(result.statuses()).containsOnlyKeys(404);
        }
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.server.getAddress().getPort() + path))
            .GET().build();
    }
}
