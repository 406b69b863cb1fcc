package io.wmb.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;
import io.wmb.bench.load.LoadRequest;
import io.wmb.bench.load.LoadResult;
import io.wmb.bench.report.Report;

/** Phase 0: what the load generator itself can push, against a trivial server in this JVM. */
final class GeneratorCheckPhase extends Phase {

    GeneratorCheckPhase(BenchRun bench) {
        super(bench);
    }

    void run() throws IOException {
        BenchRun.log("phase 0: load generator self-check");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.createContext("/", (exchange) -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        server.start();
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            LoadResult result = this.load.constantRate("generator self-check", 3500, Duration.ofSeconds(5), 256,
                    (i) -> LoadRequest.get(uri, Map.of()));
            BenchRun.log(result);
            this.report.heading(2, "0. The load generator itself");
            this.report.paragraph("Open loop at 3,500 requests/s for 5 s against an empty JDK `HttpServer` in the "
                    + "generator's own JVM (so both ends share the generator's CPU): answered %s requests/s, p50 %s "
                    + "ms, p99 %s ms, %d failed. On a busy machine this is a floor: both ends compete for the same "
                    + "cores. The generator's own CPU per request, next to the demo's, is in phase 1's CPU table.",
                    Report.number(result.throughput()), Report.number(result.latencyMillis(50)),
                    Report.number(result.latencyMillis(99)), result.failed());
        }
        finally {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
