package io.wmb.processinglog;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A separate process for {@link ProcessCrashIntegrationTests}: records into a writer whose Elasticsearch does
 * not answer, flushes, says so on stdout and then waits to be killed, never closing the writer.
 */
public final class SpillingProcess {

    /** Printed once every record is spilled. */
    static final String FLUSHED = "FLUSHED";

    private SpillingProcess() {
    }

    /**
     * @param args elasticsearch URL, spill directory, request id prefix, record count
     * @throws InterruptedException never in practice: the process is killed while it sleeps
     */
    public static void main(String[] args) throws InterruptedException {
        String url = args[0];
        Path spillDirectory = Path.of(args[1]);
        String prefix = args[2];
        int count = Integer.parseInt(args[3]);
        // A queue of 10: most records take the caller's (unforced) spill path, the rest the sender's.
        ProcessingLogSettings settings = new ProcessingLogSettings(url, spillDirectory, 10, Duration.ofMillis(50),
                10, Duration.ofSeconds(1));
        ElasticsearchProcessingLog log = new ElasticsearchProcessingLog(settings, new SimpleMeterRegistry());
        Instant at = Instant.now();
        for (int i = 0; i < count; i++) {
            log.record(new ProcessingRecord(prefix + "-" + i, "telecom", "unicom", Stage.REMOTE_APPLIED, Outcome.OK,
                    at.plusMillis(i), i, i, null));
        }
        log.flush();
        System.out.println(FLUSHED);
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(5).toMillis());
    }

}
