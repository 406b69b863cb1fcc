package io.wmb.processor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Likes taken in both datacenters at the same time converge to the true total everywhere. */
class LikesConvergenceIntegrationTests extends IntegrationTestSupport {

    @Test
    void shouldConvergeConcurrentLikesInBothDatacenters() throws Exception {
        long id = createPost(unicom, newAuthor(), "like me").path("id").asLong();
        await().atMost(Duration.ofSeconds(10))
            .until(() -> call(telecom, "GET", "/api/posts/" + id, null).statusCode() == 200);
        int perDatacenter = 60;
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < perDatacenter; i++) {
                answers.add(clients.submit(() -> call(unicom, "POST", "/api/posts/" + id + "/likes", null)
                    .statusCode()));
                answers.add(clients.submit(() -> call(telecom, "POST", "/api/posts/" + id + "/likes", null)
                    .statusCode()));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        }
        finally {
            clients.shutdown();
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(json(call(unicom, "GET", "/api/posts/" + id, null)).path("likes").asLong())
                .isEqualTo(2L * perDatacenter);
            assertThat(json(call(telecom, "GET", "/api/posts/" + id, null)).path("likes").asLong())
                .isEqualTo(2L * perDatacenter);
        });
    }

}
