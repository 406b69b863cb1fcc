package io.wmb.processor;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.ProcessingLog;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The stages each processor performs show up in the processing log in Elasticsearch. */
class ProcessingLogIntegrationTests extends IntegrationTestSupport {

    @Test
    void shouldRecordAcceptedLocalAndRemoteApply() {
        HttpResponse<String> created = call(unicom, "POST", "/api/posts",
                "{\"authorId\": " + newAuthor() + ", \"content\": \"logged\"}");
        String requestId = created.headers().firstValue("X-Request-Id").orElseThrow();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(processingLog(requestId))
            .contains("unicom:ACCEPTED:OK", "unicom:LOCAL_APPLIED:OK", "telecom:REMOTE_APPLIED:OK"));
    }

    @Test
    void shouldSucceedAndRecordTheFailureWhenReshipIsUnreachable() {
        unicom.reship().refuse(true);
        HttpResponse<String> created;
        try {
            created = call(unicom, "POST", "/api/posts",
                    "{\"authorId\": " + newAuthor() + ", \"content\": \"reship is down\"}");
        }
        finally {
            unicom.reship().refuse(false);
        }
        assertThat(created.statusCode()).isEqualTo(201);
        String requestId = created.headers().firstValue("X-Request-Id").orElseThrow();
        long id = json(created).path("id").asLong();
        assertThat(call(unicom, "GET", "/api/posts/" + id, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(processingLog(requestId))
            .contains("unicom:ACCEPTED:OK", "unicom:LOCAL_APPLIED:OK", "unicom:RESHIPPED:FAILED"));
    }

    @Test
    void shouldKeepRecordsOfWritesMadeWhileElasticsearchWasAwayAndSendThemLater() {
        // Both processors reach Elasticsearch through the link: cutting it takes Elasticsearch away from them
        // (and pauses replication, which these writes do not need).
        List<String> requestIds = new ArrayList<>();
        datacenters.infrastructure.link().cut();
        try {
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> created = call(unicom, "POST", "/api/posts",
                        "{\"authorId\": " + newAuthor() + ", \"content\": \"while away " + i + "\"}");
                assertThat(created.statusCode()).isEqualTo(201);
                requestIds.add(created.headers().firstValue("X-Request-Id").orElseThrow());
            }
            // Keep Elasticsearch away until the writer gave up on it and spilled the records to disk.
            ElasticsearchProcessingLog writer = (ElasticsearchProcessingLog) unicom.context()
                .getBean(ProcessingLog.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> !writer.isOnline());
            assertThat(requestIds.stream().flatMap(requestId -> processingLog(requestId).stream())).isEmpty();
        }
        finally {
            datacenters.infrastructure.link().heal();
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (String requestId : requestIds) {
                assertThat(processingLog(requestId)).contains("unicom:ACCEPTED:OK", "unicom:LOCAL_APPLIED:OK");
            }
        });
    }

}
