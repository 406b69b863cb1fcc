package io.wmb.processor;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import tools.jackson.databind.JsonNode;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The REST API of both datacenters against real MariaDB, Redis and Elasticsearch. */
class PostApiIntegrationTests extends IntegrationTestSupport {

    @Nested
    class CreateReadEditDeleteLike {

        @Test
        void shouldCreateReadEditLikeAndDeleteAPostInUnicomAndSeeItInTelecom() {
            long author = newAuthor();
            HttpResponse<String> created = call(unicom, "POST", "/api/posts",
                    "{\"authorId\": " + author + ", \"content\": \"hello from the north\"}");
            assertThat(created.statusCode()).isEqualTo(201);
            assertThat(created.headers().firstValue("X-WMB-Datacenter")).contains("unicom");
            assertThat(created.headers().firstValue("X-Request-Id")).hasValueSatisfying(id -> assertThat(id)
                .startsWith("unicom-"));
            JsonNode post = json(created);
            long id = post.path("id").asLong();
            assertThat(post.path("authorId").asLong()).isEqualTo(author);
            assertThat(post.path("content").asString()).isEqualTo("hello from the north");
            assertThat(post.path("likes").asLong()).isZero();
            assertThat(post.path("createdAt").asString()).isNotEmpty();

            assertThat(json(call(unicom, "GET", "/api/posts/" + id, null)).path("content").asString())
                .isEqualTo("hello from the north");
            // Reached telecom through reship and Apply.
            await().atMost(Duration.ofSeconds(10))
                .until(() -> call(telecom, "GET", "/api/posts/" + id, null).statusCode() == 200);

            HttpResponse<String> edited = call(unicom, "PUT", "/api/posts/" + id, "{\"content\": \"edited\"}");
            assertThat(edited.statusCode()).isEqualTo(200);
            assertThat(json(edited).path("version").asLong()).isGreaterThan(post.path("version").asLong());
            assertThat(json(edited).path("updatedAt").asString()).isNotEmpty();

            HttpResponse<String> liked = call(telecom, "POST", "/api/posts/" + id + "/likes", null);
            assertThat(liked.statusCode()).isEqualTo(200);
            assertThat(json(liked).path("likes").asLong()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                JsonNode inUnicom = json(call(unicom, "GET", "/api/posts/" + id, null));
                assertThat(inUnicom.path("likes").asLong()).isEqualTo(1);
                assertThat(inUnicom.path("content").asString()).isEqualTo("edited");
            });

            assertThat(call(unicom, "DELETE", "/api/posts/" + id, null).statusCode()).isEqualTo(204);
            assertThat(call(unicom, "GET", "/api/posts/" + id, null).statusCode()).isEqualTo(404);
            assertThat(call(unicom, "DELETE", "/api/posts/" + id, null).statusCode()).isEqualTo(404);
            assertThat(call(unicom, "PUT", "/api/posts/" + id, "{\"content\": \"back?\"}").statusCode())
                .isEqualTo(404);
            await().atMost(Duration.ofSeconds(10))
                .until(() -> call(telecom, "GET", "/api/posts/" + id, null).statusCode() == 404);
        }

        @Test
        void shouldCreateInTelecomWithoutWritingMysqlThereAndReachTheMasterThroughUnicom() {
            long author = newAuthor();
            JsonNode post = createPost(telecom, author, "hello from the south");
            long id = post.path("id").asLong();
            assertThat(post.path("version").asLong() & 0xF).isEqualTo(2);
            assertThat(json(call(telecom, "GET", "/api/posts/" + id, null)).path("content").asString())
                .isEqualTo("hello from the south");
            // Unicom applied it to the master; the row is there exactly once.
            await().atMost(Duration.ofSeconds(10)).until(() -> rowsOfAuthor(author) == 1);
        }

