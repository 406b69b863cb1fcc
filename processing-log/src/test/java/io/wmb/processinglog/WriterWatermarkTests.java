package io.wmb.processinglog;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WriterWatermarkTests {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldNameWriterAfterServiceDatacenterAndProcess() {
        WriterId first = WriterId.of("processor", "unicom");
        WriterId second = WriterId.of("processor", "unicom");

        assertThat(first.id()).startsWith("processor-unicom-");
        assertThat(first.id()).as("a new id per process").isNotEqualTo(second.id());
        assertThatIllegalArgumentException().isThrownBy(() -> WriterId.of(" ", "unicom"))
                .withMessage("service must not be blank, but was ' '");
    }

    @Test
    void shouldReadBackWhatItWrites() {
        WriterWatermark watermark = new WriterWatermark("reship-telecom-1a2b3c4d", "reship", "telecom",
                Instant.parse("2026-12-03T12:00:00.123Z"), Instant.parse("2026-12-03T12:00:05.456Z"));

        JsonNode document = JSON.valueToTree(watermark.toDocument());

        assertThat(document.path("flushedBefore").asLong()).isEqualTo(watermark.flushedBefore().toEpochMilli());
        assertThat(WriterWatermark.fromDocument(document)).isEqualTo(watermark);
    }

    @Test
    void shouldRefuseDocumentWithoutInstants() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> WriterWatermark.fromDocument(JSON.createObjectNode().put("writer", "w")))
                .withMessageContaining("not a writer watermark");
    }

}
