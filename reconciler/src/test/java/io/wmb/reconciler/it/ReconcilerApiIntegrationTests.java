package io.wmb.reconciler.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wmb.infra.Infrastructure;
import io.wmb.processinglog.ElasticsearchClients;
import io.wmb.processinglog.Stage;
import io.wmb.reconciler.deadletter.DeadLetter;
import io.wmb.reconciler.deadletter.DeadLetterRepository;
import io.wmb.reconciler.job.ReconcileJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.wmb.reconciler.it.ProcessingLogFixture.stages;
import static io.wmb.reconciler.it.ProcessingLogFixture.version;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reconciler application over HTTP, on the real Elasticsearch, with stand-in processors on real gRPC.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ReconcilerApiIntegrationTests {

    private static final String TOKEN = "operator-" + UUID.randomUUID();

    private static final ObjectMapper JSON = new ObjectMapper();

    private static InMemoryProcessor unicom;

    private static InMemoryProcessor telecom;

    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    private int port;

    @Autowired
    private ReconcileJob job;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        Infrastructure infrastructure = Infrastructure.shared();
        unicom = new InMemoryProcessor();
        telecom = new InMemoryProcessor();
        registry.add("wmb.reconciler.elasticsearch-url", infrastructure::elasticsearchUrl);
        registry.add("wmb.reconciler.spill-directory",
                () -> Infrastructure.dataRoot().resolve("reconciler-api-it-" + UUID.randomUUID()).toString());
        registry.add("wmb.reconciler.operator-token", () -> TOKEN);
        registry.add("wmb.reconciler.scan.enabled", () -> "false");
        registry.add("wmb.reconciler.scan.grace", () -> "42s");
        registry.add("wmb.reconciler.lease.name", () -> "api-it-" + UUID.randomUUID());
        registry.add("wmb.reconciler.processors.unicom", () -> "127.0.0.1:" + unicom.port());
        registry.add("wmb.reconciler.processors.telecom", () -> "127.0.0.1:" + telecom.port());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        unicom.close();
        telecom.close();
    }

    @Test
    void shouldShowStatusWithoutToken() throws Exception {
        HttpResponse<String> before = get("/api/reconciler/status", null);
        assertThat(before.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(before.body()).path("datacenter").asText()).isEqualTo("unicom");
        // What a client (the demo's tour) needs to know how long a repair can take at the soonest.
        assertThat(JSON.readTree(before.body()).path("graceMillis").asLong()).isEqualTo(42_000);

        this.job.runOnce();

        JsonNode after = JSON.readTree(get("/api/reconciler/status", null).body());
        assertThat(after.path("leader").asBoolean()).isTrue();
        assertThat(after.path("lastScanAt").isNull()).isFalse();
        assertThat(after.has("windowFrom")).isTrue();
        assertThat(after.path("graceMillis").asLong()).isEqualTo(42_000);
    }

    @Test
    void shouldRefuseDeadLettersWithoutTheOperatorToken() throws Exception {
        for (String token : new String[] { null, "wrong" }) {
            HttpResponse<String> response = get("/api/reconciler/dead-letters", token);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    (type) -> assertThat(type).startsWith("application/problem+json"));
            assertThat(JSON.readTree(response.body()).path("detail").asText()).contains("operator token");
        }
        HttpResponse<String> redrive = post("/api/reconciler/dead-letters/x/redrive", null);
        assertThat(redrive.statusCode()).isEqualTo(401);
    }

    @Test
    void shouldScanNowForAnOperatorOnly() throws Exception {
        HttpResponse<String> refused = post("/api/reconciler/scan", "wrong");
        assertThat(refused.statusCode()).isEqualTo(401);

        HttpResponse<String> scanned = post("/api/reconciler/scan", TOKEN);

        assertThat(scanned.statusCode()).isEqualTo(200);
        JsonNode status = JSON.readTree(scanned.body());
        assertThat(status.path("leader").asBoolean()).isTrue();
        assertThat(status.path("lastScanAt").isNull()).isFalse();
        assertThat(status.path("lastError").isNull()).isTrue();
    }

    @Test
    void shouldAnswerBadInputWithProblemJson() throws Exception {
        HttpResponse<String> badSize = get("/api/reconciler/dead-letters?size=0", TOKEN);
        assertThat(badSize.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badSize.body()).path("detail").asText()).contains("size must be between 1 and");
        HttpResponse<String> unknown = post("/api/reconciler/dead-letters/" + UUID.randomUUID() + "/redrive", TOKEN);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(unknown.body()).path("detail").asText()).contains("not on the dead-letter list");
    }

    @Test
    void shouldListAndRedriveADeadLetter() throws Exception {
        Infrastructure infrastructure = Infrastructure.shared();
        ElasticsearchClient client = ElasticsearchClients.create(infrastructure.elasticsearchUrl());
        try {
            String requestId = "dead-" + UUID.randomUUID();
            long post = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
            Instant at = Instant.parse("2041-03-01T10:00:00Z");
            long v = version(at, 0, "unicom");
            new ProcessingLogFixture(client).write(stages(requestId, "unicom", post, v, at, Stage.ACCEPTED,
                    Stage.LOCAL_APPLIED, Stage.RESHIPPED));
            unicom.hold(post, v, "dead letter");
            DeadLetterRepository deadLetters = new DeadLetterRepository(client);
            deadLetters.save(new DeadLetter(requestId, "unicom", post, v, at, true, false, "injected", 4, at));

            HttpResponse<String> list = get("/api/reconciler/dead-letters?size=1000", TOKEN);
            assertThat(list.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(list.body()).path("deadLetters").findValuesAsText("requestId"))
                    .contains(requestId);

            HttpResponse<String> redrive = post("/api/reconciler/dead-letters/" + requestId + "/redrive", TOKEN);

            assertThat(redrive.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(redrive.body()).path("remoteOutcome").asText()).isEqualTo("OK");
            assertThat(telecom.posts.get(post).getContent()).isEqualTo("dead letter");
            assertThat(deadLetters.find(requestId)).isEmpty();
            assertThat(get("/actuator/prometheus", null).body()).contains("wmb_reconciler_redriven_total")
                    .contains("wmb_reconciler_watermark_timestamp_seconds");
        }
        finally {
            client._transport().close();
        }
    }

    private HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        return this.http.send(request(path, token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String token) throws IOException, InterruptedException {
        return this.http.send(request(path, token).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String token) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

}
