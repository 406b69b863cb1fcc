package io.wmb.processinglog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.mapping.FieldType;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads the processing log: what happened to one write, across all days' indices; and the writers' watermarks.
 */
public final class ProcessingLogReader {

    /** More than every stage in both datacenters can produce for one requestId. */
    private static final int MAX_RECORDS_PER_REQUEST = 100;

    /** Far more than the live writers of both datacenters; dead writers' documents sort last. */
    private static final int MAX_WRITERS = 1000;

    private final ElasticsearchClient client;

    /**
     * @param client the client to use; the caller owns it and closes it
     */
    public ProcessingLogReader(ElasticsearchClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * The records of one write, oldest first. Only records Elasticsearch has refreshed are visible (the
     * indices refresh every second).
     * @param requestId the write's request id
     * @return its records, empty when there are none (also when no index exists yet)
     * @throws UncheckedIOException when Elasticsearch cannot be reached
     */
    public List<ProcessingRecord> findByRequestId(String requestId) {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId must not be blank, but was '" + requestId + "'");
        }
        SearchResponse<ObjectNode> response;
        try {
            response = this.client.search((search) -> search
                    .index(ProcessingLogIndices.pattern())
                    .ignoreUnavailable(true)
                    .allowNoIndices(true)
                    .size(MAX_RECORDS_PER_REQUEST)
                    .query((query) -> query.term((term) -> term.field("requestId").value(requestId)))
                    .sort((sort) -> sort.field((field) -> field.field("at").order(SortOrder.Asc))),
                    ObjectNode.class);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot search the processing log for requestId " + requestId, ex);
        }
        List<ProcessingRecord> records = new ArrayList<>();
        for (Hit<ObjectNode> hit : response.hits().hits()) {
            records.add(ProcessingRecordJson.fromDocument(hit.source()));
        }
        return records;
    }

    /**
     * The watermarks the writers published, the most recent heartbeat first; dead writers' documents stay until
     * something deletes them, so the caller judges liveness by {@link WriterWatermark#heartbeatAt()}. Only what
     * Elasticsearch has refreshed is visible (the index refreshes every second).
     * @return the watermarks, empty when no writer has published one (also when the index does not exist)
     * @throws UncheckedIOException when Elasticsearch cannot be reached
     */
    public List<WriterWatermark> writers() {
        SearchResponse<ObjectNode> response;
        try {
            response = this.client.search((search) -> search
                    .index(ProcessingLogIndices.WRITERS)
                    .ignoreUnavailable(true)
                    .allowNoIndices(true)
                    .size(MAX_WRITERS)
                    .sort((sort) -> sort.field((field) -> field.field("heartbeatAt").order(SortOrder.Desc)
                            .unmappedType(FieldType.Date))),
                    ObjectNode.class);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot read the writers' watermarks in " + ProcessingLogIndices.WRITERS,
                    ex);
        }
        List<WriterWatermark> writers = new ArrayList<>();
        for (Hit<ObjectNode> hit : response.hits().hits()) {
            writers.add(WriterWatermark.fromDocument(hit.source()));
        }
        return writers;
    }

}
