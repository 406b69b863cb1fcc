package io.wmb.processinglog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.infra.LocalPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing accepted is lost when the process dies without closing the writer (SIGKILL): the next process
 * re-sends the spill.
 */
class ProcessCrashIntegrationTests {

    private static final int RECORDS = 300;

    @TempDir
    Path spillDirectory;

    @Test
    void shouldDeliverRecordsOfKilledProcessAfterRestart() throws Exception {
        String prefix = "crash-" + UUID.randomUUID();
        Process child = startSpillingProcess(prefix);
        try {
            assertThat(awaitFlushed(child)).as("child printed " + SpillingProcess.FLUSHED).isTrue();
        }
        finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(spilledLineCount()).isEqualTo(RECORDS);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProcessingLogSettings settings = new ProcessingLogSettings(TestElasticsearch.url(), this.spillDirectory, 100,
                Duration.ofMillis(200), 1000, Duration.ofSeconds(3));
        try (ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings, registry);
                ClosingClient client = new ClosingClient(ElasticsearchClients.create(TestElasticsearch.url()))) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(spilledLineCount()).isZero());
            assertThat(registry.get("wmb.processinglog.records.resent").counter().count()).isEqualTo(RECORDS);
            ProcessingLogReader reader = new ProcessingLogReader(client.client());
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (int i = 0; i < RECORDS; i += 37) {
                    assertThat(reader.findByRequestId(prefix + "-" + i)).singleElement()
                            .extracting(ProcessingRecord::postId).isEqualTo((long) i);
                }
                assertThat(reader.findByRequestId(prefix + "-" + (RECORDS - 1))).hasSize(1);
            });
        }
    }

    private Process startSpillingProcess(String prefix) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                SpillingProcess.class.getName(), closedPortUrl(), this.spillDirectory.toString(), prefix,
                String.valueOf(RECORDS)));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static boolean awaitFlushed(Process child) throws IOException {
        try (BufferedReader output = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = output.readLine()) != null) {
                if (line.equals(SpillingProcess.FLUSHED)) {
                    return true;
                }
            }
            return false;
        }
    }

    private long spilledLineCount() throws IOException {
        long lines = 0;
        try (Stream<Path> files = Files.list(this.spillDirectory)) {
            for (Path segment : files.filter((path) -> path.getFileName().toString().startsWith("spill-")).toList()) {
                lines += Files.readAllLines(segment).size();
            }
        }
        return lines;
    }

    private static String closedPortUrl() {
        // Nobody listens there: connections are refused at once.
        return "http://127.0.0.1:" + LocalPorts.free();
    }

    /** Closes the client's transport at the end of a try block. */
    private record ClosingClient(ElasticsearchClient client) implements AutoCloseable {

        @Override
        public void close() throws IOException {
            this.client._transport().close();
        }

    }

}
