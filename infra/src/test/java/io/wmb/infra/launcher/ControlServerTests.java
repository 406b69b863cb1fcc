package io.wmb.infra.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.wmb.infra.LinkSimulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The control API over real HTTP, acting on a real link simulator. */
class ControlServerTests {

    private final HttpClient http = HttpClient.newHttpClient();

    private final LinkSimulator link = new LinkSimulator();

    private ControlServer server;

    @AfterEach
    void stop() {
        if (this.server != null) {
            this.server.stop();
        }
        this.link.close();
    }

    @Test
    void shouldShowEveryComponentAsJson() throws Exception {
        Component processor = new Component("processor-unicom", "processor", "unicom", 8101, "/logs/p.log");
        processor.starting(8101);
        processor.healthy(4242);
        start(List.of(processor), this.link);
        HttpResponse<String> response = get("/status");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).contains("\"name\":\"processor-unicom\"", "\"port\":8101", "\"pid\":4242",
                "\"state\":\"HEALTHY\"", "\"healthy\":true", "\"link\":{\"cut\":false");
    }

    @Test
    void shouldCutHealAndSetTheRoundTrip() throws Exception {
        start(List.of(), this.link);
        assertThat(post("/link/cut").body()).contains("\"cut\":true");
        assertThat(this.link.isCut()).isTrue();
        assertThat(post("/link/heal").body()).contains("\"cut\":false");
        assertThat(this.link.isCut()).isFalse();
        assertThat(post("/link/latency?rttMs=40").body()).contains("\"rttMs\":40");
        assertThat(this.link.roundTrip()).isEqualTo(Duration.ofMillis(40));
    }

    @Test
    void shouldTurnStallsOnAndOff() throws Exception {
        start(List.of(), this.link);
        assertThat(post("/link/stalls?enabled=true&maxPauseMs=300&seed=9").body())
            .contains("\"stalls\":{\"enabled\":true,\"minPauseMs\":50,\"maxPauseMs\":300,\"intervalMs\":1000,"
                    + "\"seed\":9");
        assertThat(this.link.stalls()).hasValueSatisfying(
                (stalls) -> assertThat(stalls.maxPause()).isEqualTo(Duration.ofMillis(300)));
        assertThat(post("/link/stalls?enabled=true&maxPauseMs=30").body())
            .contains("\"minPauseMs\":30,\"maxPauseMs\":30");
        assertThat(post("/link/stalls?enabled=false").body()).contains("\"stalls\":{\"enabled\":false");
        assertThat(this.link.stalls()).isEmpty();
    }

    @Test
    void shouldRejectBadStallSettings() throws Exception {
        start(List.of(), this.link);
        assertThat(post("/link/stalls").body()).contains("query parameter enabled is required");
        assertThat(post("/link/stalls?enabled=yes").statusCode()).isEqualTo(400);
        HttpResponse<String> response = post("/link/stalls?enabled=true&minPauseMs=900&maxPauseMs=100");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("minPause <= maxPause");
        assertThat(this.link.stalls()).isEmpty();
    }

    @Test
    void shouldAnswerABadRoundTripWithAProblem() throws Exception {
        start(List.of(), this.link);
        HttpResponse<String> response = post("/link/latency?rttMs=forty");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("rttMs must be a whole number of milliseconds, but was 'forty'");
        assertThat(post("/link/latency").body()).contains("query parameter rttMs is required");
        assertThat(post("/link/latency?rttMs=-5").statusCode()).isEqualTo(400);
    }

    @Test
    void shouldRefuseTheWrongMethodAndUnknownPaths() throws Exception {
        start(List.of(), this.link);
        HttpResponse<String> wrongMethod = get("/link/cut");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("Allow")).contains("POST");
        assertThat(this.link.isCut()).isFalse();
        assertThat(get("/nothing").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldAnswer503BeforeTheLinkExists() throws Exception {
        start(List.of(), null);
        HttpResponse<String> response = post("/link/cut");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("not up yet");
        assertThat(get("/status").body()).contains("\"link\":null");
    }

    private void start(List<Component> components, LinkSimulator link) throws IOException {
        this.server = new ControlServer(0, new ControlServer.SupervisorView() {
            @Override
            public List<Component> components() {
                return components;
            }

            @Override
            public Optional<LinkSimulator> link() {
                return Optional.ofNullable(link);
            }
        });
        this.server.start();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return this.http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path) throws Exception {
        return this.http.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + this.server.port() + path);
    }
}
