package io.wmb.processinglog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.mapping.Property;
import co.elastic.clients.elasticsearch.core.GetResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.infra.Infrastructure;
import io.wmb.infra.LinkSimulator;
import io.wmb.infra.LocalPorts;
import org.elasticsearch.client.Request;
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

        @Test
        void shouldSendFullBatchAtOnceWithoutWaitingForFlushInterval() {
            String requestId = newRequestId();
            List<ProcessingRecord> records = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                records.add(record(requestId + "-" + i, "unicom", Stage.ACCEPTED, Outcome.OK, at(i)));
            }
            // Batches of 3, an interval no test waits for: only a full batch can make the records arrive.
            ProcessingLogSettings settings = new ProcessingLogSettings(TestElasticsearch.url(), spillDirectory, 3,
                    Duration.ofMinutes(10), 1000, Duration.ofSeconds(3));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings, registry)) {
                awaitOnline(log);
                records.subList(0, 2).forEach(log::record);
                assertThat(counter("sent")).isZero();
                log.record(records.get(2));

                await().atMost(PATIENCE).untilAsserted(() -> assertThat(counter("sent")).isEqualTo(3));
                for (ProcessingRecord record : records) {
                    await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(
                            record.requestId())).containsExactly(record));
                }
            }
        }

        @Test
        void shouldSendPartialBatchOnceItsFlushIntervalIsOver() {
            String requestId = newRequestId();
            ProcessingRecord record = record(requestId, "unicom", Stage.ACCEPTED, Outcome.OK, at(0));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(TestElasticsearch.url()),
                    registry)) {
                awaitOnline(log);
                log.record(record);

                // No flush(): the batch of one goes when its interval (200 ms here) is over.
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(counter("sent")).isEqualTo(1));
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(requestId))
                        .containsExactly(record));
            }
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

    @Nested
    class WhenTheWriterHoldsRecords {

        @Test
        void shouldPublishOldestRecordStillInMemoryUntilItIsIndexed() throws IOException {
            // A batch waits 30 s for more records: they stay in memory until flush().
            ProcessingLogSettings patient = new ProcessingLogSettings(TestElasticsearch.url(), spillDirectory, 100,
                    Duration.ofSeconds(30), 1000, Duration.ofSeconds(3), Duration.ofMillis(100));
            WriterId writer = WriterId.of("it", "unicom");
            String requestId = newRequestId();
            ProcessingRecord oldest = record(requestId, "unicom", Stage.ACCEPTED, Outcome.OK, at(0));
            ProcessingRecord newer = record(requestId, "unicom", Stage.LOCAL_APPLIED, Outcome.OK, at(1));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(patient, writer, registry,
                    Clock.systemUTC())) {
                log.record(newer);
                log.record(oldest);
                Instant handedOver = Instant.now();

                await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                    WriterWatermark published = published(writer);
                    assertThat(published.heartbeatAt()).isAfter(handedOver);
                    assertThat(published.flushedBefore()).isEqualTo(oldest.at());
                });
                assertThat(reader.findByRequestId(requestId)).as("not sent yet").isEmpty();

                log.flush();
                Instant flushed = Instant.now();

                await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                    WriterWatermark published = published(writer);
                    assertThat(published.heartbeatAt()).isAfter(flushed);
                    assertThat(published.flushedBefore()).as("nothing held: the time of publishing")
                            .isEqualTo(published.heartbeatAt());
                });
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(requestId))
                        .containsExactly(oldest, newer));
            }
            assertThat(isPublished(writer)).as("a closed writer takes its watermark with it").isFalse();
        }

        @Test
        void shouldHoldWatermarkAtOldestSpilledRecordUntilItIsReSent() throws IOException {
            // Records of a day whose index cannot be allocated: the cluster is red, so the writer spills and
            // waits, as when Elasticsearch has fallen behind; its watermark still gets through to a healthy index.
            Instant day = Instant.parse("2001-01-01T00:00:00Z")
                    .plus(Duration.ofDays(ThreadLocalRandom.current().nextInt(3000)));
            String index = ProcessingLogIndices.indexFor(day);
            Request create = new Request("PUT", "/" + index);
            create.addParameter("wait_for_active_shards", "0");
            create.setJsonEntity("{\"settings\": {\"index.routing.allocation.require._name\": \"wmb-nowhere\"}}");
            lowLevel(create);
            WriterId writer = WriterId.of("it", "telecom");
            String requestId = newRequestId();
            ProcessingRecord oldest = record(requestId, "telecom", Stage.COLLECTED, Outcome.OK, day.plusSeconds(1));
            ProcessingRecord newer = record(requestId, "telecom", Stage.REMOTE_APPLIED, Outcome.OK,
                    day.plusSeconds(2));
            ProcessingLogSettings settings = new ProcessingLogSettings(TestElasticsearch.url(), spillDirectory, 100,
                    Duration.ofMillis(200), 1000, Duration.ofSeconds(3), Duration.ofMillis(100));

            try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings, writer, registry,
                    Clock.systemUTC())) {
                log.record(newer);
                log.record(oldest);
                log.flush();
                assertThat(log.isOnline()).isFalse();
                assertThat(counter("spilled")).isEqualTo(2);
                Instant spilled = Instant.now();

                await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                    WriterWatermark published = published(writer);
                    assertThat(published.heartbeatAt()).isAfter(spilled);
                    assertThat(published.flushedBefore()).isEqualTo(oldest.at());
                });

                Request heal = new Request("PUT", "/" + index + "/_settings");
                heal.setJsonEntity("{\"index.routing.allocation.require._name\": null}");
                lowLevel(heal);
                await().atMost(PATIENCE).untilAsserted(() -> {
                    assertThat(log.isOnline()).isTrue();
                    assertThat(spillSegments()).isEmpty();
                });
                Instant resent = Instant.now();

                await().atMost(PATIENCE).ignoreExceptions().untilAsserted(() -> {
                    WriterWatermark published = published(writer);
                    assertThat(published.heartbeatAt()).isAfter(resent);
                    assertThat(published.flushedBefore()).isEqualTo(published.heartbeatAt());
                });
                await().atMost(PATIENCE).untilAsserted(() -> assertThat(reader.findByRequestId(requestId))
                        .containsExactly(oldest, newer));
            }
            finally {
                lowLevel(new Request("DELETE", "/" + index));
            }
        }

    }

    private static WriterWatermark published(WriterId writer) throws IOException {
        GetResponse<ObjectNode> response = client.get((get) -> get.index(ProcessingLogIndices.WRITERS)
                .id(writer.id()), ObjectNode.class);
        assertThat(response.found()).as("watermark of " + writer.id()).isTrue();
        return WriterWatermark.fromDocument(response.source());
    }

    private static boolean isPublished(WriterId writer) throws IOException {
        return client.exists((exists) -> exists.index(ProcessingLogIndices.WRITERS).id(writer.id())).value();
    }

    private static void lowLevel(Request request) throws IOException {
        ElasticsearchClients.restClient(client).performRequest(request);
    }

    private static void awaitOnline(ElasticsearchProcessingLog log) {
        // Until its first look at Elasticsearch a writer spills; these tests are about the sender's batches.
        await().atMost(PATIENCE).until(log::isOnline);
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
        // Nobody listens there: connections are refused at once.
        return "http://127.0.0.1:" + LocalPorts.free();
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
