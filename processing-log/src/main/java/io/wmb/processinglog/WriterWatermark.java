package io.wmb.processinglog;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one writer published about itself in {@link ProcessingLogIndices#WRITERS}: every record it was handed
 * with a timestamp before {@code flushedBefore} is in Elasticsearch. The reconciler does not scan past the
 * oldest such point of the writers that are alive, so that a record that is merely late (queued, in a bulk
 * request, spilled to disk) is not taken for a missing stage.
 *
 * @param writer the writer's id ({@link WriterId#id()}), also the document id
 * @param service the writer's service
 * @param datacenter the writer's datacenter
 * @param flushedBefore the timestamp of the oldest record the writer still holds (in memory, in flight or
 *     spilled), or {@code heartbeatAt} when it holds none
 * @param heartbeatAt when the writer published this; a writer whose heartbeat stops is dead or cut off
 */
public record WriterWatermark(String writer, String service, String datacenter, Instant flushedBefore,
        Instant heartbeatAt) {

    public WriterWatermark {
        if (writer == null || writer.isBlank()) {
            throw new IllegalArgumentException("writer must not be blank, but was '" + writer + "'");
        }
        if (flushedBefore == null || heartbeatAt == null) {
            throw new IllegalArgumentException("flushedBefore and heartbeatAt are required, but were "
                    + flushedBefore + " and " + heartbeatAt);
        }
    }

    /** The document as a map; instants as epoch milliseconds, as in the processing log. */
    public Map<String, Object> toDocument() {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("writer", this.writer);
        document.put("service", this.service);
        document.put("datacenter", this.datacenter);
        document.put("flushedBefore", this.flushedBefore.toEpochMilli());
        document.put("heartbeatAt", this.heartbeatAt.toEpochMilli());
        return document;
    }

    /**
     * Reads a document as {@link #toDocument()} writes it.
     * @param document the {@code _source}
     * @return the watermark
     * @throws IllegalArgumentException when the document is not such a watermark
     */
    public static WriterWatermark fromDocument(JsonNode document) {
        if (document == null || !document.path("flushedBefore").canConvertToLong()
                || !document.path("heartbeatAt").canConvertToLong()) {
            throw new IllegalArgumentException("not a writer watermark: " + document);
        }
        return new WriterWatermark(document.path("writer").asText(), document.path("service").asText(),
                document.path("datacenter").asText(), Instant.ofEpochMilli(document.path("flushedBefore").asLong()),
                Instant.ofEpochMilli(document.path("heartbeatAt").asLong()));
    }

}
