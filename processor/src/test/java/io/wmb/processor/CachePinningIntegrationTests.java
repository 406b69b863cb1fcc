package io.wmb.processor;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.wmb.infra.Datacenter;
import io.wmb.processor.TwoDatacenters.Processor;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.store.CacheConfirmation;
import io.wmb.processor.store.PostCache;
import io.wmb.processor.store.PostCache.Backing;
import io.wmb.processor.store.PostRepository;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.util.SafeEncoder;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Telecom does not own the MySQL master: its writes reach its replica only after a round trip through unicom, and
 * until then its Redis holds the only local copy. Redis must not evict such a post. Against the real Redis of
 * telecom (eviction {@code volatile-lru}, as the demo runs it) and the real MariaDB master and replica.
 */
class CachePinningIntegrationTests extends IntegrationTestSupport {

    private static final String JUNK = "wmb-test:junk:";

    private JedisPooled redis;

    @BeforeEach
    void connect() {
        redis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM));
    }

    @AfterEach
    void releaseAndDisconnect() {
        telecom.reship().hold(false);
        redis.close();
    }

    @Test
    void shouldPinATelecomWriteUntilItsReplicaHasIt() throws InterruptedException {
        telecom.reship().hold(true);
        long author = newAuthor();
        long id = createPost(telecom, author, "only telecom's Redis has me").path("id").asLong();

        assertThat(pinned(id)).isTrue();
        assertThat(redis.ttl("wmb:author:" + author)).isEqualTo(-1);
        // Longer than the confirmation's age and interval (1 s each), and a pass of our own on top: the replica
        // still lacks the post, so it stays pinned.
        Thread.sleep(2_500);
        confirmation(telecom).confirm();
        assertThat(pinned(id)).isTrue();
        assertThat(redis.ttl("wmb:author:" + author)).isEqualTo(-1);

        telecom.reship().hold(false);

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(pinned(id)).isFalse();
            assertThat(redis.ttl("wmb:post:" + id)).isPositive();
            assertThat(redis.ttl("wmb:author:" + author)).isPositive();
        });
        assertThat(telecom.context().getBean(PostRepository.class).find(id)).isPresent();
    }

    @Test
    void shouldKeepEveryAcknowledgedLikeWhenRedisRunsOutOfMemoryWhileTheReplicaLags() {
        long id = createPost(unicom, newAuthor(), "like me in the south").path("id").asLong();
        PostRepository telecomReplica = telecom.context().getBean(PostRepository.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> telecomReplica.find(id).isPresent());
        telecom.reship().hold(true);
        for (int i = 0; i < 3; i++) {
            assertThat(call(telecom, "POST", "/api/posts/" + id + "/likes", null).statusCode()).isEqualTo(200);
        }

        long evicted = fillUntilRedisEvicts();

        assertThat(evicted).isGreaterThan(1_000);
        assertThat(json(call(telecom, "POST", "/api/posts/" + id + "/likes", null)).path("likes").asLong())
            .isEqualTo(4);
        telecom.reship().hold(false);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(json(call(unicom, "GET", "/api/posts/" + id, null)).path("likes").asLong()).isEqualTo(4);
            assertThat(json(call(telecom, "GET", "/api/posts/" + id, null)).path("likes").asLong()).isEqualTo(4);
        });
    }

    @Test
    void shouldListEveryAcknowledgedLikeAfterRedisEvictedTheAuthorsSet() {
        long author = newAuthor();
        long id = createPost(unicom, author, "liked in the south, listed").path("id").asLong();
        PostRepository telecomReplica = telecom.context().getBean(PostRepository.class);
        await().atMost(Duration.ofSeconds(20)).until(() -> telecomReplica.find(id).isPresent());
        telecom.reship().hold(true);
        for (int i = 0; i < 2; i++) {
            assertThat(call(telecom, "POST", "/api/posts/" + id + "/likes", null).statusCode()).isEqualTo(200);
        }
        // A like pins the post, not its author's set, which Redis may then evict; the replica's row of the post
        // has no like yet.
        assertThat(pinned(id)).isTrue();
        redis.del("wmb:author:" + author);

        List<Long> listed = new ArrayList<>();
        json(call(telecom, "GET", "/api/users/" + author + "/posts", null))
            .forEach(post -> listed.add(post.path("likes").asLong()));

        assertThat(listed).containsExactly(2L);
        assertThat(telecomReplica.find(id).orElseThrow().totalLikes()).isZero();
    }

    @Test
    void shouldRefuseAWriteRatherThanEvictAPinnedPostWhenRedisIsFull() {
        telecom.reship().hold(true);
        long author = newAuthor();
        long id = createPost(telecom, author, "pinned, Redis full").path("id").asLong();
        String limit = config("maxmemory");
        // Below what Redis holds: it evicts every key with a time to live, and what is left is pinned.
        redis.sendCommand(Command.CONFIG, "SET", "maxmemory", "1");
        HttpResponse<String> refused;
        try {
            refused = call(telecom, "POST", "/api/posts", "{\"authorId\": " + author + ", \"content\": \"no room\"}");
        }
        finally {
            redis.sendCommand(Command.CONFIG, "SET", "maxmemory", limit);
        }

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(json(call(telecom, "GET", "/api/posts/" + id, null)).path("content").asString())
            .isEqualTo("pinned, Redis full");
        List<String> listed = new ArrayList<>();
        json(call(telecom, "GET", "/api/users/" + author + "/posts", null))
            .forEach(post -> listed.add(post.path("content").asString()));
        assertThat(listed).containsExactly("pinned, Redis full");
    }

    @Test
    void shouldUnpinOnlyWhenTheDatabaseHoldsTheVersionAndEveryLikeCounter() {
        PostCache cache = new PostCache(redis, new ProcessorMetrics(new SimpleMeterRegistry()), Clock.systemUTC(),
                Duration.ofHours(1));
        long id = newAuthor();
        long version = (System.currentTimeMillis() << 20) | 2;
        cache.apply(state(id, version, 3, 5), "telecom", Backing.CACHE_ONLY);
        // A fill from the database (older) must not unpin the post.
        cache.apply(state(id, version - 1, 1, 5), "", Backing.DATABASE);
        assertThat(pinned(id)).isTrue();

        assertThat(cache.confirmAll(List.of(id), Map.of())).isZero();
        assertThat(cache.confirmAll(List.of(id), Map.of(id, state(id, version, 2, 5)))).isZero();
        assertThat(cache.confirmAll(List.of(id), Map.of(id, state(id, version - 1, 3, 5)))).isZero();
        assertThat(pinned(id)).isTrue();

        assertThat(cache.confirmAll(List.of(id), Map.of(id, state(id, version, 3, 6)))).isEqualTo(1);
        assertThat(pinned(id)).isFalse();
        assertThat(redis.ttl("wmb:post:" + id)).isBetween(3_000L, 3_600L);
    }

    private static PostState state(long id, long version, long telecomLikes, long unicomLikes) {
        return new PostState(id, 7, "v" + version, false, version, 1, 1,
                Map.of("telecom", telecomLikes, "unicom", unicomLikes));
    }

    private boolean pinned(long id) {
        return redis.ttl("wmb:post:" + id) == -1 && redis.zscore("wmb:unconfirmed", Long.toString(id)) != null;
    }

    private static CacheConfirmation confirmation(Processor processor) {
        return processor.context().getBean(CacheConfirmation.class);
    }

    /**
     * Sets Redis' memory limit just above what it holds and writes four times that margin of keys that may be
     * evicted, so that Redis evicts whatever its policy lets it; then puts the limit back.
     * @return how many keys Redis evicted meanwhile
     */
    private long fillUntilRedisEvicts() {
        long before = info("evicted_keys");
        String limit = config("maxmemory");
        long used = info("used_memory");
        long margin = 4L << 20;
        redis.sendCommand(Command.CONFIG, "SET", "maxmemory", Long.toString(used + margin));
        String value = "x".repeat(1024);
        int keys = (int) (4 * margin / 1024);
        try {
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (int i = 0; i < keys; i++) {
                    pipeline.set(JUNK + i, value, SetParams.setParams().ex(600));
                }
                pipeline.sync();
            }
            return info("evicted_keys") - before;
        }
        finally {
            redis.sendCommand(Command.CONFIG, "SET", "maxmemory", limit);
            try (AbstractPipeline pipeline = redis.pipelined()) {
                for (int i = 0; i < keys; i++) {
                    pipeline.unlink(JUNK + i);
                }
                pipeline.sync();
            }
        }
    }

    private String config(String parameter) {
        return SafeEncoder.encode((byte[]) ((List<?>) redis.sendCommand(Command.CONFIG, "GET", parameter)).get(1));
    }

    private long info(String field) {
        for (String line : SafeEncoder.encode((byte[]) redis.sendCommand(Command.INFO)).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException("Redis INFO has no " + field);
    }

}
