package io.wmb.processinglog;

/**
 * A processing record refused for good (by Elasticsearch, or unreadable in a spill segment), kept as its JSON line.
 * @param requestId the record's request, for the log line ({@code ?} when the line could not be read)
 * @param documentId the record's document id ({@code ?} likewise)
 * @param line the record as the spill file and {@code rejected.jsonl} hold it
 * @param reason why it was refused
 */
record Rejection(String requestId, String documentId, String line, String reason) {
}
