package io.wmb.processinglog;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProcessingLogSettingsTests {

    private static final Path SPILL = Path.of("spill");

    @Test
    void shouldAcceptDemoDefaults() {
        ProcessingLogSettings settings = ProcessingLogSettings.defaults("http://127.0.0.1:9200", SPILL);

        assertThat(settings.maxBatch()).isEqualTo(500);
        assertThat(settings.requestTimeout()).isEqualTo(ProcessingLogSettings.DEFAULT_REQUEST_TIMEOUT);
        assertThat(settings.watermarkInterval()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void shouldNameBadBatchSize() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingLogSettings("http://127.0.0.1:9200", SPILL, 0, Duration.ofSeconds(1),
                        10))
                .withMessage("maxBatch must be between 1 and 10000, but was 0");
    }

    @Test
    void shouldRefuseQueueSmallerThanBatch() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingLogSettings("http://127.0.0.1:9200", SPILL, 100,
                        Duration.ofSeconds(1), 99))
                .withMessageContaining("maxQueued").withMessageContaining("99");
    }

    @Test
    void shouldRefuseNonPositiveFlushInterval() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingLogSettings("http://127.0.0.1:9200", SPILL, 1, Duration.ZERO, 1))
                .withMessageContaining("flushInterval");
    }

    @Test
    void shouldRefuseNonPositiveWatermarkInterval() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingLogSettings("http://127.0.0.1:9200", SPILL, 1, Duration.ofSeconds(1),
                        1, Duration.ofSeconds(5), Duration.ZERO))
                .withMessage("watermarkInterval must be positive, but was PT0S");
    }

    @Test
    void shouldRefuseUrlWithoutScheme() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProcessingLogSettings.defaults("127.0.0.1:9200", SPILL))
                .withMessageContaining("127.0.0.1:9200");
    }

    @Test
    void shouldNameIndexByUtcDay() {
        assertThat(ProcessingLogIndices.indexFor(Instant.parse("2025-03-01T23:59:59Z")))
                .isEqualTo("wmb-processing-log-2025.03.01");
        assertThat(ProcessingLogIndices.indexFor(Instant.parse("2025-03-02T00:00:00Z")))
                .isEqualTo("wmb-processing-log-2025.03.02");
        assertThat(ProcessingLogIndices.pattern()).isEqualTo("wmb-processing-log-*");
    }

}
