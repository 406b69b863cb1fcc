package io.wmb.processor.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostCache.Backing;
import redis.clients.jedis.JedisPooled;
import redis.embedded.RedisServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache's scripts on the Redis bundled with embedded-redis (6.2), which the launcher and the tests run where the
 * system has no {@code redis-server}: CI installs Redis 7, so nothing else runs them on 6.2. A command newer than
 * 6.2 in a script fails every write in the datacenter that owns the master.
 */
class BundledRedisIntegrationTests {

    private static RedisServer server;

    private static JedisPooled redis;

    private static PostCache cache;

    @BeforeAll
    static void start() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = RedisServer.newRedisServer().bind("127.0.0.1").port(port).setting("maxmemory-policy volatile-lru")
            .build();
        server.start();
        redis = new JedisPooled("127.0.0.1", port);
        cache = new PostCache(redis, new ProcessorMetrics(new SimpleMeterRegistry()), Clock.systemUTC(),
                Duration.ofHours(1));
    }

    @AfterAll
    static void stop() throws IOException {
        redis.close();
        server.stop();
    }

    @Test
    void shouldRunOnTheOlderRedisThatTheLauncherFallsBackTo() {
        assertThat(redis.info("server")).contains("redis_version:6.2");
    }

    @Test
    void shouldLetRedisEvictAnAuthorsSetOnlyWhileItListsNoPinnedPost() {
        long author = 41;
        PostState stored = post(1, author, "in the database");
        PostState pinned = post(2, author, "only in this cache");
        PostState another = post(3, author, "in the database too");

        assertThat(cache.apply(stored, "unicom", Backing.DATABASE).content()).isEqualTo(StoreOutcome.APPLIED);
        assertThat(redis.ttl("wmb:post:1")).isPositive();
        assertThat(redis.ttl("wmb:author:41")).isPositive();

        cache.apply(pinned, "telecom", Backing.CACHE_ONLY);
        assertThat(redis.ttl("wmb:post:2")).isEqualTo(-1);
        assertThat(redis.ttl("wmb:author:41")).isEqualTo(-1);

        // Backed by the database, but the author's set still lists the pinned post: it stays pinned.
        assertThat(cache.applyAll(List.of(another), List.of("unicom"), Backing.DATABASE).get(0).content())
            .isEqualTo(StoreOutcome.APPLIED);
        assertThat(redis.ttl("wmb:post:3")).isPositive();
        assertThat(redis.ttl("wmb:author:41")).isEqualTo(-1);

        assertThat(cache.confirmAll(List.of(2L), Map.of(2L, pinned))).isEqualTo(1);
        assertThat(redis.ttl("wmb:post:2")).isPositive();
        assertThat(redis.ttl("wmb:author:41")).isPositive();
        assertThat(cache.byAuthor(author, 10)).extracting(PostState::id).containsExactly(3L, 2L, 1L);
    }

    private static PostState post(long id, long author, String content) {
        long at = 1_700_000_000_000L + id;
        return new PostState(id, author, content, false, at << 20 | 1, at, at, Map.of());
    }

}
