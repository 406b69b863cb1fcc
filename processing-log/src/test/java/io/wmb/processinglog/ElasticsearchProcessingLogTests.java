package io.wmb.processinglog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.infra.LocalPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The writer's behaviour when nothing answers at its Elasticsearch address (a port nobody listens on): no
 * server needed, so these run with the unit tests. {@link ElasticsearchProcessingLogIntegrationTests} covers a
 * real Elasticsearch.
 */
class ElasticsearchProcessingLogTests {

    private static final Instant NOW = Instant.ofEpochMilli(1_700_000_100_000L);

    private static final WriterId WRITER = WriterId.of("unit", "unicom");

    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path spillDirectory;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void shouldSpillEverythingAcceptedBeforeFlushReturns() throws IOException {
        try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(10, 1000), this.registry)) {
            for (int i = 0; i < 35; i++) {
                log.record(acceptedRecord(i));
            }
            log.flush();

            assertThat(spilledLines()).hasSize(35);
            assertThat(counter("accepted")).isEqualTo(35);
            assertThat(counter("spilled")).isEqualTo(35);
            assertThat(counter("sent")).isZero();
            assertThat(log.isOnline()).isFalse();
        }
    }

    @Test
    void shouldTakeRecordsOfConcurrentCallersInFullBatchesWithoutWaitingForTheInterval() throws Exception {
        // Batches of 50 and an interval no test waits for: every record gets out (here: to the spill, nothing
        // answers) only if the sender is woken each time the callers have filled a batch, however they interleave.
        ProcessingLogSettings settings = new ProcessingLogSettings(closedPortUrl(), this.spillDirectory, 50,
                Duration.ofMinutes(10), 10_000, Duration.ofSeconds(1));
        int callers = 4;
        int perCaller = 500;

        try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings, this.registry)) {
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int first = c * perCaller;
                Thread thread = new Thread(() -> {
                    for (int i = first; i < first + perCaller; i++) {
                        log.record(acceptedRecord(i));
                    }
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }

            await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(counter("spilled")).isEqualTo(callers * perCaller));
            assertThat(this.registry.get("wmb.processinglog.queue.depth").gauge().value()).isZero();
        }
        assertThat(spilledLines()).hasSize(callers * perCaller).doesNotHaveDuplicates();
    }

    @Test
    void shouldSpillInCallerWhenQueueIsFullInsteadOfBlocking() throws IOException {
        // One record in memory at most, and a batch that would wait 30 s: the rest must go to disk at once.
        ProcessingLogSettings tiny = new ProcessingLogSettings(closedPortUrl(), this.spillDirectory, 1,
                Duration.ofSeconds(30), 1);

        try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(tiny, this.registry)) {
            for (int i = 0; i < 200; i++) {
                log.record(acceptedRecord(i));
            }
            log.flush();

            assertThat(counter("accepted")).isEqualTo(200);
            assertThat(counter("spilled")).isEqualTo(200);
            assertThat(this.registry.get("wmb.processinglog.queue.depth").gauge().value()).isZero();
        }
        assertThat(spilledLines()).hasSize(200).doesNotHaveDuplicates();
    }

    @Test
    void shouldSpillQueuedRecordsOnClose() throws IOException {
        ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(100, 1000), this.registry);
        for (int i = 0; i < 7; i++) {
            log.record(acceptedRecord(i));
        }

        log.close();

        assertThat(spilledLines()).hasSize(7);
    }

    @Test
    void shouldRefuseRecordsAfterClose() {
        ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(10, 100), this.registry);
        log.close();

        assertThatIllegalStateException().isThrownBy(() -> log.record(acceptedRecord(1)))
                .withMessageContaining("closed");
        log.flush();
        log.close();
    }

    @Test
    void shouldRefuseSecondWriterOnSameSpillDirectory() {
        try (ElasticsearchProcessingLog first = new ElasticsearchProcessingLog(settings(10, 100), this.registry)) {
            assertThatIllegalStateException()
                    .isThrownBy(() -> new ElasticsearchProcessingLog(settings(10, 100), new SimpleMeterRegistry()))
                    .withMessageContaining(this.spillDirectory.toString());
        }
    }

    @Test
    void shouldHoldWatermarkAtOldestRecordWaitingInMemory() {
        // A batch waits 30 s for more records, so both stay in memory while the test looks.
        ProcessingLogSettings patient = new ProcessingLogSettings(closedPortUrl(), this.spillDirectory, 100,
                Duration.ofSeconds(30), 1000, Duration.ofSeconds(1));

        try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(patient, WRITER, this.registry,
                this.clock)) {
            assertThat(log.watermark().flushedBefore()).as("nothing held: now").isEqualTo(NOW);
            log.record(acceptedRecord(5));
            log.record(acceptedRecord(2));

            WriterWatermark watermark = log.watermark();

            assertThat(watermark.flushedBefore()).as("the oldest, not the first").isEqualTo(acceptedRecord(2).at());
            assertThat(watermark.heartbeatAt()).isEqualTo(NOW);
            assertThat(watermark.writer()).isEqualTo(WRITER.id());
            assertThat(this.registry.get("wmb.processinglog.flush.lag").gauge().value())
                    .isEqualTo(Duration.between(acceptedRecord(2).at(), NOW).toMillis() / 1000.0);
        }
    }

    @Test
    void shouldHoldWatermarkAtOldestSpilledRecordAlsoAfterRestart() {
        try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings(10, 1000), WRITER,
                this.registry, this.clock)) {
            log.record(acceptedRecord(7));
            log.record(acceptedRecord(3));
            log.record(acceptedRecord(9));
            log.flush();

            assertThat(counter("spilled")).isEqualTo(3);
            assertThat(log.watermark().flushedBefore()).isEqualTo(acceptedRecord(3).at());
        }

        try (ElasticsearchProcessingLog restarted = new ElasticsearchProcessingLog(settings(10, 1000),
                WriterId.of("unit", "unicom"), new SimpleMeterRegistry(), this.clock)) {
            // The publisher measures what the earlier run left before it publishes anything.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                    restarted.watermark().flushedBefore()).isEqualTo(acceptedRecord(3).at()));
        }
    }

    private ProcessingLogSettings settings(int maxBatch, int maxQueued) {
        return new ProcessingLogSettings(closedPortUrl(), this.spillDirectory, maxBatch, Duration.ofMillis(100),
                maxQueued, Duration.ofSeconds(1));
    }

    private double counter(String name) {
        return this.registry.get("wmb.processinglog.records." + name).counter().count();
    }

    private List<String> spilledLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.list(this.spillDirectory)) {
            for (Path segment : files.filter((path) -> path.getFileName().toString().startsWith("spill-"))
                    .sorted().toList()) {
                lines.addAll(Files.readAllLines(segment));
            }
        }
        return lines;
    }

    private static String closedPortUrl() {
        // Nobody listens there: connections are refused at once.
        return "http://127.0.0.1:" + LocalPorts.free();
    }

    private static ProcessingRecord acceptedRecord(int i) {
        return new ProcessingRecord("unit-" + i, "unicom", "unicom", Stage.ACCEPTED, Outcome.OK,
                Instant.ofEpochMilli(1_700_000_000_000L + i), i, i, null);
    }

}
