package io.wmb.systemtests;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The first milestone, end to end on real servers with every service a separate process: a write goes edge ->
 * gateway -> processor -> reship -> (link) -> collector -> the other datacenter's processor, and every stage is
 * in the processing log in Elasticsearch.
 */
class PipelineSystemIntegrationTests {

    private static final int EDGE = 8080;

    private static final int UNICOM_GATEWAY = 8081;

    private static final int TELECOM_GATEWAY = 8082;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static RunningDemo demo;

    @BeforeAll
    static void startBothDatacenters() {
        demo = RunningDemo.shared();
    }

    @Nested
    class WriteInOneDatacenterReadInTheOther {

        @Test
        void shouldServeANorthernWriteFromTelecomWithinASecondOrTwo() {
            long author = randomAuthor();
            HttpResponse<String> created = createThroughEdge("north", author, "hello from the north");

            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("X-WMB-Datacenter")).hasValue("unicom");
            assertThat(created.headers().firstValue("X-Request-Id")).isPresent();
            long id = json(created).get("id").asLong();

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                HttpResponse<String> read = get(TELECOM_GATEWAY, "/api/posts/" + id);
                assertThat(read.statusCode()).isEqualTo(200);
                assertThat(read.headers().firstValue("X-WMB-Datacenter")).hasValue("telecom");
                assertThat(json(read).get("content").asString()).isEqualTo("hello from the north");
            });
        }

        @Test
        void shouldServeASouthernWriteFromUnicom() {
            long author = randomAuthor();
            HttpResponse<String> created = createThroughEdge("south", author, "hello from the south");

            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("X-WMB-Datacenter")).hasValue("telecom");
            long id = json(created).get("id").asLong();

            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                HttpResponse<String> read = get(UNICOM_GATEWAY, "/api/posts/" + id);
                assertThat(read.statusCode()).isEqualTo(200);
                assertThat(json(read).get("content").asString()).isEqualTo("hello from the south");
            });
        }

        @Test
        void shouldRecordEveryStageOfTheWriteInTheProcessingLog() {
            HttpResponse<String> created = createThroughEdge("north", randomAuthor(), "logged everywhere");
            String requestId = created.headers().firstValue("X-Request-Id").orElseThrow();

            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(demo.stagesOf(requestId))
                .contains("unicom/ACCEPTED/OK", "unicom/LOCAL_APPLIED/OK", "unicom/RESHIPPED/OK",
                        "telecom/COLLECTED/OK", "telecom/REMOTE_APPLIED/OK"));
        }

    }

    @Nested
    class LinkCut {

        @Test
        void shouldKeepAcceptingWritesInBothDatacentersAndConvergeAfterHeal() {
            List<Long> northern = new ArrayList<>();
            List<Long> southern = new ArrayList<>();
            demo.wmb(Duration.ofSeconds(30), "link", "cut");
            try {
                for (int i = 0; i < 10; i++) {
                    HttpResponse<String> north = createThroughEdge("north", randomAuthor(), "cut north " + i);
                    HttpResponse<String> south = createThroughEdge("south", randomAuthor(), "cut south " + i);
                    assertThat(north.statusCode()).as(north.body()).isEqualTo(201);
                    assertThat(south.statusCode()).as(south.body()).isEqualTo(201);
                    northern.add(json(north).get("id").asLong());
                    southern.add(json(south).get("id").asLong());
                }
                // While the link is cut the other datacenter cannot have them.
                assertThat(get(TELECOM_GATEWAY, "/api/posts/" + northern.get(0)).statusCode()).isEqualTo(404);
            }
            finally {
                demo.wmb(Duration.ofSeconds(30), "link", "heal");
            }

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (long id : northern) {
                    assertThat(get(TELECOM_GATEWAY, "/api/posts/" + id).statusCode()).as("post %d", id)
                        .isEqualTo(200);
                }
                for (long id : southern) {
                    assertThat(get(UNICOM_GATEWAY, "/api/posts/" + id).statusCode()).as("post %d", id)
                        .isEqualTo(200);
                }
            });
        }

    }

    @Nested
    class ConcurrentWrites {

        @Test
        void shouldConvergeLikesTakenInBothDatacenters() {
            long id = json(createThroughEdge("north", randomAuthor(), "like me")).get("id").asLong();
            await().atMost(Duration.ofSeconds(5))
                .until(() -> get(TELECOM_GATEWAY, "/api/posts/" + id).statusCode() == 200);

            for (int i = 0; i < 7; i++) {
                assertThat(send(UNICOM_GATEWAY, "POST", "/api/posts/" + id + "/likes", null).statusCode())
                    .isEqualTo(200);
                assertThat(send(TELECOM_GATEWAY, "POST", "/api/posts/" + id + "/likes", null).statusCode())
                    .isEqualTo(200);
            }

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(json(get(UNICOM_GATEWAY, "/api/posts/" + id)).get("likes").asLong()).isEqualTo(14);
                assertThat(json(get(TELECOM_GATEWAY, "/api/posts/" + id)).get("likes").asLong()).isEqualTo(14);
            });
        }

        @Test
        void shouldReplicateEditsAndDeletesWithoutBringingAPostBack() {
            long id = json(createThroughEdge("south", randomAuthor(), "first")).get("id").asLong();
            await().atMost(Duration.ofSeconds(5))
                .until(() -> get(UNICOM_GATEWAY, "/api/posts/" + id).statusCode() == 200);

            assertThat(send(UNICOM_GATEWAY, "PUT", "/api/posts/" + id, "{\"content\":\"edited in unicom\"}")
                .statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(
                    json(get(TELECOM_GATEWAY, "/api/posts/" + id)).get("content").asString())
                .isEqualTo("edited in unicom"));

            assertThat(send(TELECOM_GATEWAY, "DELETE", "/api/posts/" + id, null).statusCode()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(get(UNICOM_GATEWAY, "/api/posts/" + id).statusCode()).isEqualTo(404));
        }

    }

    private static HttpResponse<String> createThroughEdge(String region, long author, String content) {
        HttpRequest request = HttpRequest.newBuilder(RunningDemo.url(EDGE, "/api/posts"))
            .header("Content-Type", "application/json")
            .header("X-Region", region)
            .header("X-User-Id", Long.toString(author))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"authorId\":" + author + ",\"content\":\"" + content + "\"}"))
            .build();
        return demo.send(request);
    }

    private static HttpResponse<String> get(int port, String path) {
        return send(port, "GET", path, null);
    }

    private static HttpResponse<String> send(int port, String method, String path, String body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(RunningDemo.url(port, path))
            .timeout(Duration.ofSeconds(10));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
                : HttpRequest.BodyPublishers.noBody());
        return demo.send(builder.build());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    private static long randomAuthor() {
        return ThreadLocalRandom.current().nextLong(1, 1_000_000);
    }

}
