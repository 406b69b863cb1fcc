package io.wmb.processinglog;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ProcessingRecordJsonTests {

    @Test
    void shouldWriteMappingFieldsWithEpochMillis() {
        String json = ProcessingRecordJson.toJson(acceptedInUnicom());

        assertThat(json).isEqualTo("{\"requestId\":\"r-1\",\"datacenter\":\"unicom\",\"origin\":\"unicom\","
                + "\"stage\":\"ACCEPTED\",\"outcome\":\"OK\",\"at\":1700000000123,\"postId\":42,"
                + "\"version\":7,\"detail\":\"fine\"}");
    }

    @Test
    void shouldReadBackWhatItWrote() {
        ProcessingRecord record = acceptedInUnicom();

        assertThat(ProcessingRecordJson.fromJson(ProcessingRecordJson.toJson(record))).isEqualTo(record);
    }

    @Test
    void shouldLeaveOutMissingDetail() {
        ProcessingRecord record = new ProcessingRecord("r-2", "telecom", "unicom", Stage.REMOTE_APPLIED,
                Outcome.STALE_SKIPPED, Instant.ofEpochMilli(5), 1, 2, null);

        String json = ProcessingRecordJson.toJson(record);

        assertThat(json).doesNotContain("detail");
        assertThat(ProcessingRecordJson.fromJson(json)).isEqualTo(record);
    }

    @Test
    void shouldRefuseTornLine() {
        assertThatIllegalArgumentException().isThrownBy(() -> ProcessingRecordJson.fromJson("{\"requestId\":\"r"))
                .withMessageContaining("not a JSON record");
    }

    @Test
    void shouldNameMissingField() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProcessingRecordJson.fromJson("{\"requestId\":\"r\",\"datacenter\":\"unicom\"}"))
                .withMessageContaining("origin");
    }

    @Test
    void shouldNameUnknownStage() {
        String json = ProcessingRecordJson.toJson(acceptedInUnicom()).replace("ACCEPTED", "SHIPPED");

        assertThatIllegalArgumentException().isThrownBy(() -> ProcessingRecordJson.fromJson(json))
                .withMessageContaining("SHIPPED");
    }

    private static ProcessingRecord acceptedInUnicom() {
        return new ProcessingRecord("r-1", "unicom", "unicom", Stage.ACCEPTED, Outcome.OK,
                Instant.ofEpochMilli(1_700_000_000_123L), 42, 7, "fine");
    }

}
