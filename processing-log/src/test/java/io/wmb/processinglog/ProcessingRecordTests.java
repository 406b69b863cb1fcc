package io.wmb.processinglog;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class ProcessingRecordTests {

    @Test
    void shouldNameDocumentAfterRequestDatacenterAndStage() {
        ProcessingRecord record = new ProcessingRecord("r-1", "telecom", "unicom", Stage.COLLECTED, Outcome.DUPLICATE,
                Instant.ofEpochMilli(1), 2, 3, null);

        assertThat(record.documentId()).isEqualTo("r-1:telecom:COLLECTED");
    }

    @Test
    void shouldRefuseBlankRequestId() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingRecord(" ", "unicom", "unicom", Stage.ACCEPTED, Outcome.OK,
                        Instant.EPOCH, 1, 1, null))
                .withMessageContaining("requestId");
    }

    @Test
    void shouldRefuseInstantBeforeEpochBecauseItIsTheDocumentVersion() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new ProcessingRecord("r-1", "unicom", "unicom", Stage.ACCEPTED, Outcome.OK,
                        Instant.ofEpochMilli(-1), 1, 1, null))
                .withMessageContaining("1969-12-31T23:59:59.999Z");
    }

    @Test
    void shouldRefuseMissingStage() {
        assertThatNullPointerException()
                .isThrownBy(() -> new ProcessingRecord("r-1", "unicom", "unicom", null, Outcome.OK, Instant.EPOCH, 1,
                        1, null))
                .withMessage("stage");
    }

}
