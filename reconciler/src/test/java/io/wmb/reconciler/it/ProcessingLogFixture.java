package io.wmb.reconciler.it;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.Refresh;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLogIndices;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.ProcessingRecordJson;
import io.wmb.processinglog.Stage;
import io.wmb.processinglog.WriterWatermark;
import io.wmb.reconciler.scan.Datacenters;

/**
 * Writes processing-log records straight into the daily indices, and writers' flush watermarks into their index,
 * as the services' writers would, and reads them back. Records are searchable as soon as they are written (a refresh
 * per write), so that a read right after sees them.
 */
final class ProcessingLogFixture {

    private final ElasticsearchClient client;

    ProcessingLogFixture(ElasticsearchClient client) {
        this.client = client;
        ProcessingLogIndices.ensureTemplate(client);
        ProcessingLogIndices.ensureWritersTemplate(client);
    }

    /** The records a request leaves when everything works, from {@code at} on. */
    static List<ProcessingRecord> complete(String requestId, String origin, long postId, long version, Instant at) {
        return stages(requestId, origin, postId, version, at, Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED,
                Stage.COLLECTED, Stage.REMOTE_APPLIED);
    }

    /** Records of the given stages, all OK, each a few milliseconds after the last, each where it runs. */
    static List<ProcessingRecord> stages(String requestId, String origin, long postId, long version, Instant at,
            Stage... stages) {
        List<ProcessingRecord> records = new ArrayList<>();
        for (int i = 0; i < stages.length; i++) {
            Stage stage = stages[i];
            String where = (stage == Stage.COLLECTED || stage == Stage.REMOTE_APPLIED) ? Datacenters.peer(origin)
                    : origin;
            records.add(new ProcessingRecord(requestId, where, origin, stage, Outcome.OK, at.plusMillis(5L * i),
                    postId, version, null));
        }
        return records;
    }

    /** A version as the processors stamp it: {@code millis << 20 | logical << 4 | datacenter}. */
    static long version(Instant at, int logical, String datacenter) {
        return (at.toEpochMilli() << 20) | ((long) logical << 4) | (Datacenters.UNICOM.equals(datacenter) ? 1 : 2);
    }

    void write(List<ProcessingRecord> records) throws IOException {
        write(records.stream().map(ProcessingLogFixture::operation).toList(), Refresh.True);
    }

    private void write(List<BulkOperation> operations, Refresh refresh) throws IOException {
        BulkResponse response = this.client.bulk((bulk) -> bulk.operations(operations).refresh(refresh));
        if (response.errors()) {
            throw new IllegalStateException("bulk failed: " + response.items().get(0).error());
        }
    }

    private static BulkOperation operation(ProcessingRecord record) {
        Map<String, Object> document = ProcessingRecordJson.toDocument(record);
        return BulkOperation.of((op) -> op.index((index) -> index.index(ProcessingLogIndices.indexFor(record.at()))
                .id(record.documentId()).document(document)));
    }

    /**
     * Writes records as the services' writers do: without waiting for a refresh, so that until the index's next
     * one (never, if its refresh is off) they are not searchable yet.
     */
    void writeUnrefreshed(List<ProcessingRecord> records) throws IOException {
        write(records.stream().map(ProcessingLogFixture::operation).toList(), Refresh.False);
    }

    /** Turns the periodic refresh of the daily index holding {@code at} off ({@code -1}) or sets it. */
    void refreshInterval(Instant at, String interval) throws IOException {
        this.client.indices().create((create) -> create.index(ProcessingLogIndices.indexFor(at)));
        this.client.indices().putSettings((put) -> put.index(ProcessingLogIndices.indexFor(at))
                .settings((settings) -> settings.refreshInterval((time) -> time.time(interval))));
    }

    /** Publishes a writer's watermark, as its {@code ElasticsearchProcessingLog} would. */
    void publish(WriterWatermark watermark) throws IOException {
        this.client.index((index) -> index.index(ProcessingLogIndices.WRITERS).id(watermark.writer())
                .document(watermark.toDocument()).refresh(Refresh.WaitFor));
    }

    /** Removes a writer's watermark, as a writer that closes does. */
    void withdraw(String writer) throws IOException {
        this.client.delete((delete) -> delete.index(ProcessingLogIndices.WRITERS).id(writer)
                .refresh(Refresh.WaitFor));
    }

    void refresh() throws IOException {
        this.client.indices().refresh((refresh) -> refresh.index(ProcessingLogIndices.pattern()));
    }

}
