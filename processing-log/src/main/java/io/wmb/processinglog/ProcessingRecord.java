package io.wmb.processinglog;

import java.time.Instant;
import java.util.Objects;

/**
 * One line of the processing log: a stage that a write went through in one datacenter.
 *
 * @param requestId the write's global request id
 * @param datacenter where the stage ran
 * @param origin where the write was accepted
 * @param stage the stage
 * @param outcome how it ended
 * @param at when it ended
 * @param postId the post the write is about
 * @param version the post's content version after the write
 * @param detail a human-readable reason, may be {@code null}
 */
public record ProcessingRecord(String requestId, String datacenter, String origin, Stage stage, Outcome outcome,
        Instant at, long postId, long version, String detail) {

    public ProcessingRecord {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId must not be blank, but was '" + requestId + "'");
        }
        Objects.requireNonNull(datacenter, "datacenter");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(at, "at");
        if (at.isBefore(Instant.EPOCH)) {
            // The writer uses at as the document's external version, which Elasticsearch wants non-negative.
            throw new IllegalArgumentException("at must not be before " + Instant.EPOCH + ", but was " + at);
        }
    }

    /** The Elasticsearch document id: a retried record overwrites itself instead of adding a duplicate. */
    public String documentId() {
        return requestId + ":" + datacenter + ":" + stage;
    }

}
