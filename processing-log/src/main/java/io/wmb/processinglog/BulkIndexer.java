package io.wmb.processinglog;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.http.HttpEntity;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.entity.ContentType;
import org.apache.http.util.EntityUtils;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.Response;
import org.elasticsearch.client.ResponseException;
import org.elasticsearch.client.RestClient;

/**
 * Indexes processing records with the bulk API, one request body in one buffer ({@link BulkBody}), and sorts the
 * answer item by item: indexed, to be retried (429, 5xx), or refused for good. Times each request in
 * {@code wmb.processinglog.bulk} (tag {@code outcome}).
 */
final class BulkIndexer {

    private final RestClient restClient;

    private final Timer success;

    private final Timer failure;

    /**
     * @param restClient the Elasticsearch client's own HTTP client
     * @param registry where the bulk timer goes
     */
    BulkIndexer(RestClient restClient, MeterRegistry registry) {
        this.restClient = restClient;
        this.success = timer(registry, "success");
        this.failure = timer(registry, "failure");
    }

    /**
     * Sends records in one bulk request; when Elasticsearch refuses the request as a whole (400, 413), sends
     * each half on its own, so that one bad record is refused alone instead of blocking all the others forever.
     * @throws IOException when Elasticsearch could not be reached or answered the whole request with an error
     *     other than a refusal
     */
    Result index(List<ProcessingRecord> records) throws IOException {
        try {
            return indexOnce(records);
        }
        catch (ResponseException ex) {
            int status = ex.getResponse().getStatusLine().getStatusCode();
            if (!refusesWholeRequest(status)) {
                throw ex;
            }
            return bisect(records, BulkBody.refusal(status, answerOf(ex.getResponse())));
        }
    }

    private Result bisect(List<ProcessingRecord> records, String reason) throws IOException {
        if (records.size() == 1) {
            ProcessingRecord record = records.get(0);
            return new Result(0, List.of(), null, List.of(new Rejection(record.requestId(), record.documentId(),
                    ProcessingRecordJson.toJson(record), reason)));
        }
        int half = records.size() / 2;
        return index(records.subList(0, half)).plus(index(records.subList(half, records.size())));
    }

    private static boolean refusesWholeRequest(int status) {
        return status == 400 || status == 413;
    }

    private Result indexOnce(List<ProcessingRecord> records) throws IOException {
        Request request = new Request("POST", "/_bulk");
        request.addParameter("filter_path", BulkBody.FILTER_PATH);
        request.setEntity(new ByteArrayEntity(BulkBody.of(records), ContentType.create(BulkBody.CONTENT_TYPE)));
        long start = System.nanoTime();
        BulkBody.ItemError[] errors;
        try {
            errors = BulkBody.parse(answerOf(this.restClient.performRequest(request)), records.size());
        }
        catch (IOException | RuntimeException ex) {
            this.failure.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            throw ex;
        }
        this.success.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        int indexed = 0;
        List<ProcessingRecord> retry = new ArrayList<>();
        String retryReason = null;
        List<Rejection> rejections = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            ProcessingRecord record = records.get(i);
            BulkBody.ItemError error = errors[i];
            if (error == null || error.status() == 409) {
                // 409: a newer record of the same stage is already there (external version), which is done.
                indexed++;
            }
            else if (error.status() == 429 || error.status() >= 500) {
                retry.add(record);
                retryReason = error.toString();
            }
            else {
                rejections.add(new Rejection(record.requestId(), record.documentId(),
                        ProcessingRecordJson.toJson(record), error.toString()));
            }
        }
        return new Result(indexed, retry, retryReason, rejections);
    }

    private static byte[] answerOf(Response response) throws IOException {
        HttpEntity entity = response.getEntity();
        return (entity != null) ? EntityUtils.toByteArray(entity) : new byte[0];
    }

    private static Timer timer(MeterRegistry registry, String outcome) {
        return Timer.builder(ElasticsearchProcessingLog.METRIC_PREFIX + "bulk")
                .description("latency of bulk requests to Elasticsearch")
                .tag("outcome", outcome)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    /**
     * What one bulk request did.
     * @param indexed how many records were indexed (or found a newer record of their stage there)
     * @param retry the records Elasticsearch could not take now (429, 5xx), to be sent again
     * @param retryReason why, for the log (null when there is nothing to retry)
     * @param rejected the records refused for good
     */
    record Result(int indexed, List<ProcessingRecord> retry, String retryReason, List<Rejection> rejected) {

        Result plus(Result other) {
            List<ProcessingRecord> allRetry = new ArrayList<>(this.retry);
            allRetry.addAll(other.retry);
            List<Rejection> allRejected = new ArrayList<>(this.rejected);
            allRejected.addAll(other.rejected);
            return new Result(this.indexed + other.indexed, allRetry,
                    (this.retryReason != null) ? this.retryReason : other.retryReason, allRejected);
        }

    }
}
