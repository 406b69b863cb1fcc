package io.wmb.reconciler.scan;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeAggregate;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeAggregationSource;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.JsonData;
import co.elastic.clients.json.JsonpUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wmb.processinglog.ElasticsearchClients;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLogIndices;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import org.elasticsearch.client.Request;
import org.elasticsearch.client.RestClient;

/**
 * Finds the incomplete requests of a window without grouping every record by requestId, which costs about two
 * seconds per million records on two cores. Three steps:
 * <ol>
 * <li>One histogram over the records' {@code version}, in buckets of {@code bucketWidth} of version time. All
 * records of one request carry the same version, so a request never straddles buckets. Per bucket and origin, the
 * counts of the five stages a complete request leaves ({@code ACCEPTED}, {@code LOCAL_APPLIED}, {@code RESHIPPED}
 * at the origin, {@code COLLECTED}, {@code REMOTE_APPLIED} at the other datacenter, with settled outcomes) must be
 * equal and add up to the bucket's record count. Such a bucket holds only complete requests (up to the caveat
 * below); the others are "suspicious".</li>
 * <li>Suspicious buckets only, and the window's records only: a composite aggregation on requestId with two filter
 * sub-aggregations (local done, remote done) that mirror {@link Completeness}. An incomplete request of the window
 * misses its stage among the window's records too; a complete one whose last records fall after the window's end
 * is only a needless candidate, which step 3 clears. Without the window, a suspicious bucket of an old version
 * (likes carry the version of the post's content) would bring in that version's incomplete likes of all time.</li>
 * <li>The requestIds still incomplete: all their records are read and judged by {@link Completeness}; a request
 * counts for the window that holds its earliest record, so each request is judged by one scan only.</li>
 * </ol>
 * Caveat of step 1: a bucket can look clean while holding an incomplete request only if other requests of the same
 * origin in the same bucket lost exactly the complementary records (for example one request stuck after
 * {@code RESHIPPED} and another whose three origin records are all missing). Records are not supposed to get lost
 * (the writer spills to disk), so this needs two independent failures in the same {@code bucketWidth}.
 *
 * <p>Steps 2 and 3 hold every request they examine in memory, and a window can hold hundreds of thousands of
 * incomplete ones (an hour in which the other datacenter never applied anything, say). When step 2 finds more than
 * {@code maxRequests}, the window is halved, down to {@link #MIN_WINDOW}, and the scan starts over on the first half;
 * {@link ScanResult#window()} says which window was scanned, and the rest is left to the next scans.
 */
public final class ProcessingLogScanner {

    /** A window never has more buckets of its own than this; wider windows get wider buckets. */
    static final int MAX_BUCKETS = 3000;

    /** Buckets per page of step 1: with ten filters each, far below the cluster's limit of 65536 buckets. */
    private static final int BUCKETS_PER_PAGE = 4000;

    /** Versions are {@code physicalMillis << 20 | logical << 4 | datacenter} (docs/design.md). */
    static final int VERSION_MILLIS_SHIFT = 20;

    private static final List<Stage> ORIGIN_STAGES = List.of(Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED);

    private static final List<Stage> PEER_STAGES = List.of(Stage.COLLECTED, Stage.REMOTE_APPLIED);

    private static final int RECORDS_BATCH = 1000;

    private static final int RANGES_PER_QUERY = 500;

    /** How much finer the second pass over suspicious buckets is. */
    private static final int REFINE_FACTOR = 16;

    /** The most requests one scan examines, unless a window of {@link #MIN_WINDOW} holds more. */
    public static final int DEFAULT_MAX_REQUESTS = 10_000;

    /** A window is never shortened below this: at any real write rate it holds far fewer than a scan may examine. */
    static final Duration MIN_WINDOW = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ElasticsearchClient client;

    private final RestClient restClient;

    private final Duration bucketWidth;

    private final int pageSize;

    private final int parallelism;

    private final int maxRequests;

    private final ExecutorService executor;

