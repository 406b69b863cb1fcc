package io.wmb.reconciler.job;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.wmb.processinglog.ProcessingLogIndices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes whole daily processing-log indices older than the retention (the cluster has no ILM and no
 * delete-by-query), and the flush watermarks of writers silent for longer than that.
 */
public final class ProcessingLogRetention {

    private static final Logger logger = LoggerFactory.getLogger(ProcessingLogRetention.class);

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd");

    private static final int MAX_WRITERS = 1000;

    private final ElasticsearchClient client;

    private final Duration retention;

    private final Clock clock;

    /**
     * A retention.
     * @param client the cluster; shared, not this class's to close
     * @param retention how long records are kept; a day's index goes once all of that day is older
     * @param clock the time
     */
    public ProcessingLogRetention(ElasticsearchClient client, Duration retention, Clock clock) {
        if (retention.compareTo(Duration.ofDays(1)) < 0) {
            throw new IllegalArgumentException("retention must be at least 1d, but was " + retention);
        }
        this.client = client;
        this.retention = retention;
        this.clock = clock;
    }

    /**
     * The processing-log indices whose whole day lies before {@code now - retention}.
     * @param indices names of existing indices
     * @return those to delete
     */
    List<String> expired(Iterable<String> indices) {
        LocalDate oldestKept = this.clock.instant().minus(this.retention).atZone(ZoneOffset.UTC).toLocalDate();
        String prefix = ProcessingLogIndices.TEMPLATE + "-";
        List<String> expired = new ArrayList<>();
        for (String index : indices) {
            if (!index.startsWith(prefix)) {
                continue;
            }
            try {
                LocalDate day = LocalDate.parse(index.substring(prefix.length()), DAY);
                if (day.isBefore(oldestKept)) {
                    expired.add(index);
                }
            }
            catch (DateTimeParseException ex) {
                // Not one of ours (someone else's index with the same prefix): leave it alone.
                logger.debug("Ignoring index {} that is not a daily processing-log index", index);
            }
        }
        return expired;
    }

    /**
     * Deletes the expired indices, then the watermarks of writers whose last heartbeat is older than the retention.
     * @return the deleted indices
     * @throws IOException when Elasticsearch cannot be reached
     */
    public List<String> prune() throws IOException {
        var existing = this.client.indices().get((get) -> get.index(ProcessingLogIndices.pattern())
                .allowNoIndices(true).ignoreUnavailable(true)).result().keySet();
        List<String> expired = expired(existing);
        if (!expired.isEmpty()) {
            this.client.indices().delete((delete) -> delete.index(expired));
            logger.info("Deleted processing-log indices past the retention of {}: {}", this.retention, expired);
        }
        pruneWriters();
        return expired;
    }

    /**
     * A writer that closes withdraws its watermark, but one that was killed leaves it behind under a name no later
     * process uses again; scans ignore it once its heartbeat is stale, and this deletes it long after. A live writer
     * whose watermark went by mistake (cut off from Elasticsearch for that long) publishes it again.
     * @return the writers whose watermarks were deleted, at most {@value #MAX_WRITERS} per call
     * @throws IOException when Elasticsearch cannot be reached
     */
    List<String> pruneWriters() throws IOException {
        String before = Long.toString(this.clock.instant().minus(this.retention).toEpochMilli());
        List<String> silent = this.client.search((search) -> search.index(ProcessingLogIndices.WRITERS)
                .ignoreUnavailable(true).allowNoIndices(true).size(MAX_WRITERS).source((source) -> source.fetch(false))
                .query((query) -> query.range((range) -> range.date((date) -> date.field("heartbeatAt").lt(before)))),
                Void.class).hits().hits().stream().map(Hit::id).toList();
        if (!silent.isEmpty()) {
            this.client.bulk((bulk) -> bulk.operations(silent.stream().map((writer) -> BulkOperation.of((operation) ->
                    operation.delete((delete) -> delete.index(ProcessingLogIndices.WRITERS).id(writer)))).toList()));
            logger.info("Deleted the watermarks of {} processing-log writers silent for more than {}: {}",
                    silent.size(), this.retention, silent);
        }
        return silent;
    }

}
