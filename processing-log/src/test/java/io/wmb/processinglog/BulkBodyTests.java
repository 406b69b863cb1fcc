package io.wmb.processinglog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

class BulkBodyTests {

    private static final ProcessingRecord ACCEPTED = new ProcessingRecord("r-1", "unicom", "unicom", Stage.ACCEPTED,
            Outcome.OK, Instant.ofEpochMilli(1700000000123L), 42, 7, null);

    private static final ProcessingRecord APPLIED = new ProcessingRecord("r-1", "telecom", "unicom",
            Stage.REMOTE_APPLIED, Outcome.FAILED, Instant.ofEpochMilli(1700000000456L), 42, 7, "down");

    @Test
    void shouldWriteOneIndexActionWithExternalVersionAndTheDocumentPerRecord() {
        String body = new String(BulkBody.of(List.of(ACCEPTED, APPLIED)), StandardCharsets.UTF_8);

        assertThat(body).isEqualTo(action(ACCEPTED) + "\n" + ProcessingRecordJson.toJson(ACCEPTED) + "\n"
                + action(APPLIED) + "\n" + ProcessingRecordJson.toJson(APPLIED) + "\n");
    }

    @Test
    void shouldReadAnswerWithoutErrorsAsAllIndexed() throws IOException {
        BulkBody.ItemError[] errors = BulkBody.parse(bytes("{\"errors\":false,\"items\":[{\"index\":{\"status\":201}},"
                + "{\"index\":{\"status\":200}}]}"), 2);

        assertThat(errors).containsExactly(null, null);
    }

    @Test
    void shouldReadStatusAndErrorOfEachFailedItemInOrder() throws IOException {
        BulkBody.ItemError[] errors = BulkBody.parse(bytes("{\"errors\":true,\"items\":["
                + "{\"index\":{\"status\":201}},"
                + "{\"index\":{\"status\":409,\"error\":{\"type\":\"version_conflict_engine_exception\","
                + "\"reason\":\"newer\"}}},"
                + "{\"index\":{\"status\":429,\"error\":{\"type\":\"es_rejected_execution_exception\","
                + "\"reason\":\"full\"}}}]}"), 3);

        assertThat(errors[0]).isNull();
        assertThat(errors[1]).isEqualTo(new BulkBody.ItemError(409, "version_conflict_engine_exception", "newer"));
        assertThat(errors[2]).hasToString("429 es_rejected_execution_exception: full");
    }

    @Test
    void shouldRefuseAnswerWithOtherNumberOfItems() {
        assertThatIOException().isThrownBy(() -> BulkBody.parse(bytes("{\"errors\":true,\"items\":["
                + "{\"index\":{\"status\":201}}]}"), 2)).withMessageContaining("for 2 records had 1 items");
    }

    @Test
    void shouldRefuseAnswerThatIsNoBulkAnswer() {
        assertThatIOException().isThrownBy(() -> BulkBody.parse(bytes("{\"acknowledged\":true}"), 1));
        assertThatIOException().isThrownBy(() -> BulkBody.parse(bytes("[]"), 1));
    }

    @Test
    void shouldNameTypeAndReasonOfRefusedRequestWhereTheAnswerHasThem() {
        assertThat(BulkBody.refusal(400, bytes("{\"error\":{\"type\":\"action_request_validation_exception\","
                + "\"reason\":\"id is too long\"},\"status\":400}")))
            .isEqualTo("400 action_request_validation_exception: id is too long");
        assertThat(BulkBody.refusal(413, new byte[0])).isEqualTo("413");
        assertThat(BulkBody.refusal(413, bytes("<html>too large</html>"))).isEqualTo("413");
    }

    private static String action(ProcessingRecord record) {
        return "{\"index\":{\"_index\":\"" + ProcessingLogIndices.indexFor(record.at()) + "\",\"_id\":\""
                + record.documentId() + "\",\"version\":" + record.at().toEpochMilli()
                + ",\"version_type\":\"external_gte\"}}";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
