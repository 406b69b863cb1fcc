package io.wmb.collector.config;

import java.time.Clock;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.common.util.concurrent.MoreExecutors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.collector.apply.BatchApplier;
import io.wmb.collector.apply.ProcessorClient;
import io.wmb.collector.auth.PeerAuthInterceptor;
import io.wmb.collector.dedup.DeduplicationStore;
import io.wmb.collector.sync.CollectorGrpcService;
import io.wmb.proto.v1.CollectorGrpc;
import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.ProcessingLogSettings;
import io.wmb.processinglog.WriterId;

import org.springframework.aot.AotDetector;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the collector: authentication, de-duplication, the local processor, the gRPC server.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(CollectorProperties.class)
class CollectorConfiguration {

    CollectorConfiguration(CollectorProperties properties) {
        checkAheadOfTime(properties.transport(), AotDetector.useGeneratedArtifacts());
    }

    /**
     * The bean definitions Spring AOT generated at build time ({@code -Dspring.aot.enabled=true}) are those of the
     * default transport, whatever {@code wmb.collector.transport} says at run time: with Kafka nothing would consume
     * the peer's topic, so such a start is refused.
     */
    private static void checkAheadOfTime(CollectorProperties.Transport transport, boolean aheadOfTime) {
        if (aheadOfTime && transport != CollectorProperties.Transport.GRPC) {
            throw new IllegalStateException("wmb.collector.transport=" + transport.name().toLowerCase(Locale.ROOT)
                    + " cannot start from the ahead-of-time bean definitions, which were generated for grpc: start"
                    + " without -Dspring.aot.enabled=true");
        }
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    DeduplicationStore deduplicationStore(CollectorProperties properties) {
        return new DeduplicationStore(properties.dataDir().resolve("dedup"), properties.dedup().retention());
    }

    @Bean(destroyMethod = "close")
    ElasticsearchProcessingLog processingLog(CollectorProperties properties, MeterRegistry meterRegistry,
            Clock clock) {
        return new ElasticsearchProcessingLog(ProcessingLogSettings.defaults(
                properties.processingLog().elasticsearchUrl(), properties.dataDir().resolve("processing-log")),
                WriterId.of("collector", properties.datacenter()), meterRegistry, clock);
    }

    @Bean(destroyMethod = "shutdownNow")
    ManagedChannel processorChannel(CollectorProperties properties) {
        return NettyChannelBuilder.forTarget(properties.processor().target()).usePlaintext().build();
    }

    @Bean
    BatchApplier batchApplier(DeduplicationStore deduplicationStore, ManagedChannel processorChannel,
            ElasticsearchProcessingLog processingLog, CollectorProperties properties, Clock clock,
            MeterRegistry meterRegistry) {
        return new BatchApplier(deduplicationStore,
                new ProcessorClient(processorChannel, properties.processor().deadline()), processingLog,
                properties.datacenter(), properties.peer().datacenter(), clock, meterRegistry);
    }

    @Bean(destroyMethod = "")
    ExecutorService applyExecutor(CollectorProperties properties) {
        AtomicInteger threads = new AtomicInteger();
        return Executors.newFixedThreadPool(properties.grpc().applyThreads(), (task) -> {
            Thread thread = new Thread(task, "collector-apply-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Lets the batch being applied finish before the de-duplication store it uses is closed (a bean that
     * depends on both is destroyed before either).
     */
    @Bean
    DisposableBean applyExecutorShutdown(ExecutorService applyExecutor, DeduplicationStore deduplicationStore) {
        return () -> {
            applyExecutor.shutdown();
            if (!applyExecutor.awaitTermination(10, TimeUnit.SECONDS)) {
                applyExecutor.shutdownNow();
            }
        };
    }

    @Bean
    GrpcServerLifecycle grpcServer(CollectorProperties properties, BatchApplier batchApplier,
            ExecutorService applyExecutor, MeterRegistry meterRegistry) {
        CollectorGrpcService service = new CollectorGrpcService(batchApplier, applyExecutor,
                properties.grpc().syncBuffer(), properties.grpc().maxGroupWrites(), meterRegistry);
        PeerAuthInterceptor auth = new PeerAuthInterceptor(properties.peer().datacenter(), properties.peer().secret());
        return new GrpcServerLifecycle(GrpcServerLifecycle.builder(properties.grpc().address(), properties.grpc().port())
            // The peer's reship pings to notice a dead link; allow it.
            .permitKeepAliveTime(properties.grpc().permitKeepAlive().toMillis(), TimeUnit.MILLISECONDS)
            .permitKeepAliveWithoutCalls(true)
            .callExecutor(CollectorConfiguration::callExecutor)
            .addService(ServerInterceptors.intercept(service, auth)));
    }

    /**
     * Sync's handlers only queue the batches for the apply lane, so they run on the event loop that read them
     * rather than waking a thread of gRPC's default pool for each batch first. Deliver applies its batch before it
     * answers, so it keeps the pool (null).
     */
    private static <ReqT, RespT> Executor callExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
        return CollectorGrpc.getSyncMethod().getFullMethodName().equals(call.getMethodDescriptor().getFullMethodName())
                ? MoreExecutors.directExecutor() : null;
    }

}
