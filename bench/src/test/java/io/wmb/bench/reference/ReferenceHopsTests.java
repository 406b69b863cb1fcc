package io.wmb.bench.reference;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ReferenceHopsTests {

    @TempDir
    Path workDir;

    private HttpServer upstream;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    @BeforeEach
    void startUpstream() throws IOException {
        // Stands in for the processor: echoes what arrived, so a test sees what the two hops passed on.
        this.upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        this.upstream.createContext("/", (exchange) -> {
            String body = exchange.getRequestMethod() + " " + exchange.getRequestURI() + " region="
                    + exchange.getRequestHeaders().getFirst("X-Region") + " body="
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("X-Upstream", "echo");
            exchange.sendResponseHeaders(201, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        this.upstream.start();
    }

    @AfterEach
    void stopUpstream() {
        this.upstream.stop(0);
    }

    @Test
    void shouldPassRequestsAndAnswersThroughEveryChainUntouched() throws Exception {
        String upstreamUrl = "http://127.0.0.1:" + this.upstream.getAddress().getPort();
        List<Long> pids = new ArrayList<>();
        try (ReferenceHops hops = ReferenceHops.start(upstreamUrl, freePorts(4), this.workDir,
                List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"), 1)) {
            assertThat(hops.chains()).extracting(ReferenceHops.Chain::name).first().isEqualTo("reactor-netty");
            if (ReferenceHops.findNginx().isPresent()) {
                assertThat(hops.chains()).extracting(ReferenceHops.Chain::name).contains("nginx");
                assertThat(hops.skipped()).isEmpty();
            }
            else {
                assertThat(hops.skipped()).singleElement().asString().contains("nginx is not installed");
            }
            for (ReferenceHops.Chain chain : hops.chains()) {
                // Two keep-alive requests each: the second goes over pooled upstream connections.
                for (int i = 1; i <= 2; i++) {
                    HttpResponse<String> answer = this.client.send(HttpRequest
                        .newBuilder(URI.create(chain.url() + "/api/posts?n=" + i))
                        .header("X-Region", "south")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"content\":\"hop " + i + "\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(answer.statusCode()).as(chain.name()).isEqualTo(201);
                    assertThat(answer.headers().firstValue("X-Upstream")).as(chain.name()).hasValue("echo");
                    assertThat(answer.body()).as(chain.name())
                        .isEqualTo("POST /api/posts?n=" + i + " region=south body={\"content\":\"hop " + i + "\"}");
                }
                assertThat(chain.pids()).as(chain.name()).hasSizeGreaterThanOrEqualTo(2);
                assertThat(chain.jit()).as(chain.name()).isEqualTo("reactor-netty".equals(chain.name()));
                pids.addAll(chain.pids());
            }
        }
        assertThat(pids).allSatisfy((pid) -> assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
            .as("hop %d after close", pid).isNotEqualTo(Optional.of(true)));
    }

    /** The first of {@code count} consecutive free ports on 127.0.0.1. */
    private static int freePorts(int count) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int first = ThreadLocalRandom.current().nextInt(20_000, 30_000);
            List<ServerSocket> held = new ArrayList<>();
            try {
                for (int port = first; port < first + count; port++) {
                    held.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
                }
                return first;
            }
            catch (IOException ex) {
                // Taken: try another block.
            }
            finally {
                for (ServerSocket socket : held) {
                    socket.close();
                }
            }
        }
        throw new IOException("no " + count + " consecutive free ports found");
    }

}
