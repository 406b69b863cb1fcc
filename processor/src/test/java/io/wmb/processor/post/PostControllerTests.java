package io.wmb.processor.post;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import io.wmb.processor.config.JsonConfiguration;
import io.wmb.processor.config.ProcessorProperties;
import io.wmb.processor.idempotency.IdempotencyStore;
import io.wmb.processor.idempotency.IdempotencyStore.StoredResponse;
import io.wmb.processor.version.RequestIds;
import io.wmb.processor.web.ProblemHandler;
import io.wmb.processor.web.WebConfiguration;
import io.wmb.processor.topology.Topology;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.util.unit.DataSize;

import static org.hamcrest.Matchers.startsWith;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(PostController.class)
@Import({ PostControllerTests.Settings.class, JsonConfiguration.class, WebConfiguration.class, ProblemHandler.class })
class PostControllerTests {

    @Autowired
    private MockMvc mvc;

    @MockitoBean
    private PostService posts;

    @MockitoBean
    private IdempotencyStore idempotency;

    @TestConfiguration(proxyBeanMethods = false)
    static class Settings {

        @Bean
        ProcessorProperties processorProperties() {
            return new ProcessorProperties("telecom", false,
                    new ProcessorProperties.Grpc(0, DataSize.ofMegabytes(4)),
                    new ProcessorProperties.Reship("localhost:1", Duration.ofSeconds(1), 10, 1),
                    new ProcessorProperties.Redis("redis://127.0.0.1:1", 1, Duration.ofSeconds(1)),
                    new ProcessorProperties.Cache(Duration.ofHours(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                    new ProcessorProperties.Api(2000, DataSize.ofKilobytes(16), 100),
                    new ProcessorProperties.Idempotency(Duration.ofHours(1)),
                    new ProcessorProperties.ProcessingLog("http://127.0.0.1:1", "target/unused"),
                    new ProcessorProperties.Recovery(Duration.ofSeconds(10), Duration.ofSeconds(5)),
                    "test-operator-token", Topology.INDEPENDENT, new ProcessorProperties.PeerCache(
                            "redis://127.0.0.1:1", Duration.ofMillis(100), Duration.ofSeconds(1)),
                    new ProcessorProperties.Node(0, "test", Duration.ofSeconds(15)));
        }

        @Bean
        PostValidator postValidator() {
            return new PostValidator(2000);
        }

        @Bean
        RequestIds requestIds() {
            return new RequestIds(Clock.systemUTC(), "telecom");
        }

    }

    private static PostState postByAlice() {
        return new PostState(7, 42, "hello", false, 123, 1_000, 2_000, Map.of("unicom", 1L, "telecom", 2L));
    }

    private ResultActions create(String body) throws Exception {
        return mvc.perform(post("/api/posts").contentType(MediaType.APPLICATION_JSON).content(body));
    }

    private ResultActions expectProblem(ResultActions result, int status, String detail) throws Exception {
        return result.andExpect(status().is(status))
            .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
            .andExpect(jsonPath("$.detail").value(detail))
            .andExpect(header().exists("X-Request-Id"))
            .andExpect(header().string("X-WMB-Datacenter", "telecom"));
    }

    @Nested
    class GoodRequests {

        @Test
        void shouldCreateAPostAndAnswerWithItsJson() throws Exception {
            given(posts.create(anyString(), eq(42L), eq("hello"))).willReturn(postByAlice());
            create("{\"authorId\": 42, \"content\": \"hello\"}").andExpect(status().isCreated())
                .andExpect(jsonPath("$.id").value(7))
                .andExpect(jsonPath("$.authorId").value(42))
                .andExpect(jsonPath("$.content").value("hello"))
                .andExpect(jsonPath("$.likes").value(3))
                .andExpect(jsonPath("$.version").value(123))
                .andExpect(jsonPath("$.createdAt").value("1970-01-01T00:00:01Z"))
                .andExpect(jsonPath("$.updatedAt").value("1970-01-01T00:00:02Z"))
                .andExpect(header().string("X-WMB-Datacenter", "telecom"))
                .andExpect(header().string("X-Request-Id", startsWith("telecom-")));
        }

        @Test
        void shouldEchoTheClientsRequestId() throws Exception {
            given(posts.get(7)).willReturn(Optional.of(postByAlice()));
            mvc.perform(get("/api/posts/7").header("X-Request-Id", "client-req-1"))
                .andExpect(status().isOk())
                .andExpect(header().string("X-Request-Id", "client-req-1"));
        }

        @Test
        void shouldReplayTheStoredResponseOfARepeatedWrite() throws Exception {
            given(idempotency.claim(eq("key-1"), anyString()))
                .willReturn(Optional.of(new StoredResponse(201, "first-request", "{\"id\":7}")));
            mvc.perform(post("/api/posts").header("Idempotency-Key", "key-1")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"authorId\": 42, \"content\": \"hello\"}"))
                .andExpect(status().isCreated())
                .andExpect(header().string("X-Request-Id", "first-request"))
                .andExpect(content().json("{\"id\":7}"));
            verifyNoInteractions(posts);
        }

    }

