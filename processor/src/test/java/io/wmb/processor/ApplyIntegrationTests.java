package io.wmb.processor;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import tools.jackson.databind.JsonNode;

import io.wmb.infra.Datacenter;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostCache;
import io.wmb.processor.store.PostCache.Backing;
import io.wmb.processor.store.StoreOutcome;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.FetchResponse;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteKind;
import io.wmb.proto.v1.WriteResult;
import redis.clients.jedis.JedisPooled;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** gRPC Apply and Fetch: "newer version wins" in MySQL and Redis, duplicates and replays change nothing. */
class ApplyIntegrationTests extends IntegrationTestSupport {

    private static ManagedChannel unicomChannel;

    private static ManagedChannel telecomChannel;

    @BeforeAll
    static void connect() {
        unicomChannel = NettyChannelBuilder.forAddress("127.0.0.1", unicom.grpcPort()).usePlaintext().build();
        telecomChannel = NettyChannelBuilder.forAddress("127.0.0.1", telecom.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        unicomChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        telecomChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static ProcessorGrpc.ProcessorBlockingStub processor(ManagedChannel channel) {
        return ProcessorGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    private static long newPostId() {
        return ThreadLocalRandom.current().nextLong(1L << 40, Long.MAX_VALUE / 2);
    }

    /** A version as telecom's clock would make it at a given millisecond. */
    private static long version(long millis) {
        return millis << 20 | 2;
    }

    private static PostWrite writeFromTelecom(String requestId, WriteKind kind, long postId, long version,
            String content) {
        long now = System.currentTimeMillis();
        return PostWrite.newBuilder().setRequestId(requestId).setOriginDatacenter("telecom").setKind(kind)
            .setPostId(postId).setVersion(version).setAuthorId(77).setContent(content)
            .setDeleted(kind == WriteKind.WRITE_KIND_DELETE).setCreatedAtMs(now).setUpdatedAtMs(now)
            .setAcceptedAtMs(now).build();
    }

    private static ApplyOutcome apply(ManagedChannel channel, PostWrite write) {
        BatchAck ack = processor(channel).apply(WriteBatch.newBuilder().setBatchId(1).addWrites(write).build());
        assertThat(ack.getResultsCount()).isEqualTo(1);
        return ack.getResults(0).getOutcome();
    }

    private static JsonNode readInUnicom(long postId) {
        return json(call(unicom, "GET", "/api/posts/" + postId, null));
    }

    @Nested
    class NewerVersionWins {

        @Test
        void shouldApplyOnceAndAnswerDuplicateForTheSameWrite() {
            long id = newPostId();
            long now = System.currentTimeMillis();
            PostWrite create = writeFromTelecom("a-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "v1");
            assertThat(apply(unicomChannel, create)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(apply(unicomChannel, create)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_DUPLICATE);
            assertThat(readInUnicom(id).path("content").asString()).isEqualTo("v1");
        }

        @Test
        void shouldSkipAReplayedOlderWrite() {
            long id = newPostId();
            long now = System.currentTimeMillis();
            PostWrite older = writeFromTelecom("o-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "old");
            PostWrite newer = writeFromTelecom("n-" + id, WriteKind.WRITE_KIND_UPDATE, id, version(now + 5), "new");
            assertThat(apply(unicomChannel, older)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(apply(unicomChannel, newer)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(apply(unicomChannel, older)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(readInUnicom(id).path("content").asString()).isEqualTo("new");
            // Also in the datacenter without the master: Redis alone decides there.
            assertThat(apply(telecomChannel, newer)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(apply(telecomChannel, older)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(json(call(telecom, "GET", "/api/posts/" + id, null)).path("content").asString())
                .isEqualTo("new");
        }

        @Test
        void shouldKeepATombstoneAgainstALateUpdate() {
            long id = newPostId();
            long now = System.currentTimeMillis();
            apply(unicomChannel, writeFromTelecom("c-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "x"));
            apply(unicomChannel, writeFromTelecom("d-" + id, WriteKind.WRITE_KIND_DELETE, id, version(now + 10), ""));
            PostWrite lateUpdate = writeFromTelecom("u-" + id, WriteKind.WRITE_KIND_UPDATE, id, version(now + 5),
                    "zombie");
            assertThat(apply(unicomChannel, lateUpdate)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(call(unicom, "GET", "/api/posts/" + id, null).statusCode()).isEqualTo(404);
            FetchResponse fetched = processor(unicomChannel).fetch(FetchRequest.newBuilder().setPostId(id).build());
            assertThat(fetched.getFound()).isTrue();
            assertThat(fetched.getState().getDeleted()).isTrue();
            assertThat(fetched.getState().getVersion()).isEqualTo(version(now + 10));
        }

        @Test
        void shouldMergeLikeCountersByMaximum() {
            long id = newPostId();
            long now = System.currentTimeMillis();
            apply(unicomChannel, writeFromTelecom("c-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "x"));
            PostWrite threeLikes = writeFromTelecom("l3-" + id, WriteKind.WRITE_KIND_LIKE, id, version(now), "x")
                .toBuilder().putLikes("telecom", 3).build();
            PostWrite twoLikes = threeLikes.toBuilder().setRequestId("l2-" + id).putLikes("telecom", 2).build();
            assertThat(apply(unicomChannel, threeLikes)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(apply(unicomChannel, threeLikes)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_DUPLICATE);
            assertThat(apply(unicomChannel, twoLikes)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(readInUnicom(id).path("likes").asLong()).isEqualTo(3);
            assertThat(call(unicom, "POST", "/api/posts/" + id + "/likes", null).statusCode()).isEqualTo(200);
            assertThat(readInUnicom(id).path("likes").asLong()).isEqualTo(4);
        }

    }

    @Nested
    class BadInput {

        @Test
        void shouldFailOnlyTheMalformedWriteOfABatch() {
            long id = newPostId();
            PostWrite good = writeFromTelecom("g-" + id, WriteKind.WRITE_KIND_CREATE, id,
                    version(System.currentTimeMillis()), "fine");
            PostWrite bad = good.toBuilder().setRequestId("b-" + id).setOriginDatacenter("mars").build();
            BatchAck ack = processor(unicomChannel).apply(WriteBatch.newBuilder().setBatchId(9).addWrites(bad)
                .addWrites(good).build());
            assertThat(ack.getBatchId()).isEqualTo(9);
            assertThat(ack.getResults(0).getOutcome()).isEqualTo(ApplyOutcome.APPLY_OUTCOME_FAILED);
            assertThat(ack.getResults(0).getDetail()).contains("origin_datacenter must be unicom or telecom");
            assertThat(ack.getResults(1).getOutcome()).isEqualTo(ApplyOutcome.APPLY_OUTCOME_OK);
        }

        @Test
        void shouldRefuseFetchOfANonPositiveId() {
            assertThatThrownBy(() -> processor(unicomChannel).fetch(FetchRequest.newBuilder().setPostId(0).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        ex -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThat(processor(unicomChannel).fetch(FetchRequest.newBuilder().setPostId(newPostId()).build())
                .getFound()).isFalse();
        }

    }

    private static List<ApplyOutcome> applyBatch(ManagedChannel channel, PostWrite... writes) {
        BatchAck ack = processor(channel).apply(WriteBatch.newBuilder().setBatchId(2).addAllWrites(List.of(writes))
            .build());
        return ack.getResultsList().stream().map(WriteResult::getOutcome).toList();
    }

    /**
     * Creates a post in unicom and updates it to "second", lets telecom's replica catch up, evicts the post from
     * telecom's cache, and returns a replay of the create: a write older than what the replica holds, arriving at a
     * cache that does not know the post.
     */
    private static PostWrite replayOfAnUpdatedCreateEvictedFromTelecom(JedisPooled telecomRedis) {
        long author = newAuthor();
        JsonNode created = createPost(unicom, author, "first");
        long id = created.path("id").asLong();
        assertThat(call(unicom, "PUT", "/api/posts/" + id, "{\"content\": \"second\"}").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "second".equals(telecomRedis.hget("wmb:post:" + id, "c")));
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            telecomRedis.del("wmb:post:" + id);
            return "second".equals(json(call(telecom, "GET", "/api/posts/" + id, null)).path("content").asString());
        });
        telecomRedis.del("wmb:post:" + id);
        return PostWrite.newBuilder().setRequestId("replay-" + id).setOriginDatacenter("unicom")
            .setKind(WriteKind.WRITE_KIND_CREATE).setPostId(id).setAuthorId(author).setContent("first")
            .setVersion(created.path("version").asLong()).setCreatedAtMs(1).setUpdatedAtMs(1).build();
    }

    @Nested
    class Batches {

        @Test
        void shouldApplyABatchInOrderInTheDatacenterWithoutTheMaster() {
            long first = newPostId();
            long second = newPostId();
            long now = System.currentTimeMillis();
            PostWrite create = writeFromTelecom("bc1-" + first, WriteKind.WRITE_KIND_CREATE, first, version(now), "v1")
                .toBuilder().setOriginDatacenter("unicom").build();
            PostWrite update = create.toBuilder().setRequestId("bu1-" + first).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now + 1)).setContent("v2").build();
            PostWrite older = create.toBuilder().setRequestId("bo1-" + first).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now) + 1).setContent("older").build();
            PostWrite other = writeFromTelecom("bc2-" + second, WriteKind.WRITE_KIND_CREATE, second, version(now),
                    "other").toBuilder().setOriginDatacenter("unicom").build();

            assertThat(applyBatch(telecomChannel, create, update, older, other)).containsExactly(
                    ApplyOutcome.APPLY_OUTCOME_OK, ApplyOutcome.APPLY_OUTCOME_OK,
                    ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED, ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(json(call(telecom, "GET", "/api/posts/" + first, null)).path("content").asString())
                .isEqualTo("v2");
            assertThat(json(call(telecom, "GET", "/api/posts/" + second, null)).path("content").asString())
                .isEqualTo("other");
            assertThat(applyBatch(telecomChannel, update, other)).containsExactly(
                    ApplyOutcome.APPLY_OUTCOME_DUPLICATE, ApplyOutcome.APPLY_OUTCOME_DUPLICATE);
        }

        @Test
        void shouldSkipAReplayedCreateInABatchWhenTheReplicaHoldsNewer() {
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM))) {
                PostWrite replay = replayOfAnUpdatedCreateEvictedFromTelecom(jedis);
                long id = replay.getPostId();
                long otherId = newPostId();
                PostWrite other = writeFromTelecom("bother-" + otherId, WriteKind.WRITE_KIND_CREATE, otherId,
                        version(System.currentTimeMillis()), "other").toBuilder().setOriginDatacenter("unicom")
                    .build();

                assertThat(applyBatch(telecomChannel, replay, other)).containsExactly(
                        ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED, ApplyOutcome.APPLY_OUTCOME_OK);
                assertThat(jedis.hget("wmb:post:" + id, "c")).isEqualTo("second");
                assertThat(jedis.hget("wmb:post:" + otherId, "c")).isEqualTo("other");
            }
        }

        @Test
        void shouldApplyABatchToTheDatabaseAndTheCacheInTheDatacenterWithTheMaster() {
            long id = newPostId();
            long now = System.currentTimeMillis();
            PostWrite create = writeFromTelecom("mc-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "v1");
            PostWrite update = create.toBuilder().setRequestId("mu-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now + 1)).setContent("v2").build();
            PostWrite older = create.toBuilder().setRequestId("mo-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now) + 1).setContent("older").build();

            assertThat(applyBatch(unicomChannel, create, update, older)).containsExactly(
                    ApplyOutcome.APPLY_OUTCOME_OK, ApplyOutcome.APPLY_OUTCOME_OK,
                    ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(readInUnicom(id).path("content").asString()).isEqualTo("v2");
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.UNICOM))) {
                assertThat(jedis.hget("wmb:post:" + id, "c")).isEqualTo("v2");
            }
        }

        @Test
        void shouldPutTheDatabasesNewerStateIntoTheCacheForTheStaleWritesOfABatch() {
            long id = newPostId();
            long other = newPostId();
            long now = System.currentTimeMillis();
            PostWrite create = writeFromTelecom("sc-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "v1");
            PostWrite update = create.toBuilder().setRequestId("su-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now + 1)).setContent("v2").build();
            assertThat(applyBatch(unicomChannel, create, update)).containsOnly(ApplyOutcome.APPLY_OUTCOME_OK);
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.UNICOM))) {
                // Gone from the cache (expired, evicted): a stale write of the post must bring back the database's
                // newer state, not its own.
                jedis.del("wmb:post:" + id);
                PostWrite older = create.toBuilder().setRequestId("so-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                    .setVersion(version(now) + 1).setContent("older").build();
                PostWrite another = writeFromTelecom("sa-" + other, WriteKind.WRITE_KIND_CREATE, other, version(now),
                        "another");

                assertThat(applyBatch(unicomChannel, older, another)).containsExactly(
                        ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED, ApplyOutcome.APPLY_OUTCOME_OK);
                assertThat(jedis.hget("wmb:post:" + id, "c")).isEqualTo("v2");
                assertThat(jedis.hget("wmb:post:" + other, "c")).isEqualTo("another");
            }
        }

        @Test
        void shouldStoreABatchAtTheMasterInAFewStatementsWhateverItsLength() {
            long now = System.currentTimeMillis();
            List<PostWrite> writes = new ArrayList<>();
            List<ApplyOutcome> again = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                long id = newPostId();
                PostWrite create = writeFromTelecom("lc-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "v1");
                writes.add(create);
                writes.add(create.toBuilder().setRequestId("lu-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                    .setVersion(version(now + 1)).setContent("v2").build());
                again.add(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
                again.add(ApplyOutcome.APPLY_OUTCOME_DUPLICATE);
            }
            PostWrite[] batch = writes.toArray(PostWrite[]::new);
            long insertsBefore = masterStatus("Com_insert");

            assertThat(applyBatch(unicomChannel, batch)).hasSize(200).containsOnly(ApplyOutcome.APPLY_OUTCOME_OK);
            // One statement per write before: 200.
            assertThat(masterStatus("Com_insert") - insertsBefore).isLessThanOrEqualTo(2);
            assertThat(readInUnicom(writes.get(199).getPostId()).path("content").asString()).isEqualTo("v2");
            assertThat(applyBatch(unicomChannel, batch)).containsExactlyElementsOf(again);
        }

        @Test
        void shouldMergeTheLikeCountersThatComeWithTheWritesOfABatchAtTheMaster() {
            long id = newPostId();
            long now = System.currentTimeMillis();
            PostWrite create = writeFromTelecom("kc-" + id, WriteKind.WRITE_KIND_CREATE, id, version(now), "v1");
            PostWrite update = create.toBuilder().setRequestId("ku-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now + 1)).setContent("v2").putLikes("telecom", 5).putLikes("unicom", 2).build();
            PostWrite older = create.toBuilder().setRequestId("ko-" + id).setKind(WriteKind.WRITE_KIND_UPDATE)
                .setVersion(version(now) + 1).setContent("older").putLikes("telecom", 3).putLikes("unicom", 4).build();

            assertThat(applyBatch(unicomChannel, create, update, older)).containsExactly(
                    ApplyOutcome.APPLY_OUTCOME_OK, ApplyOutcome.APPLY_OUTCOME_OK,
                    ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.UNICOM))) {
                // Read from the database, not the cache.
                jedis.del("wmb:post:" + id);
                JsonNode post = readInUnicom(id);
                assertThat(post.path("content").asString()).isEqualTo("v2");
                // Both datacenters' counters, each the highest the batch carried: 5 and 4.
                assertThat(post.path("likes").asLong()).isEqualTo(9);
            }
        }

    }

    @Nested
    class CacheFill {

        @Test
        void shouldNotLetAStaleCacheFillOverwriteANewerCachedValue() {
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM))) {
                PostCache cache = new PostCache(jedis, new ProcessorMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), Duration.ofHours(1));
                long id = newPostId();
                long now = System.currentTimeMillis();
                PostState newer = new PostState(id, 5, "newer", false, version(now + 1), now, now, Map.of());
                PostState fromLaggingReplica = new PostState(id, 5, "older", false, version(now), now, now,
                        Map.of("telecom", 0L));
                assertThat(cache.apply(newer, "telecom", Backing.CACHE_ONLY).content()).isEqualTo(StoreOutcome.APPLIED);
                assertThat(cache.apply(fromLaggingReplica, "", Backing.DATABASE).content()).isEqualTo(StoreOutcome.STALE);
                assertThat(cache.get(id)).hasValueSatisfying(post -> assertThat(post.content()).isEqualTo("newer"));
            }
        }

        @Test
        void shouldApplyAPipelinedBatchAfterRedisLostItsScripts() {
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM))) {
                PostCache cache = new PostCache(jedis, new ProcessorMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), Duration.ofHours(1));
                long id = newPostId();
                long now = System.currentTimeMillis();
                PostState first = new PostState(id, 5, "first", false, version(now), now, now, Map.of());
                PostState second = new PostState(id, 5, "second", false, version(now + 1), now, now, Map.of());
                assertThat(cache.apply(first, "telecom", Backing.CACHE_ONLY).content()).isEqualTo(StoreOutcome.APPLIED);
                jedis.scriptFlush();

                assertThat(cache.applyAll(List.of(first, second), List.of("telecom", "telecom"),
                        Backing.CACHE_ONLY))
                    .extracting(PostCache.CacheResult::content)
                    .containsExactly(StoreOutcome.DUPLICATE, StoreOutcome.APPLIED);
                assertThat(cache.get(id)).hasValueSatisfying(post -> assertThat(post.content()).isEqualTo("second"));
            }
        }

        @Test
        void shouldFillTheCacheFromTheReplicaAfterAMiss() {
            long author = newAuthor();
            long id = createPost(unicom, author, "replicated").path("id").asLong();
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> jedis.exists("wmb:post:" + id));
                // Evicted from telecom's cache: the next read goes to the replica and fills the cache again.
                jedis.del("wmb:post:" + id);
                JsonNode read = json(call(telecom, "GET", "/api/posts/" + id, null));
                assertThat(read.path("content").asString()).isEqualTo("replicated");
                assertThat(jedis.hget("wmb:post:" + id, "c")).isEqualTo("replicated");
            }
        }

        @Test
        void shouldNotLetAReplayedWriteIntoAnEmptyCacheWhenTheReplicaHoldsNewer() {
            try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM))) {
                PostWrite replay = replayOfAnUpdatedCreateEvictedFromTelecom(jedis);
                long id = replay.getPostId();
                assertThat(apply(telecomChannel, replay)).isEqualTo(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
                assertThat(jedis.hget("wmb:post:" + id, "c")).isEqualTo("second");
            }
        }

    }

}