        @Test
        void shouldListAnAuthorsPostsNewestFirstWithoutDeletedOnes() {
            long author = newAuthor();
            long first = createPost(unicom, author, "first").path("id").asLong();
            long second = createPost(telecom, author, "second").path("id").asLong();
            long third = createPost(unicom, author, "third").path("id").asLong();
            assertThat(call(unicom, "DELETE", "/api/posts/" + first, null).statusCode()).isEqualTo(204);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                for (TwoDatacenters.Processor processor : new TwoDatacenters.Processor[] { unicom, telecom }) {
                    JsonNode list = json(call(processor, "GET", "/api/users/" + author + "/posts", null));
                    assertThat(list.size()).isEqualTo(2);
                    assertThat(list.get(0).path("id").asLong()).isEqualTo(third);
                    assertThat(list.get(1).path("id").asLong()).isEqualTo(second);
                }
            });
            assertThat(json(call(unicom, "GET", "/api/users/" + author + "/posts?limit=1", null)).size()).isEqualTo(1);
        }

    }

    @Nested
    class Idempotency {

        @Test
        void shouldApplyARepeatedCreateOnceAndAnswerAlike() {
            long author = newAuthor();
            String body = "{\"authorId\": " + author + ", \"content\": \"only once\"}";
            Map<String, String> key = Map.of("Idempotency-Key", "create-" + author);
            HttpResponse<String> first = call(unicom, "POST", "/api/posts", body, key);
            HttpResponse<String> second = call(unicom, "POST", "/api/posts", body, key);
            assertThat(first.statusCode()).isEqualTo(201);
            assertThat(second.statusCode()).isEqualTo(201);
            assertThat(second.body()).isEqualTo(first.body());
            assertThat(second.headers().firstValue("X-Request-Id")).isEqualTo(first.headers().firstValue("X-Request-Id"));
            assertThat(rowsOfAuthor(author)).isEqualTo(1);
        }

        @Test
        void shouldTreatTheClientsRequestIdAsIdempotencyKey() {
            long author = newAuthor();
            long id = createPost(unicom, author, "to like").path("id").asLong();
            Map<String, String> requestId = Map.of("X-Request-Id", "like-" + author);
            HttpResponse<String> first = call(unicom, "POST", "/api/posts/" + id + "/likes", null, requestId);
            HttpResponse<String> again = call(unicom, "POST", "/api/posts/" + id + "/likes", null, requestId);
            assertThat(first.headers().firstValue("X-Request-Id")).contains("like-" + author);
            assertThat(json(again).path("likes").asLong()).isEqualTo(1);
            assertThat(json(call(unicom, "GET", "/api/posts/" + id, null)).path("likes").asLong()).isEqualTo(1);
        }

        @Test
        void shouldNotRememberTheResponseToARequestIdAGatewayMade() {
            long author = newAuthor();
            String body = "{\"authorId\": " + author + ", \"content\": \"through the gateway\"}";
            HttpResponse<String> made = call(unicom, "POST", "/api/posts", body,
                    Map.of("X-Request-Id", "made-" + author, "X-WMB-Request-Id-Generated", "true"));
            HttpResponse<String> own = call(unicom, "POST", "/api/posts", body,
                    Map.of("X-Request-Id", "own-" + author));
            assertThat(made.statusCode()).isEqualTo(201);
            assertThat(made.headers().firstValue("X-Request-Id")).contains("made-" + author);
            assertThat(remembersIdempotencyKey("made-" + author)).isFalse();
            assertThat(own.statusCode()).isEqualTo(201);
            assertThat(remembersIdempotencyKey("own-" + author)).isTrue();
        }

        @Test
        void shouldRefuseAKeyReusedForADifferentRequest() {
            long author = newAuthor();
            Map<String, String> key = Map.of("Idempotency-Key", "reused-" + author);
            call(unicom, "POST", "/api/posts", "{\"authorId\": " + author + ", \"content\": \"one\"}", key);
            HttpResponse<String> other = call(unicom, "POST", "/api/posts",
                    "{\"authorId\": " + author + ", \"content\": \"two\"}", key);
            assertThat(other.statusCode()).isEqualTo(422);
            assertThat(other.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type)
                .startsWith("application/problem+json"));
            assertThat(rowsOfAuthor(author)).isEqualTo(1);
        }

    }

    @Nested
    class BadInput {

        @Test
        void shouldRefuseBadInputsWithClearProblemsAndLeaveNoTrace() {
            long author = newAuthor();
            String[][] cases = {
                { "{\"authorId\": " + author + ", \"content\": \"x\", \"extra\": 1}", "Unknown field 'extra'" },
                { "{\"authorId\": \"" + author + "\", \"content\": \"x\"}", "Field 'authorId' must be a whole number" },
                { "{\"authorId\": " + author + ", \"content\": \"\"}", "Field 'content' must not be empty" },
                { "{\"authorId\": " + author + ", \"content\": \"" + "y".repeat(2001) + "\"}", "at most 2000" },
                { "{\"authorId\": " + author + ", \"content\": ", "not valid JSON" },
            };
            for (String[] bad : cases) {
                HttpResponse<String> response = call(unicom, "POST", "/api/posts", bad[0],
                        Map.of("Idempotency-Key", "bad-" + author));
                assertThat(response.statusCode()).as(bad[0]).isEqualTo(400);
                assertThat(json(response).path("detail").asString()).as(bad[0]).contains(bad[1]);
                assertThat(response.headers().firstValue("X-WMB-Datacenter")).contains("unicom");
            }
            HttpResponse<String> tooLarge = call(unicom, "POST", "/api/posts",
                    "{\"authorId\": " + author + ", \"content\": \"" + "z".repeat(20_000) + "\"}");
            assertThat(tooLarge.statusCode()).isEqualTo(413);
            assertThat(call(unicom, "GET", "/api/posts/not-a-number", null).statusCode()).isEqualTo(400);
            assertThat(call(unicom, "POST", "/api/posts/12345/likes", null).statusCode()).isEqualTo(404);
            assertThat(rowsOfAuthor(author)).isZero();
            assertThat(json(call(unicom, "GET", "/api/users/" + author + "/posts", null)).size()).isZero();
            // The idempotency key was never claimed by the refused requests: a good request with it goes through.
            HttpResponse<String> good = call(unicom, "POST", "/api/posts",
                    "{\"authorId\": " + author + ", \"content\": \"fine\"}", Map.of("Idempotency-Key", "bad-" + author));
            assertThat(good.statusCode()).isEqualTo(201);
        }

    }

    @Test
    void shouldExposeHealthWithMysqlAndRedisAndPrometheusMetrics() {
        JsonNode health = json(call(unicom, "GET", "/actuator/health", null));
        assertThat(health.path("status").asString()).isEqualTo("UP");
        assertThat(health.path("components").path("db").path("status").asString()).isEqualTo("UP");
        assertThat(health.path("components").path("redis").path("status").asString()).isEqualTo("UP");
        createPost(unicom, newAuthor(), "for metrics");
        String metrics = call(unicom, "GET", "/actuator/prometheus", null).body();
        assertThat(metrics).contains("wmb_processor_writes_seconds_count{")
            .contains("wmb_processor_mysql_seconds")
            .contains("wmb_processor_redis_seconds");
    }

}
