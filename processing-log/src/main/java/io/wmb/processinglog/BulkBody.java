package io.wmb.processinglog;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A bulk request of processing records as one NDJSON buffer, and what its answer says.
 *
 * <p>Why not the Java client's {@code BulkRequest}: it hands every line to the HTTP client as a buffer of its
 * own, and the client wrote each one with a system call of its own, about a thousand small TCP writes per
 * batch of 500 records (and as many reads in Elasticsearch). In one buffer a batch leaves in a few writes. The
 * answer is asked for with a {@code filter_path}, so Elasticsearch writes (and this side reads) only the status
 * of each item and the error of those that failed, not their index, id, version and shard counts.
 */
final class BulkBody {

    /** The parts of a bulk answer that {@link #parse} reads, an error of the request as a whole included. */
    static final String FILTER_PATH = "errors,items.*.status,items.*.error.type,items.*.error.reason,"
            + "error.type,error.reason";

    static final String CONTENT_TYPE = "application/x-ndjson";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static final JsonFactory JSON = MAPPER.getFactory();

    private BulkBody() {
    }

    /**
     * One {@code index} action per record, in order: the record's daily index, its document id and its
     * {@code at} as external version ({@code external_gte}).
     * @param records the records
     * @return the request body, UTF-8
     */
    static byte[] of(List<ProcessingRecord> records) {
        ByteArrayOutputStream body = new ByteArrayOutputStream(records.size() * 384);
        try {
            for (ProcessingRecord record : records) {
                try (JsonGenerator action = JSON.createGenerator(body)) {
                    action.writeStartObject();
                    action.writeObjectFieldStart("index");
                    action.writeStringField("_index", ProcessingLogIndices.indexFor(record.at()));
                    action.writeStringField("_id", record.documentId());
                    action.writeNumberField("version", record.at().toEpochMilli());
                    action.writeStringField("version_type", "external_gte");
                    action.writeEndObject();
                    action.writeEndObject();
                }
                body.write('\n');
                MAPPER.writeValue(body, ProcessingRecordJson.toDocument(record));
                body.write('\n');
            }
        }
        catch (IOException ex) {
            // Strings and numbers into memory always serialize; reaching here is a bug, not an I/O problem.
            throw new UncheckedIOException("cannot serialize a bulk request", ex);
        }
        return body.toByteArray();
    }

    /**
     * Reads the answer to a bulk request sent with {@link #FILTER_PATH}.
     * @param answer the answer's body
     * @param size how many records the request held
     * @return per record, in order: {@code null} when it was indexed, else its item's status and error
     * @throws IOException when the answer is not a bulk answer for that many records
     */
    static ItemError[] parse(byte[] answer, int size) throws IOException {
        try (JsonParser parser = JSON.createParser(answer)) {
            // Most answers are {"errors":false,...}: no need to read the items at all then.
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("a bulk answer is a JSON object");
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                if ("errors".equals(field)) {
                    if (!parser.getBooleanValue()) {
                        return new ItemError[size];
                    }
                }
                else if ("items".equals(field)) {
                    return readItems(MAPPER.readTree(parser), size);
                }
                else {
                    parser.skipChildren();
                }
            }
        }
        throw new IOException("a bulk answer said neither that nothing failed nor which items did");
    }

    private static ItemError[] readItems(JsonNode items, int size) throws IOException {
        if (!items.isArray() || items.size() != size) {
            throw new IOException("a bulk answer for " + size + " records had " + items.size() + " items");
        }
        ItemError[] errors = new ItemError[size];
        for (int i = 0; i < size; i++) {
            JsonNode item = items.get(i).path("index");
            JsonNode error = item.path("error");
            if (!error.isMissingNode()) {
                errors[i] = new ItemError(item.path("status").asInt(), error.path("type").asText("unknown"),
                        error.path("reason").asText(""));
            }
        }
        return errors;
    }

    /**
     * Why an answer refused the request as a whole: its {@code error}'s type and reason where it has them.
     * @param status the answer's status
     * @param answer its body, possibly empty
     * @return for example {@code 400 parse_exception: ...}
     */
    static String refusal(int status, byte[] answer) {
        try {
            JsonNode error = MAPPER.readTree(answer).path("error");
            if (error.has("type")) {
                return status + " " + error.path("type").asText() + ": " + error.path("reason").asText("");
            }
        }
        catch (IOException | RuntimeException ex) {
            // Not JSON (a proxy's page, an empty body): the status says enough.
        }
        return String.valueOf(status);
    }

    /**
     * How one item failed.
     * @param status its status, for example 409, 429 or 400
     * @param type the error's type
     * @param reason the error's reason
     */
    record ItemError(int status, String type, String reason) {

        @Override
        public String toString() {
            return this.status + " " + this.type + ": " + this.reason;
        }

    }

}