    /**
     * A scanner that runs its queries one at a time.
     * @param client the processing-log cluster; shared, not this class's to close
     * @param bucketWidth width of a version bucket in version time
     * @param pageSize requestIds per page in step 2
     */
    public ProcessingLogScanner(ElasticsearchClient client, Duration bucketWidth, int pageSize) {
        this(client, bucketWidth, pageSize, 1);
    }

    /**
     * A scanner.
     * @param client the processing-log cluster; shared, not this class's to close
     * @param bucketWidth width of a version bucket in version time
     * @param pageSize requestIds per page in step 2
     * @param parallelism how many queries of one scan may run side by side
     */
    public ProcessingLogScanner(ElasticsearchClient client, Duration bucketWidth, int pageSize, int parallelism) {
        this(client, bucketWidth, pageSize, parallelism, DEFAULT_MAX_REQUESTS);
    }

    /**
     * A scanner.
     * @param client the processing-log cluster; shared, not this class's to close
     * @param bucketWidth width of a version bucket in version time
     * @param pageSize requestIds per page in step 2
     * @param parallelism how many queries of one scan may run side by side
     * @param maxRequests the most requests one scan examines one by one; a window with more is shortened
     */
    public ProcessingLogScanner(ElasticsearchClient client, Duration bucketWidth, int pageSize, int parallelism,
            int maxRequests) {
        if (maxRequests < 1) {
            throw new IllegalArgumentException("maxRequests must be positive, but was " + maxRequests);
        }
        if (parallelism < 1 || parallelism > 16) {
            throw new IllegalArgumentException("parallelism must be between 1 and 16, but was " + parallelism);
        }
        if (bucketWidth.toMillis() < 1) {
            throw new IllegalArgumentException("bucketWidth must be at least 1ms, but was " + bucketWidth);
        }
        if (pageSize < 1 || pageSize > 65_000) {
            throw new IllegalArgumentException("pageSize must be between 1 and 65000, but was " + pageSize);
        }
        this.client = client;
        this.restClient = ElasticsearchClients.restClient(client);
        this.bucketWidth = bucketWidth;
        this.pageSize = pageSize;
        this.parallelism = parallelism;
        this.maxRequests = maxRequests;
        // Daemon threads: an idle scanner never keeps the JVM alive, and there is nothing to flush.
        this.executor = Executors.newFixedThreadPool(parallelism, (task) -> {
            Thread thread = new Thread(task, "wmb-reconciler-scan");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Scans one window, or its first part when the whole holds more requests that look incomplete than one scan may
     * examine.
     * @param window the window
     * @return what it found, and in which window ({@link ScanResult#window()}, which may end before {@code window})
     * @throws IOException when Elasticsearch cannot be reached
     */
    public ScanResult scan(ScanWindow window) throws IOException {
        long started = System.nanoTime();
        refresh();
        ScanWindow current = window;
        while (true) {
            Duration length = Duration.between(current.from(), current.to());
            // A window too short to halve is examined whole, however many requests it holds: nothing is skipped.
            boolean shortest = length.compareTo(MIN_WINDOW.multipliedBy(2)) < 0;
            Candidates found = candidates(current, shortest ? Integer.MAX_VALUE : this.maxRequests);
            if (shortest || found.requestIds().size() <= this.maxRequests) {
                List<Verdict> incomplete = new ArrayList<>();
                for (Verdict verdict : verdicts(found.requestIds()).values()) {
                    if (!verdict.settled() && current.contains(verdict.firstAt())) {
                        incomplete.add(verdict);
                    }
                }
                return new ScanResult(current, found.scanned(), found.buckets(), found.suspicious(),
                        found.requestIds().size(), incomplete, found.bucketsTook(),
                        Duration.ofNanos(System.nanoTime() - started));
            }
            // Whole milliseconds: records' times and the lease's watermark have no finer grain.
            current = new ScanWindow(current.from(), current.from().plusMillis(length.toMillis() / 2));
        }
    }

    /** Steps 1 and 2: the requests of the window that may be incomplete, or more than {@code limit} of them. */
    private Candidates candidates(ScanWindow window, int limit) throws IOException {
        long started = System.nanoTime();
        long windowMillis = Duration.between(window.from(), window.to()).toMillis();
        long widthMillis = Math.max(this.bucketWidth.toMillis(), (windowMillis + MAX_BUCKETS - 1) / MAX_BUCKETS);
        long interval = widthMillis << VERSION_MILLIS_SHIFT;

        // Slices of the window run side by side (Elasticsearch searches one shard on one thread). A request whose
        // records straddle two slices makes a bucket suspicious in each: step 2 and 3 then see it whole.
        List<Callable<Buckets>> slices = new ArrayList<>();
        for (ScanWindow slice : slices(window, this.parallelism)) {
            slices.add(() -> buckets(inWindow(slice), interval));
        }
        long scanned = 0;
        int buckets = 0;
        List<long[]> suspicious = new ArrayList<>();
        for (Buckets slice : parallel(slices)) {
            scanned += slice.scanned();
            buckets += slice.buckets();
            suspicious.addAll(slice.suspicious());
        }
        List<long[]> ranges = merge(suspicious);
        int factor = suspicious.isEmpty() ? 1 : Math.min(REFINE_FACTOR, MAX_BUCKETS / suspicious.size());
        if (factor >= 2 && ranges.size() <= RANGES_PER_QUERY) {
            // Step 1 again, on the suspicious buckets only and in finer buckets, so that step 2 examines a few
            // requests per incomplete one instead of whole buckets. Skipped when most buckets are suspicious.
            Query refine = all(inWindow(window), anyRange(ranges));
            ranges = merge(buckets(refine, interval / factor).suspicious());
        }
        Duration bucketsTook = Duration.ofNanos(System.nanoTime() - started);
        // Chunks keep each query far below the cluster's limit on boolean clauses, and run side by side.
        int perQuery = Math.max(1, Math.min(RANGES_PER_QUERY, (ranges.size() + this.parallelism - 1)
                / this.parallelism));
        AtomicInteger found = new AtomicInteger();
        List<Callable<Map<String, Boolean>>> chunks = new ArrayList<>();
        for (int start = 0; start < ranges.size(); start += perQuery) {
            List<long[]> chunk = ranges.subList(start, Math.min(ranges.size(), start + perQuery));
            chunks.add(() -> incompleteIn(window, chunk, found, limit));
        }
        Map<String, Boolean> requestIds = new LinkedHashMap<>();
        parallel(chunks).forEach(requestIds::putAll);
        return new Candidates(scanned, buckets, suspicious.size(), requestIds.keySet(), bucketsTook);
    }

    /** What steps 1 and 2 found in a window. */
    private record Candidates(long scanned, int buckets, int suspicious, Collection<String> requestIds,
            Duration bucketsTook) {
    }

    /** Step 1 for the records the query selects. */
    private Buckets buckets(Query query, long interval) throws IOException {
        // A composite aggregation rather than a plain histogram: likes carry the version of the post's content,
        // which may be days old, so the buckets are not bounded by the window's length; pages keep them bounded.
        // Sent through the low-level client and read as a tree: the typed client takes several times longer to
        // read thousands of buckets than Elasticsearch takes to compute them.
        String categories = stageCategoriesJson();
        String queryJson = JsonpUtils.toJsonString(query, this.client._jsonpMapper());
        long scanned = 0;
        int buckets = 0;
        List<long[]> suspicious = new ArrayList<>();
        JsonNode after = null;
        while (true) {
            String body = "{\"size\":0,\"track_total_hits\":false,\"query\":" + queryJson
                    + ",\"aggs\":{\"v\":{\"composite\":{\"size\":" + BUCKETS_PER_PAGE
                    + ",\"sources\":[{\"v\":{\"histogram\":{\"field\":\"version\",\"interval\":" + interval + "}}}]"
                    + ((after != null) ? ",\"after\":" + after : "")
                    + "},\"aggs\":{\"c\":{\"filters\":{\"filters\":" + categories + "}}}}}}";
            Request request = new Request("POST", "/" + ProcessingLogIndices.pattern() + "/_search");
            request.addParameter("ignore_unavailable", "true");
            request.addParameter("allow_no_indices", "true");
            request.addParameter("request_cache", "false");
            request.setJsonEntity(body);
            JsonNode page;
            try (InputStream content = this.restClient.performRequest(request).getEntity().getContent()) {
                page = JSON.readTree(content).path("aggregations").path("v");
            }
            JsonNode pageBuckets = page.path("buckets");
            for (JsonNode bucket : pageBuckets) {
                buckets++;
                long docCount = bucket.path("doc_count").asLong();
                scanned += docCount;
                if (!isClean(bucket.path("c").path("buckets"), docCount)) {
                    // Keys are doubles: widen the range so that rounding never drops a record from step 2.
                    long low = (long) bucket.path("key").path("v").asDouble();
                    long margin = Math.max(1L << 12, interval / 16);
                    suspicious.add(new long[] { low - margin, low + interval + margin });
                }
            }
            if (pageBuckets.size() < BUCKETS_PER_PAGE || !page.hasNonNull("after_key")) {
                break;
            }
            after = page.get("after_key");
        }
        return new Buckets(scanned, buckets, suspicious);
    }

    /** The window cut into {@code count} slices of equal length (fewer when it is shorter than that in ms). */
    static List<ScanWindow> slices(ScanWindow window, int count) {
        long from = window.from().toEpochMilli();
        long to = window.to().toEpochMilli();
        int slices = (int) Math.max(1, Math.min(count, to - from));
        List<ScanWindow> result = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            long start = from + (to - from) * i / slices;
            long end = (i == slices - 1) ? to : from + (to - from) * (i + 1) / slices;
            result.add(new ScanWindow(Instant.ofEpochMilli(start), Instant.ofEpochMilli(end)));
        }
        return result;
    }

    private <T> List<T> parallel(List<Callable<T>> tasks) throws IOException {
        if (tasks.size() == 1) {
            return List.of(call(tasks.get(0)));
        }
        List<CompletableFuture<T>> futures = tasks.stream()
                .map((task) -> CompletableFuture.supplyAsync(() -> call(task), this.executor))
                .toList();
        List<T> results = new ArrayList<>();
        for (CompletableFuture<T> future : futures) {
            try {
                results.add(future.join());
            }
            catch (CompletionException ex) {
                if (ex.getCause() instanceof UncheckedIOException io) {
                    throw io.getCause();
                }
                throw ex;
            }
        }
        return results;
    }

    private static <T> T call(Callable<T> task) {
        try {
            return task.call();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (RuntimeException ex) {
            throw ex;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** What step 1 found in one slice. */
    private record Buckets(long scanned, int buckets, List<long[]> suspicious) {
    }

    /**
     * Reads every record of the given requests and judges each.
     * @param requestIds the requests
     * @return a verdict per request found in the log
     * @throws IOException when Elasticsearch cannot be reached
     */
    public Map<String, Verdict> judge(Collection<String> requestIds) throws IOException {
        refresh();
        return verdicts(requestIds);
    }

    /**
     * Makes every record acknowledged so far searchable. The writers' bulk requests do not wait for a refresh, and
     * the daily indices refresh only every few seconds (processing-log-template.json: that saves Elasticsearch about
     * a fifth of its CPU per write). Without it a record merely not refreshed yet would be taken for a missing
     * stage, whatever the grace.
     */
    private void refresh() throws IOException {
        this.client.indices().refresh((refresh) -> refresh.index(ProcessingLogIndices.pattern())
                .ignoreUnavailable(true).allowNoIndices(true));
    }

    private Map<String, Verdict> verdicts(Collection<String> requestIds) throws IOException {
        Map<String, Verdict> verdicts = new LinkedHashMap<>();
        List<String> all = new ArrayList<>(requestIds);
        for (int start = 0; start < all.size(); start += RECORDS_BATCH) {
            // Judged batch by batch (a batch holds every record of its requests), so only verdicts pile up.
            Map<String, List<ProcessingRecord>> records = new LinkedHashMap<>();
            List<FieldValue> batch = all.subList(start, Math.min(all.size(), start + RECORDS_BATCH)).stream()
                    .map(FieldValue::of).toList();
            SearchResponse<ObjectNode> response = this.client.search((search) -> search
                    .index(ProcessingLogIndices.pattern()).ignoreUnavailable(true).allowNoIndices(true)
                    .size(10_000).trackTotalHits((track) -> track.enabled(false))
                    .query((query) -> query.terms((terms) -> terms.field("requestId")
                            .terms((values) -> values.value(batch)))), ObjectNode.class);
            for (Hit<ObjectNode> hit : response.hits().hits()) {
                ProcessingRecord record = toRecord(hit.source());
                records.computeIfAbsent(record.requestId(), (id) -> new ArrayList<>()).add(record);
            }
            records.forEach((id, list) -> verdicts.put(id, Completeness.evaluate(id, list)));
        }
        return verdicts;
    }

    /**
     * Step 2: requestIds in the version ranges that miss a local or a remote completion among their records in the
     * window. Stops paging once the chunks together found more than {@code limit}: the scan then shortens the window
     * anyway.
     */
    private Map<String, Boolean> incompleteIn(ScanWindow window, List<long[]> ranges, AtomicInteger found,
            int limit) throws IOException {
        Query query = all(inWindow(window), anyRange(ranges));
        Map<String, CompositeAggregationSource> source = Map.of("id",
                CompositeAggregationSource.of((s) -> s.terms((terms) -> terms.field("requestId"))));
        Map<String, Boolean> incomplete = new LinkedHashMap<>();
        Map<String, FieldValue> after = null;
        while (true) {
            Map<String, FieldValue> afterKey = after;
            SearchResponse<Void> response = this.client.search((search) -> search
                    .index(ProcessingLogIndices.pattern()).ignoreUnavailable(true).allowNoIndices(true)
                    .size(0).trackTotalHits((track) -> track.enabled(false)).query(query)
                    .aggregations("r", (agg) -> agg
                            .composite((composite) -> {
                                composite.size(this.pageSize).sources(List.of(source));
                                if (afterKey != null) {
                                    composite.after(afterKey);
                                }
                                return composite;
                            })
                            .aggregations("local", (sub) -> sub.filter(localDone()))
                            .aggregations("remote", (sub) -> sub.filter(remoteDone()))), Void.class);
            if (!response.aggregations().containsKey("r")) {
                return incomplete;
            }
            CompositeAggregate composite = response.aggregations().get("r").composite();
            for (CompositeBucket bucket : composite.buckets().array()) {
                long local = bucket.aggregations().get("local").filter().docCount();
                long remote = bucket.aggregations().get("remote").filter().docCount();
                if (local == 0 || remote == 0) {
                    incomplete.put(bucket.key().get("id").stringValue(), Boolean.TRUE);
                    found.incrementAndGet();
                }
            }
            if (found.get() > limit || composite.buckets().array().isEmpty() || composite.afterKey() == null
                    || composite.afterKey().isEmpty()) {
                return incomplete;
            }
            after = composite.afterKey();
        }
    }

    /** Step 1's test: per origin, the five stage counts agree, and nothing else is in the bucket. */
    private static boolean isClean(JsonNode counts, long docCount) {
        long total = 0;
        for (String origin : Datacenters.ALL) {
            long expected = -1;
            for (Stage stage : expectedStages()) {
                long count = counts.path(category(origin, stage)).path("doc_count").asLong(-1);
                if (expected >= 0 && count != expected) {
                    return false;
                }
                expected = count;
                total += count;
            }
        }
        return total == docCount;
    }

    private static List<Stage> expectedStages() {
        List<Stage> stages = new ArrayList<>(ORIGIN_STAGES);
        stages.addAll(PEER_STAGES);
        return stages;
    }

    /** One filter per origin and expected stage: where the stage runs and which outcomes settle it. */
    static Map<String, Query> stageCategories() {
        Map<String, Query> categories = new HashMap<>();
        for (String origin : Datacenters.ALL) {
            for (Stage stage : expectedStages()) {
                String where = ORIGIN_STAGES.contains(stage) ? origin : Datacenters.peer(origin);
                List<String> outcomes = (stage == Stage.REMOTE_APPLIED)
                        ? Completeness.SETTLED.stream().map(Enum::name).toList() : List.of(Outcome.OK.name());
                categories.put(category(origin, stage), all(term("origin", origin), term("datacenter", where),
                        term("stage", stage.name()), terms("outcome", outcomes)));
            }
        }
        return categories;
    }

    private String stageCategoriesJson() {
        StringBuilder json = new StringBuilder("{");
        stageCategories().forEach((name, query) -> json.append((json.length() > 1) ? "," : "").append('"')
                .append(name).append("\":").append(JsonpUtils.toJsonString(query, this.client._jsonpMapper())));
        return json.append('}').toString();
    }

    private static String category(String origin, Stage stage) {
        return origin + "/" + stage.name();
    }

    /** {@link Completeness}'s "applied at the origin", as a query on one record. */
    static Query localDone() {
        return all(atOrigin(), terms("stage", List.of(Stage.LOCAL_APPLIED.name(), Stage.RECONCILED.name())),
                term("outcome", Outcome.OK.name()));
    }

    /** {@link Completeness}'s "settled at the other datacenter", as a query on one record. */
    static Query remoteDone() {
        return all(atPeer(), terms("stage", List.of(Stage.REMOTE_APPLIED.name(), Stage.RECONCILED.name())),
                terms("outcome", Completeness.SETTLED.stream().map(Enum::name).toList()));
    }

    private static Query atOrigin() {
        // No scripts on this cluster: "datacenter == origin" spelled out for the two datacenters.
        return any(all(term("datacenter", Datacenters.UNICOM), term("origin", Datacenters.UNICOM)),
                all(term("datacenter", Datacenters.TELECOM), term("origin", Datacenters.TELECOM)));
    }

    private static Query atPeer() {
        return any(all(term("datacenter", Datacenters.UNICOM), term("origin", Datacenters.TELECOM)),
                all(term("datacenter", Datacenters.TELECOM), term("origin", Datacenters.UNICOM)));
    }

    private static Query anyRange(List<long[]> ranges) {
        List<Query> versionRanges = ranges.stream()
                .map((range) -> range("version", range[0], range[1]))
                .toList();
        return Query.of((q) -> q.bool((bool) -> bool.should(versionRanges).minimumShouldMatch("1")));
    }

    private static Query inWindow(ScanWindow window) {
        return range("at", window.from().toEpochMilli(), window.to().toEpochMilli());
    }

    private static Query range(String field, long from, long to) {
        return Query.of((q) -> q.range((range) -> range.untyped((untyped) -> untyped.field(field)
                .gte(JsonData.of(from)).lt(JsonData.of(to)))));
    }

    private static Query term(String field, String value) {
        return Query.of((q) -> q.term((term) -> term.field(field).value(value)));
    }

    private static Query terms(String field, List<String> values) {
        List<FieldValue> fieldValues = values.stream().map(FieldValue::of).toList();
        return Query.of((q) -> q.terms((terms) -> terms.field(field).terms((v) -> v.value(fieldValues))));
    }

    private static Query all(Query... queries) {
        return Query.of((q) -> q.bool((bool) -> bool.filter(List.of(queries))));
    }

    private static Query any(Query... queries) {
        return Query.of((q) -> q.bool((bool) -> bool.should(List.of(queries)).minimumShouldMatch("1")));
    }

    /** Sorted, overlapping or touching ranges merged, so that step 2 gets one short query. */
    static List<long[]> merge(List<long[]> ranges) {
        List<long[]> sorted = new ArrayList<>(ranges);
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        List<long[]> merged = new ArrayList<>();
        for (long[] range : sorted) {
            long[] last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (last != null && range[0] <= last[1]) {
                last[1] = Math.max(last[1], range[1]);
            }
            else {
                merged.add(new long[] { range[0], range[1] });
            }
        }
        return merged;
    }

    private static ProcessingRecord toRecord(ObjectNode source) {
        JsonNode detail = source.get("detail");
        return new ProcessingRecord(source.path("requestId").asText(), source.path("datacenter").asText(),
                source.path("origin").asText(), Stage.valueOf(source.path("stage").asText()),
                Outcome.valueOf(source.path("outcome").asText()),
                Instant.ofEpochMilli(source.path("at").asLong()), source.path("postId").asLong(),
                source.path("version").asLong(), (detail == null || detail.isNull()) ? null : detail.asText());
    }

}