    @Nested
    class BadRequests {

        @Test
        void shouldRefuseUnknownField() throws Exception {
            expectProblem(create("{\"authorId\": 42, \"content\": \"x\", \"admin\": true}"), 400,
                    "Unknown field 'admin'; allowed: authorId, content");
            verifyNoInteractions(posts, idempotency);
        }

        @Test
        void shouldRefuseAuthorIdAsString() throws Exception {
            expectProblem(create("{\"authorId\": \"42\", \"content\": \"x\"}"), 400,
                    "Field 'authorId' must be a whole number");
            verifyNoInteractions(posts);
        }

        @Test
        void shouldRefuseAuthorIdWithFraction() throws Exception {
            expectProblem(create("{\"authorId\": 4.5, \"content\": \"x\"}"), 400,
                    "Field 'authorId' must be a whole number");
        }

        @Test
        void shouldRefuseContentAsNumber() throws Exception {
            expectProblem(create("{\"authorId\": 42, \"content\": 17}"), 400, "Field 'content' must be a string");
        }

        @Test
        void shouldRefuseMissingAndEmptyFields() throws Exception {
            expectProblem(create("{\"content\": \"x\"}"), 400, "Field 'authorId' is required");
            expectProblem(create("{\"authorId\": 42, \"content\": \"\"}"), 400, "Field 'content' must not be empty");
            expectProblem(create("{\"authorId\": -1, \"content\": \"x\"}"), 400,
                    "Field 'authorId' must be a positive number, but was -1");
            verifyNoInteractions(posts);
        }

        @Test
        void shouldRefuseTooLongContent() throws Exception {
            expectProblem(create("{\"authorId\": 42, \"content\": \"" + "a".repeat(2001) + "\"}"), 400,
                    "Field 'content' must be at most 2000 characters, but was 2001");
        }

        @Test
        void shouldRefuseTooLargeBody() throws Exception {
            expectProblem(create("{\"authorId\": 42, \"content\": \"" + "a".repeat(17_000) + "\"}"), 413,
                    "Request body must be at most 16384 bytes, but was 17031");
            verifyNoInteractions(posts);
        }

        @Test
        void shouldRefuseMalformedJsonAndTrailingGarbage() throws Exception {
            create("{\"authorId\": 42, ").andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(startsWith("Request body is not valid JSON")));
            create("{\"authorId\": 42, \"content\": \"x\"} {}").andExpect(status().isBadRequest());
            create("[1, 2]").andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value("Request body must be a JSON object"));
            verifyNoInteractions(posts);
        }

        @Test
        void shouldRefuseMissingBody() throws Exception {
            expectProblem(mvc.perform(post("/api/posts").contentType(MediaType.APPLICATION_JSON)), 400,
                    "Request body is missing or not readable");
        }

        @Test
        void shouldRefuseNonNumericIds() throws Exception {
            expectProblem(mvc.perform(get("/api/posts/abc")), 400, "'id' must be a whole number, but was 'abc'");
            expectProblem(mvc.perform(put("/api/posts/12x").contentType(MediaType.APPLICATION_JSON)
                .content("{\"content\": \"x\"}")), 400, "'id' must be a whole number, but was '12x'");
            expectProblem(mvc.perform(get("/api/users/bob/posts")), 400,
                    "'authorId' must be a whole number, but was 'bob'");
            expectProblem(mvc.perform(get("/api/users/42/posts").param("limit", "1000")), 400,
                    "Parameter 'limit' must be between 1 and 100, but was 1000");
        }

        @Test
        void shouldAnswerNotFoundForMissingPost() throws Exception {
            given(posts.get(8)).willReturn(Optional.empty());
            expectProblem(mvc.perform(get("/api/posts/8")), 404, "Post 8 does not exist");
        }

        @Test
        void shouldRefuseBadRequestIdHeader() throws Exception {
            expectProblem(mvc.perform(get("/api/posts/8").header("X-Request-Id", "bad id with spaces")), 400,
                    "Header 'X-Request-Id' must be 1 to 128 characters of letters, digits and . _ : -");
        }

        @Test
        void shouldRefuseWrongMediaType() throws Exception {
            mvc.perform(post("/api/posts").contentType(MediaType.TEXT_PLAIN).content("hello"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        }

    }

}
