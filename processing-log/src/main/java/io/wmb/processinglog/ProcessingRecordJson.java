package io.wmb.processinglog;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON form of a record, the same in Elasticsearch and in the spill file: field names of the index
 * mapping in docs/design.md, {@code at} as epoch milliseconds. Public so that tools and tests that bulk-load the
 * processing log write exactly what the writer writes.
 */
public final class ProcessingRecordJson {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ProcessingRecordJson() {
    }

    /** The document as a map, in mapping order; {@code detail} only when present. */
    public static Map<String, Object> toDocument(ProcessingRecord record) {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("requestId", record.requestId());
        document.put("datacenter", record.datacenter());
        document.put("origin", record.origin());
        document.put("stage", record.stage().name());
        document.put("outcome", record.outcome().name());
        document.put("at", record.at().toEpochMilli());
        document.put("postId", record.postId());
        document.put("version", record.version());
        if (record.detail() != null) {
            document.put("detail", record.detail());
        }
        return document;
    }

    /** One line of JSON, without a line break. */
    static String toJson(ProcessingRecord record) {
        try {
            return MAPPER.writeValueAsString(toDocument(record));
        }
        catch (JsonProcessingException ex) {
            // A map of strings and numbers always serializes; reaching here is a bug, not an I/O problem.
            throw new IllegalStateException("cannot serialize record " + record.documentId(), ex);
        }
    }

    /**
     * Reads a line written by {@link #toJson} (or a document read back from Elasticsearch).
     * @throws IllegalArgumentException when the line is not such a record (a torn last line after a crash)
     */
    static ProcessingRecord fromJson(String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        }
        catch (JsonProcessingException ex) {
            throw new IllegalArgumentException("not a JSON record: " + abbreviate(json), ex);
        }
        return fromNode(node, json);
    }

    /** Reads a document as the search API returns its {@code _source}. */
    static ProcessingRecord fromDocument(JsonNode document) {
        return fromNode(document, String.valueOf(document));
    }

    private static ProcessingRecord fromNode(JsonNode node, String source) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + abbreviate(source));
        }
        try {
            JsonNode detail = node.get("detail");
            return new ProcessingRecord(text(node, "requestId"), text(node, "datacenter"), text(node, "origin"),
                    Stage.valueOf(text(node, "stage")), Outcome.valueOf(text(node, "outcome")),
                    Instant.ofEpochMilli(number(node, "at")), number(node, "postId"), number(node, "version"),
                    (detail == null || detail.isNull()) ? null : detail.asText());
        }
        catch (RuntimeException ex) {
            throw new IllegalArgumentException("not a processing record (" + ex.getMessage() + "): "
                    + abbreviate(source), ex);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToLong()) {
            throw new IllegalArgumentException("field '" + field + "' must be a whole number");
        }
        return value.asLong();
    }

    private static String abbreviate(String text) {
        return (text.length() <= 200) ? text : text.substring(0, 200) + "...";
    }

}
