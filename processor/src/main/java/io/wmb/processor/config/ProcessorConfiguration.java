package io.wmb.processor.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;

import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingLogSettings;
import io.wmb.processinglog.WriterId;
import io.wmb.processor.apply.GrpcServerLifecycle;
import io.wmb.processor.apply.ProcessorGrpcService;
import io.wmb.processor.apply.WriteApplier;
import io.wmb.processor.idempotency.IdempotencyStore;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.ops.MasterOwnership;
import io.wmb.processor.post.PostService;
import io.wmb.processor.post.PostValidator;
import io.wmb.processor.processinglog.ProcessingLogRecorder;
import io.wmb.processor.recovery.IntentRecovery;
import io.wmb.processor.recovery.WriteIntents;
import io.wmb.processor.reship.ReshipClient;
import io.wmb.processor.store.CacheConfirmation;
import io.wmb.processor.store.PostCache;
import io.wmb.processor.store.PostRepository;
import io.wmb.processor.store.PostStore;
import io.wmb.processor.topology.PeerCacheWriter;
import io.wmb.processor.topology.Topology;
import io.wmb.processor.topology.WriteTopology;
import io.wmb.processor.version.HybridLogicalClock;
import io.wmb.processor.version.NodeClaim;
import io.wmb.processor.version.PostIdGenerator;
import io.wmb.processor.version.RequestIds;
import redis.clients.jedis.Connection;
import redis.clients.jedis.JedisPooled;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Wires the processor: versions, stores, reship, processing log and gRPC server.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ProcessorProperties.class)
class ProcessorConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    HybridLogicalClock hybridLogicalClock(Clock clock, ProcessorProperties properties) {
        return new HybridLogicalClock(clock, properties.datacenterNumber());
    }

    @Bean(destroyMethod = "close")
    NodeClaim nodeClaim(JedisPooled jedis, ProcessorProperties properties) {
        ProcessorProperties.Node node = properties.node();
        String holder = (node.instanceId() == null || node.instanceId().isBlank())
                ? "processor-" + UUID.randomUUID() : node.instanceId();
        return NodeClaim.claim(jedis, properties.datacenter(), node.number(), holder, node.claimTtl());
    }

    @Bean
    PostIdGenerator postIdGenerator(Clock clock, ProcessorProperties properties, NodeClaim nodeClaim) {
        return new PostIdGenerator(clock, properties.datacenterNumber(), nodeClaim.node());
    }

    @Bean
    RequestIds requestIds(Clock clock, ProcessorProperties properties) {
        return new RequestIds(clock, properties.datacenter());
    }

    @Bean
    MasterOwnership masterOwnership(ProcessorProperties properties) {
        return new MasterOwnership(properties.ownsMaster());
    }

    /**
     * Schema changes run only where this datacenter owns the master at start-up; the replica gets them by
     * replication. Decided here at run time rather than with {@code spring.flyway.enabled}: that is a condition,
     * which a start from the ahead-of-time bean definitions ({@code -Dspring.aot.enabled=true}) takes as it was
     * when the jar was built, and would then migrate the replica too.
     */
    @Bean
    FlywayMigrationStrategy ownerOnlyMigration(ProcessorProperties properties) {
        return (flyway) -> {
            if (properties.ownsMaster()) {
                flyway.migrate();
            }
        };
    }

    @Bean(destroyMethod = "close")
    JedisPooled jedisPooled(ProcessorProperties properties) {
        return jedis(properties.redis().url(), properties.redis().maxConnections(), 4, properties.redis().timeout());
    }

    @Bean(destroyMethod = "close")
    WriteTopology writeTopology(ProcessorProperties properties, MasterOwnership ownership, ProcessorMetrics metrics,
            Clock clock) {
        PeerCacheWriter peerCache = null;
        if (properties.topology() == Topology.MASTER_SLAVE) {
            ProcessorProperties.PeerCache peer = properties.peerCache();
            // No idle connections kept: the slave's processor never uses them, and the master opens them on demand.
            peerCache = new PeerCacheWriter(jedis(peer.url(), 8, 0, peer.timeout()), metrics, clock, peer.retryAfter(),
                    properties.cache().ttl());
        }
        return new WriteTopology(properties.topology(), ownership, peerCache, properties.datacenter());
    }

    private static JedisPooled jedis(String redisUrl, int maxConnections, int minIdle, Duration timeout) {
        URI url = URI.create(redisUrl);
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMinIdle(Math.min(minIdle, maxConnections));
        pool.setMaxWait(timeout);
        pool.setJmxEnabled(false);
        return new JedisPooled(pool, url.getHost(), (url.getPort() < 0) ? 6379 : url.getPort(),
                (int) timeout.toMillis());
    }

    @Bean
    PostCache postCache(JedisPooled jedis, ProcessorMetrics metrics, Clock clock, ProcessorProperties properties) {
        return new PostCache(jedis, metrics, clock, properties.cache().ttl());
    }

    @Bean
    CacheConfirmation cacheConfirmation(PostStore store, PostCache cache, ProcessorMetrics metrics,
            ProcessorProperties properties) {
        return new CacheConfirmation(store, cache, metrics, properties.cache().confirmInterval(),
                properties.cache().confirmAge());
    }

    @Bean
    PostStore postStore(PostRepository repository, PostCache cache, MasterOwnership ownership,
            PlatformTransactionManager transactionManager) {
        return new PostStore(repository, cache, ownership, new TransactionTemplate(transactionManager));
    }

    @Bean
    IdempotencyStore idempotencyStore(JedisPooled jedis, ProcessorProperties properties) {
        return new IdempotencyStore(jedis, properties.idempotency().ttl());
    }

    @Bean(destroyMethod = "close")
    ProcessingLog processingLog(ProcessorProperties properties, MeterRegistry registry, Clock clock) {
        return new ElasticsearchProcessingLog(ProcessingLogSettings.defaults(
                properties.processingLog().elasticsearchUrl(), Path.of(properties.processingLog().spillDirectory())),
                WriterId.of("processor", properties.datacenter()), registry, clock);
    }

    @Bean
    ProcessingLogRecorder processingLogRecorder(ProcessingLog processingLog, ProcessorProperties properties,
            Clock clock) {
        return new ProcessingLogRecorder(processingLog, properties.datacenter(), clock);
    }

    @Bean(destroyMethod = "shutdownNow")
    ManagedChannel reshipChannel(ProcessorProperties properties) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(properties.reship().target())
            .usePlaintext()
            // ReshipClient's callbacks only complete futures: run them on the event loop that read the answer
            // rather than waking a thread of gRPC's default pool for each (one thread hand-off less per write).
            .directExecutor()
            .build();
        // Connect now rather than on the first write, so that the first write does not pay for the handshake.
        channel.getState(true);
        return channel;
    }

    @Bean(destroyMethod = "close")
    ReshipClient reshipClient(ManagedChannel reshipChannel, ProcessorProperties properties) {
        ProcessorProperties.Reship reship = properties.reship();
        return new ReshipClient(reshipChannel, reship.deadline(), reship.maxBatch(), reship.maxInFlight());
    }

    @Bean
    PostValidator postValidator(ProcessorProperties properties) {
        return new PostValidator(properties.api().maxContentLength());
    }

    @Bean
    WriteIntents writeIntents(JedisPooled jedis, ProcessorProperties properties, Clock clock) {
        return new WriteIntents(jedis, properties.datacenter(), clock);
    }

    @Bean
    PostService postService(PostStore store, HybridLogicalClock versions, PostIdGenerator ids, ReshipClient reship,
            ProcessingLogRecorder processingLog, WriteIntents intents, ProcessorMetrics metrics, Clock clock,
            ProcessorProperties properties, WriteTopology topology) {
        return new PostService(store, versions, ids, reship, processingLog, intents, metrics, clock,
                properties.datacenter(), topology);
    }

    @Bean
    IntentRecovery intentRecovery(WriteIntents intents, PostService posts, ReshipClient reship,
            ProcessorProperties properties) {
        IntentRecovery recovery = new IntentRecovery(intents, posts, properties.recovery().interval(),
                properties.recovery().grace());
        reship.onReachableAgain(recovery::requestPass);
        return recovery;
    }

    @Bean
    WriteApplier writeApplier(PostStore store, HybridLogicalClock versions, ProcessingLogRecorder processingLog,
            ProcessorMetrics metrics, ProcessorProperties properties) {
        return new WriteApplier(store, versions, processingLog, metrics, properties.datacenter());
    }

    @Bean
    GrpcServerLifecycle grpcServerLifecycle(WriteApplier applier, ProcessorProperties properties) {
        return new GrpcServerLifecycle(properties.grpc().port(),
                (int) properties.grpc().maxInboundMessageSize().toBytes(),
                new ProcessorGrpcService(applier, properties.datacenter()));
    }

    @Bean
    HealthIndicator redisHealthIndicator(PostCache cache, ProcessorProperties properties) {
        return () -> {
            try {
                return Health.up().withDetail("reply", cache.ping()).withDetail("url", properties.redis().url())
                    .build();
            }
            catch (RuntimeException ex) {
                return Health.down(ex).withDetail("url", properties.redis().url()).build();
            }
        };
    }

}
