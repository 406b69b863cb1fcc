package io.wmb.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.infra.Datacenter;
import io.wmb.infra.LinkSimulator;
import io.wmb.processor.TwoDatacenters.Processor;
import io.wmb.processor.apply.GrpcServerLifecycle;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostCache;
import redis.clients.jedis.JedisPooled;
import tools.jackson.databind.JsonNode;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Master-slave mode on the real servers: a master processor (unicom) and a slave processor (telecom), both with
 * {@code wmb.processor.topology=master-slave}. The master reaches telecom's Redis, and its stand-in reship reaches the
 * slave's {@code Apply}, through a link simulator of this test's own, so that cutting it touches nothing else.
 */
class MasterSlaveIntegrationTests extends IntegrationTestSupport {

    private static LinkSimulator link;

    private static Processor master;

    private static Processor slave;

    private static JedisPooled telecomRedis;

    @BeforeAll
    static void startMasterSlavePair() throws IOException {
        link = new LinkSimulator();
        int telecomRedisPort = URI.create(datacenters.infrastructure.redisUrl(Datacenter.TELECOM)).getPort();
        int peerRedis = link.open("master-slave-tests-redis-telecom", telecomRedisPort);
        slave = start(Datacenter.TELECOM, false, "redis://127.0.0.1:1");
        master = start(Datacenter.UNICOM, true, "redis://127.0.0.1:" + peerRedis);
        // The durable path: what the master hands to reship reaches the slave's Apply across the same link.
        master.reship().forwardTo(link.open("master-slave-tests-apply-telecom", slave.grpcPort()));
        telecomRedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.TELECOM));
    }

    @AfterAll
    static void stopMasterSlavePair() throws InterruptedException {
        telecomRedis.close();
        for (Processor processor : new Processor[] { master, slave }) {
            processor.context().close();
            processor.reship().close();
        }
        link.close();
    }

    @Nested
    class WritesAtTheMaster {

        @Test
        void shouldUpdateTheSlaveCacheBeforeAnswering() {
            JsonNode created = createPost(master, newAuthor(), "written once, cached twice");
            long id = created.path("id").asLong();

            // No waiting: the master wrote telecom's cache before it answered.
            assertThat(telecomRedis.hget("wmb:post:" + id, "v")).isEqualTo(created.path("version").asString());
            assertThat(telecomRedis.hget("wmb:post:" + id, "c")).isEqualTo("written once, cached twice");
            JsonNode read = json(call(slave, "GET", "/api/posts/" + id, null));
            assertThat(read.path("content").asString()).isEqualTo("written once, cached twice");
        }

        @Test
        void shouldCountLikesInTheSlaveCacheBeforeAnswering() {
            long id = createPost(master, newAuthor(), "like me").path("id").asLong();

            for (int i = 0; i < 3; i++) {
                assertThat(call(master, "POST", "/api/posts/" + id + "/likes", null).statusCode()).isEqualTo(200);
            }

            assertThat(json(call(slave, "GET", "/api/posts/" + id, null)).path("likes").asLong()).isEqualTo(3);
        }

        @Test
        void shouldNeverOverwriteANewerVersionInTheSlaveCache() {
            JsonNode created = createPost(master, newAuthor(), "first");
            long id = created.path("id").asLong();
            long now = System.currentTimeMillis();
            // Telecom's cache already holds a version far newer than anything the master will stamp next.
            PostState newer = new PostState(id, created.path("authorId").asLong(), "newer in telecom", false,
                    created.path("version").asLong() + (1L << 40), now, now, Map.of());
            new PostCache(telecomRedis, new ProcessorMetrics(new SimpleMeterRegistry()), Clock.systemUTC(),
                    Duration.ofHours(1)).apply(newer, "unicom", PostCache.Backing.CACHE_ONLY);

            assertThat(call(master, "PUT", "/api/posts/" + id, "{\"content\": \"older edit\"}").statusCode())
                .isEqualTo(200);

            assertThat(telecomRedis.hget("wmb:post:" + id, "c")).isEqualTo("newer in telecom");
        }

    }

    @Nested
    class LinkCut {

        @Test
        void shouldAcknowledgeWritesAtTheMasterAndDeliverThemToTheSlaveCacheAfterTheHeal() {
            long id = createPost(master, newAuthor(), "before the cut").path("id").asLong();
            link.cut();
            HttpResponse<String> edited;
            long started = System.nanoTime();
            try {
                edited = call(master, "PUT", "/api/posts/" + id, "{\"content\": \"during the cut\"}");

                assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
                assertThat(telecomRedis.hget("wmb:post:" + id, "c")).isEqualTo("before the cut");
                assertThat(json(call(master, "GET", "/ops/topology", null)).path("peerCacheReachable").asBoolean())
                    .isFalse();
            }
            finally {
                link.heal();
            }

            // Reship's copy of the write crosses once the link is back; nothing waits for the next write.
            await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(telecomRedis.hget("wmb:post:" + id, "c")).isEqualTo("during the cut"));
            assertThat(telecomRedis.hget("wmb:post:" + id, "v")).isEqualTo(json(edited).path("version").asString());
            // And the master writes telecom's cache directly again.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                long next = createPost(master, newAuthor(), "after the heal").path("id").asLong();
                assertThat(telecomRedis.hget("wmb:post:" + next, "c")).isEqualTo("after the heal");
            });
            assertThat(json(call(master, "GET", "/ops/topology", null)).path("peerCacheReachable").asBoolean())
                .isTrue();
        }

    }

    @Nested
    class WritesAtTheSlave {

        @Test
        void shouldRefuseAWriteWithAProblemAndWriteNothing() {
            long author = newAuthor();

            HttpResponse<String> refused = call(slave, "POST", "/api/posts",
                    "{\"authorId\": " + author + ", \"content\": \"south\"}");

            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(json(refused).path("detail").asString()).contains("master-slave");
            assertThat(rowsOfAuthor(author)).isZero();
            assertThat(slave.reship().received()).isEmpty();
        }

        @Test
        void shouldRefuseEditsLikesAndDeletesButServeReads() {
            long id = createPost(master, newAuthor(), "read me in the south").path("id").asLong();

            assertThat(call(slave, "PUT", "/api/posts/" + id, "{\"content\": \"x\"}").statusCode()).isEqualTo(503);
            assertThat(call(slave, "POST", "/api/posts/" + id + "/likes", null).statusCode()).isEqualTo(503);
            assertThat(call(slave, "DELETE", "/api/posts/" + id, null).statusCode()).isEqualTo(503);

            HttpResponse<String> read = call(slave, "GET", "/api/posts/" + id, null);
            assertThat(read.statusCode()).isEqualTo(200);
            assertThat(json(read).path("content").asString()).isEqualTo("read me in the south");
        }

    }

    @Nested
    class Topology {

        @Test
        void shouldTellWhichDatacenterTakesWrites() {
            assertThat(json(call(master, "GET", "/ops/topology", null)).path("acceptsWrites").asBoolean()).isTrue();
            JsonNode slaveView = json(call(slave, "GET", "/ops/topology", null));
            assertThat(slaveView.path("topology").asString()).isEqualTo("master-slave");
            assertThat(slaveView.path("acceptsWrites").asBoolean()).isFalse();
            JsonNode independent = json(call(telecom, "GET", "/ops/topology", null));
            assertThat(independent.path("topology").asString()).isEqualTo("independent");
            assertThat(independent.path("acceptsWrites").asBoolean()).isTrue();
        }

    }

    private static Processor start(Datacenter dc, boolean ownsMaster, String peerRedisUrl) throws IOException {
        TestReship reship = new TestReship();
        Path spill = Files.createTempDirectory(Path.of("target"), "spill-master-slave-" + dc.id() + "-");
        Map<String, Object> properties = new HashMap<>();
        properties.put("server.port", 0);
        properties.put("wmb.processor.grpc.port", 0);
        properties.put("wmb.processor.datacenter", dc.id());
        properties.put("wmb.processor.owns-master", ownsMaster);
        properties.put("wmb.processor.topology", "master-slave");
        properties.put("wmb.processor.peer-cache.url", peerRedisUrl);
        // Short, so that the test sees the direct path come back soon after a heal.
        properties.put("wmb.processor.peer-cache.retry-after", "200ms");
        // The schema is there already: the independent pair's unicom processor migrated it.
        properties.put("spring.flyway.enabled", false);
        properties.put("spring.datasource.url", datacenters.infrastructure.mysqlUrl(dc));
        properties.put("spring.datasource.username", datacenters.infrastructure.mysqlUser());
        properties.put("spring.datasource.password", datacenters.infrastructure.mysqlPassword());
        properties.put("spring.datasource.hikari.maximum-pool-size", 4);
        properties.put("wmb.processor.redis.url", datacenters.infrastructure.redisUrl(dc));
        // A second processor in each datacenter: the independent pair's hold node 0.
        properties.put("wmb.processor.node.number", 1);
        properties.put("wmb.processor.reship.target", "127.0.0.1:" + reship.port());
        properties.put("wmb.processor.processing-log.elasticsearch-url", datacenters.infrastructure.elasticsearchUrl());
        properties.put("wmb.processor.processing-log.spill-directory", spill.toAbsolutePath().toString());
        String[] args = properties.entrySet().stream()
            .map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
            .toArray(String[]::new);
        try {
            ConfigurableApplicationContext context = new SpringApplicationBuilder(ProcessorApplication.class).run(args);
            int httpPort = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
            return new Processor(dc, context, httpPort, context.getBean(GrpcServerLifecycle.class).port(), reship);
        }
        catch (RuntimeException ex) {
            try {
                reship.close();
            }
            catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new UncheckedIOException(new IOException("could not start " + dc.id() + " in master-slave mode", ex));
        }
    }

}
