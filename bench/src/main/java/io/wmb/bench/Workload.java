package io.wmb.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongFunction;

import io.wmb.bench.load.LoadRequest;

/**
 * The requests of the benchmark: creating posts (writes) and reading them (reads), aimed at the edge, a gateway
 * or a processor. Every request carries {@code X-Region: north} so that the edge routes it to unicom, the
 * datacenter whose processor the direct baseline calls, and a per-request {@code X-User-Id} so that 1,000 users
 * share the load (the gateways rate-limit and route per client).
 */
final class Workload {

    private static final int USERS = 1_000;

    private Workload() {
    }

    /** {@code POST /api/posts}, one new post per request. */
    static LongFunction<LoadRequest> writes(String baseUrl, String run) {
        URI uri = URI.create(baseUrl + "/api/posts");
        return (i) -> LoadRequest.post(uri,
                Map.of("Content-Type", "application/json", "X-Region", "north", "X-User-Id", Long.toString(i % USERS)),
                String.format(Locale.ROOT, "{\"authorId\": %d, \"content\": \"bench %s #%d: a post of about a tweet's"
                        + " length, written by the load generator\"}", 1 + i % USERS, run, i)
                    .getBytes(StandardCharsets.UTF_8));
    }

    /** {@code GET /api/posts/{id}} over existing posts, round robin. */
    static LongFunction<LoadRequest> reads(String baseUrl, List<Long> postIds) {
        if (postIds.isEmpty()) {
            throw new IllegalArgumentException("reads need at least one post id");
        }
        return (i) -> LoadRequest.get(URI.create(baseUrl + "/api/posts/" + postIds.get((int) (i % postIds.size()))),
                Map.of("X-Region", "north", "X-User-Id", Long.toString(i % USERS)));
    }
}
