package io.wmb.reconciler.bench;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkIngester;
import co.elastic.clients.elasticsearch._helpers.bulk.BulkListener;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeAggregate;
import co.elastic.clients.elasticsearch._types.aggregations.CompositeAggregationSource;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.indices.TranslogDurability;
import co.elastic.clients.json.JsonData;
import io.wmb.infra.Infrastructure;
import io.wmb.processinglog.ElasticsearchClients;
import io.wmb.processinglog.ProcessingLogIndices;
import io.wmb.processinglog.Stage;
import io.wmb.reconciler.scan.Datacenters;
import io.wmb.reconciler.scan.ProcessingLogScanner;
import io.wmb.reconciler.scan.ScanResult;
import io.wmb.reconciler.scan.ScanWindow;

/**
 * Times the scan of a window of 1,000,000 processing-log records (and of its first 100,000). Bulk-loads the
 * records into a fresh daily index (a day of its own, so nothing else is in the window): 200,000 requests of five
 * records each over ten minutes, 0.1% of them stuck after {@code RESHIPPED}. Then scans each window several times
 * and prints every time (the first run includes cold caches), then times the plain alternative (a paged
 * composite aggregation over every requestId of the window) on the same data for comparison.
 *
 * <p>Run: {@code ./mvnw -B -q -pl reconciler test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * && java -cp reconciler/target/test-classes:reconciler/target/classes:$(cat reconciler/target/cp.txt)
 * io.wmb.reconciler.bench.ScanBenchmark [elasticsearchUrl] [records] [reuse]}. Without a URL it starts
 * {@link Infrastructure#shared()}.
 */
public final class ScanBenchmark {

    private static final int BULK = 10_000;

