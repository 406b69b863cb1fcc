package io.wmb.processinglog;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.infra.Infrastructure;
import io.wmb.infra.LinkSimulator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ElasticsearchProcessingLogIntegrationTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static ElasticsearchClient client;

    private static ProcessingLogReader reader;

    @TempDir
    Path spillDirectory;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeAll
    static void connect() {
        client = ElasticsearchClients.create(TestElasticsearch.url());
        reader = new ProcessingLogReader(client);
    }

    @AfterAll
    static void disconnect() throws IOException {
        client._transport().close();
    }

    @Nested
    class WhenElasticsearchAnswers {

        @Test
        void shouldIndexRecordsUnderTheirDayAndDocumentId() throws IOException {
            String requestId = newRequestId();
            List<ProcessingRecord> records = List.of(
                    record(requestId, "unicom", Stage.ACCEPTED, Outcome.OK, at(0)),
                    record(requestId, "unicom", Stage.LOCAL_APPLIED, Outcome.OK, at(1)),
                    record(requestId, "telecom", Stage.REMOTE_APPLIED, Outcome.STALE_SKIPPED, at(2)));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(TestElasticsearch.url()),
                    registry)) {
                records.forEach(log::record);
                log.flush();

                await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(requestId))
                        .containsExactlyElementsOf(records));
                assertThat(counter("accepted")).isEqualTo(3);
                // Straight or (when a fresh cluster answered slowly at first) through the spill: all arrive once.
                assertThat(counter("sent") + counter("resent")).isEqualTo(3);
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(spillSegments()).isEmpty());
            }
        }

        @Test
        void shouldCreateDailyIndexFromTemplate() throws IOException {
            String requestId = newRequestId();
            ProcessingRecord record = record(requestId, "unicom", Stage.ACCEPTED, Outcome.OK, at(0));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(TestElasticsearch.url()),
                    registry)) {
                log.record(record);
                log.flush();
            }

            String index = ProcessingLogIndices.indexFor(record.at());
            Property requestIdProperty = client.indices().getMapping((mapping) -> mapping.index(index))
                    .get(index).mappings().properties().get("requestId");
            Property atProperty = client.indices().getMapping((mapping) -> mapping.index(index))
                    .get(index).mappings().properties().get("at");
            assertThat(requestIdProperty.isKeyword()).isTrue();
            assertThat(atProperty.isDate()).isTrue();
            String replicas = client.indices().getSettings((settings) -> settings.index(index))
                    .get(index).settings().index().numberOfReplicas();
            assertThat(replicas).isEqualTo("0");
        }

        @Test
        void shouldKeepNewestRecordOfRetriedStage() {
            String requestId = newRequestId();
            ProcessingRecord failed = record(requestId, "telecom", Stage.REMOTE_APPLIED, Outcome.FAILED, at(0));
            ProcessingRecord retried = record(requestId, "telecom", Stage.REMOTE_APPLIED, Outcome.OK, at(5));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(TestElasticsearch.url()),
                    registry)) {
                log.record(failed);
                log.record(retried);
                log.flush();
                // A late re-send of the older record (as after a spill) must not win.
                log.record(failed);
                log.flush();

                await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(requestId))
                        .containsExactly(retried));
                assertThat(counter("rejected")).isZero();
            }
        }

        @Test
        void shouldRefuseBadRecordAloneAndKeepIt() throws IOException {
            String requestId = newRequestId();
            // Elasticsearch refuses document ids over 512 bytes for the whole bulk request.
            ProcessingRecord tooLong = record(requestId + "-" + "x".repeat(600), "unicom", Stage.ACCEPTED,
                    Outcome.OK, at(0));
            List<ProcessingRecord> good = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                good.add(record(requestId + "-" + i, "unicom", Stage.ACCEPTED, Outcome.OK, at(i)));
            }

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(TestElasticsearch.url()),
                    registry)) {
                good.subList(0, 2).forEach(log::record);
                log.record(tooLong);
                good.subList(2, 4).forEach(log::record);
                log.flush();

                await().atMost(PATIENCE).untilAsserted(() -> {
                    for (ProcessingRecord record : good) {
                        assertThat(reader.findByRequestId(record.requestId())).containsExactly(record);
                    }
                });
                assertThat(counter("rejected")).isEqualTo(1);
                assertThat(log.isOnline()).isTrue();
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(spillSegments()).isEmpty());
            }
            assertThat(Files.readAllLines(spillDirectory.resolve(SpillStore.REJECTED_FILE)))
                    .containsExactly(ProcessingRecordJson.toJson(tooLong));
        }

    }

    @Nested
    class WhenElasticsearchIsUnreachable {

        @Test
        void shouldSpillAndReplayAfterRestart() throws IOException {
            String requestId = newRequestId();
            List<ProcessingRecord> records = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                records.add(record(requestId + "-" + i, "unicom", Stage.ACCEPTED, Outcome.OK, at(i)));
            }

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(closedPortUrl()),
                    registry)) {
                records.forEach(log::record);
                log.flush();

                assertThat(log.isOnline()).isFalse();
                assertThat(counter("spilled")).isEqualTo(25);
                assertThat(counter("sent")).isZero();
            }
            assertThat(spilledLines()).hasSize(25);
            assertThat(reader.findByRequestId(requestId + "-0")).isEmpty();

            SimpleMeterRegistry restarted = new SimpleMeterRegistry();
            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(TestElasticsearch.url()),
                    restarted)) {
                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(spillSegments()).isEmpty();
                    assertThat(log.isOnline()).isTrue();
                });
                assertThat(restarted.get("wmb.processinglog.records.resent").counter().count()).isEqualTo(25);
            }
            await().atMost(PATIENCE).untilAsserted(() -> {
                for (ProcessingRecord record : records) {
                    assertThat(reader.findByRequestId(record.requestId())).containsExactly(record);
                }
            });
        }

    }

    @Nested
    class WhenTheLinkToElasticsearchIsCut {

        @Test
        void shouldSpillWhileCutAndDeliverAfterHeal() throws IOException {
            LinkSimulator link = Infrastructure.shared().link();
            int routedPort = link.open("processing-log-elasticsearch", TestElasticsearch.port());
            String routedUrl = "http://127.0.0.1:" + routedPort;
            String requestId = newRequestId();
            ProcessingRecord before = record(requestId, "unicom", Stage.ACCEPTED, Outcome.OK, at(0));
            List<ProcessingRecord> during = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                during.add(record(requestId + "-" + i, "telecom", Stage.COLLECTED, Outcome.OK, at(i)));
            }

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(routedUrl), registry)) {
                log.record(before);
                log.flush();
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(requestId))
                        .containsExactly(before));

                double spilledBefore = counter("spilled");
                double resentBefore = counter("resent");
                link.cut();
                try {
                    long start = System.nanoTime();
                    during.forEach(log::record);
                    // The sender hangs on the cut link until its request times out; callers must not.
                    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(500));
                    log.flush();

                    assertThat(log.isOnline()).isFalse();
                    assertThat(counter("spilled") - spilledBefore).isEqualTo(10);
                    assertThat(spilledLines()).hasSize(10);
                    assertThat(reader.findByRequestId(requestId + "-0")).isEmpty();
                }
                finally {
                    link.heal();
                }

                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(log.isOnline()).isTrue();
                    assertThat(spillSegments()).isEmpty();
                });
                assertThat(counter("resent") - resentBefore).isEqualTo(10);
                assertThat(counter("rejected")).isZero();
            }
            await().atMost(PATIENCE).untilAsserted(() -> {
                for (ProcessingRecord record : during) {
                    assertThat(reader.findByRequestId(record.requestId())).containsExactly(record);
                }
            });
        }

    }

    private double counter(String name) {
        return this.registry.get("wmb.processinglog.records." + name).counter().count();
    }

    private ProcessingLogSettings settings(String url) {
        return new ProcessingLogSettings(url, this.spillDirectory, 100, Duration.ofMillis(200), 1000,
                Duration.ofSeconds(3));
    }

    private List<Path> spillSegments() throws IOException {
        try (Stream<Path> files = Files.list(this.spillDirectory)) {
            return files.filter((path) -> path.getFileName().toString().startsWith("spill-")).sorted().toList();
        }
    }

    private List<String> spilledLines() throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path segment : spillSegments()) {
            lines.addAll(Files.readAllLines(segment));
        }
        return lines;
    }

    private static String closedPortUrl() {
        try (ServerSocket socket = new ServerSocket(0)) {
            // Nobody listens there once the socket is closed: connections are refused at once.
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String newRequestId() {
        return "it-" + UUID.randomUUID();
    }

    private static Instant at(int offsetMillis) {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).plusMillis(offsetMillis);
    }

    private static ProcessingRecord record(String requestId, String datacenter, Stage stage, Outcome outcome,
            Instant at) {
        return new ProcessingRecord(requestId, datacenter, "unicom", stage, outcome, at, 42, 7,
                (outcome == Outcome.OK) ? null : "because");
    }

}
