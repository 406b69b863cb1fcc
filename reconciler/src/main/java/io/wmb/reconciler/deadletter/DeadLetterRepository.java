package io.wmb.reconciler.deadletter;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch.core.GetResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The dead-letter list in Elasticsearch (index {@value #INDEX}), one document per requestId, so that putting a
 * request there twice keeps one entry.
 */
public final class DeadLetterRepository {

    /** The index. */
    public static final String INDEX = "wmb-dead-letters";

    private final ElasticsearchClient client;

    /**
     * A repository.
     * @param client the cluster; shared, not this class's to close
     */
    public DeadLetterRepository(ElasticsearchClient client) {
        this.client = client;
    }

    /**
     * Puts a request on the list, or replaces its entry, and waits until {@link #list} shows it.
     * @param deadLetter the entry
     * @throws IOException when Elasticsearch cannot be reached
     */
    public void save(DeadLetter deadLetter) throws IOException {
        index(deadLetter, Refresh.WaitFor);
    }

    /**
     * Puts a request on the list, or replaces its entry, without waiting until {@link #list} shows it (up to the
     * index's next refresh, a second): for many entries in a row, followed by {@link #refresh()}. Waiting for each
     * would cost that second per entry.
     * @param deadLetter the entry
     * @throws IOException when Elasticsearch cannot be reached
     */
    public void saveUnrefreshed(DeadLetter deadLetter) throws IOException {
        index(deadLetter, Refresh.False);
    }

    /**
     * Makes every entry saved so far show in {@link #list}.
     * @throws IOException when Elasticsearch cannot be reached
     */
    public void refresh() throws IOException {
        this.client.indices().refresh((refresh) -> refresh.index(INDEX).ignoreUnavailable(true)
                .allowNoIndices(true));
    }

    private void index(DeadLetter deadLetter, Refresh refresh) throws IOException {
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("requestId", deadLetter.requestId());
        document.put("origin", deadLetter.origin());
        document.put("postId", deadLetter.postId());
        document.put("version", deadLetter.version());
        document.put("firstAt", deadLetter.firstAt().toEpochMilli());
        document.put("localDone", deadLetter.localDone());
        document.put("remoteDone", deadLetter.remoteDone());
        document.put("reason", deadLetter.reason());
        document.put("attempts", deadLetter.attempts());
        document.put("deadLetteredAt", deadLetter.deadLetteredAt().toEpochMilli());
        this.client.index((index) -> index.index(INDEX).id(deadLetter.requestId()).document(document)
                .refresh(refresh));
    }

    /**
     * The newest entries first.
     * @param size the most entries to return
     * @return the entries
     * @throws IOException when Elasticsearch cannot be reached
     */
    public List<DeadLetter> list(int size) throws IOException {
        return this.client.search((search) -> search.index(INDEX).ignoreUnavailable(true).allowNoIndices(true)
                .size(size).sort((sort) -> sort.field((field) -> field.field("deadLetteredAt")
                        .order(SortOrder.Desc).unmappedType(co.elastic.clients.elasticsearch._types.mapping
                                .FieldType.Long))), ObjectNode.class)
                .hits().hits().stream().map(Hit::source).map(DeadLetterRepository::toDeadLetter).toList();
    }

    /**
     * One entry.
     * @param requestId the request
     * @return the entry, or empty when the request is not on the list
     * @throws IOException when Elasticsearch cannot be reached
     */
    public Optional<DeadLetter> find(String requestId) throws IOException {
        try {
            GetResponse<ObjectNode> response = this.client.get((get) -> get.index(INDEX).id(requestId),
                    ObjectNode.class);
            return (response.found() && response.source() != null) ? Optional.of(toDeadLetter(response.source()))
                    : Optional.empty();
        }
        catch (ElasticsearchException ex) {
            if (ex.status() == 404) {
                return Optional.empty();
            }
            throw ex;
        }
    }

    /**
     * Takes a request off the list.
     * @param requestId the request
     * @throws IOException when Elasticsearch cannot be reached
     */
    public void delete(String requestId) throws IOException {
        try {
            this.client.delete((delete) -> delete.index(INDEX).id(requestId).refresh(Refresh.WaitFor));
        }
        catch (ElasticsearchException ex) {
            if (ex.status() != 404) {
                throw ex;
            }
        }
    }

    private static DeadLetter toDeadLetter(ObjectNode source) {
        return new DeadLetter(source.path("requestId").asText(), source.path("origin").asText(),
                source.path("postId").asLong(), source.path("version").asLong(),
                Instant.ofEpochMilli(source.path("firstAt").asLong()), source.path("localDone").asBoolean(),
                source.path("remoteDone").asBoolean(), source.path("reason").asText(),
                source.path("attempts").asInt(), Instant.ofEpochMilli(source.path("deadLetteredAt").asLong()));
    }

}