    private ScanBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        String url = (args.length > 0) ? args[0] : Infrastructure.shared().elasticsearchUrl();
        int records = (args.length > 1) ? Integer.parseInt(args[1]) : 1_000_000;
        ElasticsearchClient client = ElasticsearchClients.create(url, Duration.ofSeconds(120));
        try {
            ProcessingLogIndices.ensureTemplate(client);
            // A day of its own: nothing else is in the window. "reuse" keeps a previous run's records.
            Instant start = Instant.parse("2099-12-31T00:00:00Z");
            String index = ProcessingLogIndices.indexFor(start);
            boolean reuse = args.length > 2 && "reuse".equals(args[2])
                    && client.indices().exists((exists) -> exists.index(index)).value();
            long loadStarted = System.nanoTime();
            int stuck = -1;
            if (!reuse) {
                client.indices().delete((delete) -> delete.index(index).ignoreUnavailable(true));
                // Loading only: no periodic refresh, no fsync per bulk request and two requests at a time took the
                // load from 116 to 70-85 s here (the index then had 17-21 segments rather than 16, which makes the scan
                // a little slower, not faster). The scanner refreshes before it scans.
                client.indices().create((create) -> create.index(index).settings((settings) -> settings
                        .refreshInterval((interval) -> interval.time("-1"))
                        .translog((translog) -> translog.durability(TranslogDurability.Async))));
                stuck = load(client, index, start, records);
            }
            client.indices().refresh((refresh) -> refresh.index(index));
            long segments = client.cat().segments((segmentsRequest) -> segmentsRequest.index(index)).valueBody()
                    .size();
            System.out.printf("loaded %,d records (%,d requests stuck) into %s in %d s, %d segments%n", records, stuck,
                    index, Duration.ofNanos(System.nanoTime() - loadStarted).toSeconds(), segments);

            Duration span = Duration.ofMillis(3L * records / 5 + 100);
            for (int parallelism : new int[] { 1, 2 }) {
                ProcessingLogScanner scanner = new ProcessingLogScanner(client, Duration.ofMillis(100), 10_000,
                        parallelism);
                time(scanner, new ScanWindow(start, start.plus(span)), "whole window, parallelism " + parallelism);
                time(scanner, new ScanWindow(start, start.plus(span.dividedBy(10))),
                        "first tenth, parallelism " + parallelism);
            }
            baseline(client, new ScanWindow(start, start.plus(span)));
        }
        finally {
            client._transport().close();
        }
        System.exit(0);
    }

    private static void time(ProcessingLogScanner scanner, ScanWindow window, String name) throws IOException {
        for (int run = 1; run <= 5; run++) {
            ScanResult result = scanner.scan(window);
            System.out.printf("%s, run %d: %,d records, %d/%d buckets suspicious, %d requests examined, "
                    + "%d incomplete, %d ms (buckets %d ms)%n", name, run, result.scannedRecords(), result.suspiciousBuckets(),
                    result.buckets(), result.examinedRequests(), result.incomplete().size(), result.took().toMillis(),
                    result.bucketsTook().toMillis());
        }
    }

    /** The plain way, for comparison: every requestId of the window through a paged composite aggregation. */
    private static void baseline(ElasticsearchClient client, ScanWindow window) throws IOException {
        for (int run = 1; run <= 3; run++) {
            long started = System.nanoTime();
            long buckets = 0;
            Map<String, FieldValue> after = null;
            while (true) {
                Map<String, FieldValue> afterKey = after;
                CompositeAggregate composite = client.search((search) -> search
                        .index(ProcessingLogIndices.pattern()).size(0).requestCache(false)
                        .query((q) -> q.range((range) -> range.untyped((untyped) -> untyped.field("at")
                                .gte(JsonData.of(window.from().toEpochMilli()))
                                .lt(JsonData.of(window.to().toEpochMilli())))))
                        .aggregations("r", (agg) -> agg.composite((c) -> {
                            c.size(10_000).sources(List.of(Map.of("id", CompositeAggregationSource.of((source) -> source
                                    .terms((terms) -> terms.field("requestId"))))));
                            if (afterKey != null) {
                                c.after(afterKey);
                            }
                            return c;
                        })), Void.class).aggregations().get("r").composite();
                buckets += composite.buckets().array().size();
                if (composite.buckets().array().isEmpty() || composite.afterKey() == null) {
                    break;
                }
                after = composite.afterKey();
            }
            System.out.printf("baseline composite on requestId, run %d: %,d requestIds, %d ms%n", run, buckets,
                    Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
    }

    /** 5 records per request, a request every 3 ms; 0.1% stop after RESHIPPED. */
    private static int load(ElasticsearchClient client, String index, Instant start, int records)
            throws IOException {
        SplittableRandom random = new SplittableRandom(42);
        // Two requests in flight: Elasticsearch indexes one (a write thread per core) while the next is built.
        AtomicReference<String> failure = new AtomicReference<>();
        BulkIngester<Void> ingester = BulkIngester.of((builder) -> builder.client(client).maxOperations(BULK)
                .maxSize(-1).maxConcurrentRequests(2).listener(new FirstFailure(failure)));
        Stage[] pipeline = { Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED, Stage.COLLECTED,
            Stage.REMOTE_APPLIED };
        int stuck = 0;
        int written = 0;
        for (long i = 0; written < records; i++) {
            String requestId = UUID.randomUUID().toString();
            String origin = random.nextBoolean() ? Datacenters.UNICOM : Datacenters.TELECOM;
            long at = start.toEpochMilli() + 3 * i;
            long version = (at << 20) | (Datacenters.UNICOM.equals(origin) ? 1 : 2);
            int stages = 5;
            if (random.nextInt(1000) == 0) {
                stages = 3;
                stuck++;
            }
            for (int s = 0; s < stages && written < records; s++) {
                Stage stage = pipeline[s];
                String where = (s < 3) ? origin : Datacenters.peer(origin);
                Map<String, Object> document = new LinkedHashMap<>();
                document.put("requestId", requestId);
                document.put("datacenter", where);
                document.put("origin", origin);
                document.put("stage", stage.name());
                document.put("outcome", "OK");
                document.put("at", at + 5L * s);
                document.put("postId", i);
                document.put("version", version);
                String id = requestId + ":" + where + ":" + stage;
                ingester.add(BulkOperation.of((op) -> op.index((doc) -> doc.index(index).id(id)
                        .document(document))));
                written++;
            }
        }
        // Sends what is left and waits for every request.
        ingester.close();
        if (failure.get() != null) {
            throw new IllegalStateException("bulk failed: " + failure.get());
        }
        return stuck;
    }

    /** Keeps the first failure of any bulk request: a failed item or a failed request. */
    private record FirstFailure(AtomicReference<String> failure) implements BulkListener<Void> {

        @Override
        public void beforeBulk(long executionId, BulkRequest request, List<Void> contexts) {
        }

        @Override
        public void afterBulk(long executionId, BulkRequest request, List<Void> contexts, BulkResponse response) {
            response.items().stream().filter((item) -> item.error() != null).findFirst()
                .ifPresent((item) -> this.failure.compareAndSet(null, String.valueOf(item.error())));
        }

        @Override
        public void afterBulk(long executionId, BulkRequest request, List<Void> contexts, Throwable failure) {
            this.failure.compareAndSet(null, failure.toString());
        }
    }

}
