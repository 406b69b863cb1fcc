package io.wmb.reship.config;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.ProcessingLogSettings;
import io.wmb.processinglog.WriterId;
import io.wmb.reship.forward.CollectorClient;
import io.wmb.reship.forward.Forwarder;
import io.wmb.reship.forward.ForwarderHealthIndicator;
import io.wmb.reship.outbox.Outbox;
import io.wmb.reship.submit.ReshipGrpcService;
import io.wmb.reship.submit.WriteIntake;

import org.springframework.aot.AotDetector;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the reship: the outbox, the intake behind {@code Reship.Submit}, the forwarder to the peer's collector
 * (the gRPC transport, the default; {@link ReshipKafkaConfiguration} replaces it with {@code transport: kafka}).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ReshipProperties.class)
class ReshipConfiguration {

    ReshipConfiguration(ReshipProperties properties) {
        checkAheadOfTime(properties.transport(), AotDetector.useGeneratedArtifacts());
    }

    /**
     * The bean definitions Spring AOT generated at build time ({@code -Dspring.aot.enabled=true}) are those of the
     * default transport, whatever {@code wmb.reship.transport} says at run time: with Kafka they would start the gRPC
     * forwarder and no publisher, so such a start is refused.
     */
    private static void checkAheadOfTime(ReshipProperties.Transport transport, boolean aheadOfTime) {
        if (aheadOfTime && transport != ReshipProperties.Transport.GRPC) {
            throw new IllegalStateException("wmb.reship.transport=" + transport.name().toLowerCase(Locale.ROOT)
                    + " cannot start from the ahead-of-time bean definitions, which were generated for grpc: start"
                    + " without -Dspring.aot.enabled=true");
        }
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "close")
    Outbox outbox(ReshipProperties properties, MeterRegistry meterRegistry) {
        Outbox outbox = new Outbox(properties.dataDir().resolve("outbox"), properties.outbox().maxEntries(),
                properties.outbox().maxGroupCommitWrites());
        Gauge.builder("wmb.reship.outbox.depth", outbox, Outbox::depth)
            .description("Writes stored in the outbox and not yet acknowledged by the peer")
            .register(meterRegistry);
        Gauge.builder("wmb.reship.outbox.oldest.age", outbox,
                (box) -> box.oldest().map((entry) -> ageSeconds(entry.write().getAcceptedAtMs())).orElse(0.0))
            .description("Age of the oldest write not yet acknowledged by the peer")
            .baseUnit("seconds")
            .register(meterRegistry);
        FunctionCounter.builder("wmb.reship.outbox.commits", outbox, Outbox::commits)
            .description("Synced disk writes of the outbox (group commit puts many submits in one)")
            .register(meterRegistry);
        return outbox;
    }

    private static double ageSeconds(long acceptedAtMillis) {
        return Math.max(0, System.currentTimeMillis() - acceptedAtMillis) / 1000.0;
    }

    @Bean(destroyMethod = "close")
    ElasticsearchProcessingLog processingLog(ReshipProperties properties, MeterRegistry meterRegistry,
            Clock clock) {
        return new ElasticsearchProcessingLog(ProcessingLogSettings.defaults(
                properties.processingLog().elasticsearchUrl(), properties.dataDir().resolve("processing-log")),
                WriterId.of("reship", properties.datacenter()), meterRegistry, clock);
    }

    @ConditionalOnProperty(name = "wmb.reship.transport", havingValue = "grpc", matchIfMissing = true)
    @Bean(destroyMethod = "shutdownNow")
    ManagedChannel collectorChannel(ReshipProperties properties) {
        Duration keepAlive = properties.collector().keepAlive();
        return NettyChannelBuilder.forTarget(properties.collector().target())
            .usePlaintext()
            // Pings notice a link that drops packets silently; the collector permits this rate.
            .keepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS)
            .keepAliveTimeout(Math.max(1000, keepAlive.toMillis() / 2), TimeUnit.MILLISECONDS)
            .keepAliveWithoutCalls(true)
            // The forwarder's callbacks only post tasks to its own thread: no need to wake a pool thread first.
            .directExecutor()
            .build();
    }

    @ConditionalOnProperty(name = "wmb.reship.transport", havingValue = "grpc", matchIfMissing = true)
    @Bean
    CollectorClient collectorClient(ManagedChannel collectorChannel, ReshipProperties properties) {
        return new CollectorClient(collectorChannel, properties.datacenter(), properties.collector().secret());
    }

    @ConditionalOnProperty(name = "wmb.reship.transport", havingValue = "grpc", matchIfMissing = true)
    @Bean(initMethod = "start", destroyMethod = "close")
    Forwarder forwarder(Outbox outbox, CollectorClient collectorClient, ManagedChannel collectorChannel,
            ReshipProperties properties, ElasticsearchProcessingLog processingLog, MeterRegistry meterRegistry,
            Clock clock) {
        Forwarder forwarder = new Forwarder(outbox, collectorClient, properties.collector(), properties.datacenter(),
                processingLog, meterRegistry, clock, () -> resetBackoffIfDown(collectorChannel));
        whenReady(collectorChannel, forwarder::peerReachable);
        return forwarder;
    }

    /**
     * Runs {@code action} each time the channel becomes ready. A healed link lets through the connection the channel
     * was holding, and the forwarder need not wait out the rest of its backoff (up to {@code max-backoff}).
     */
    static void whenReady(ManagedChannel channel, Runnable action) {
        channel.notifyWhenStateChanged(channel.getState(false), () -> {
            if (channel.getState(false) == ConnectivityState.READY) {
                action.run();
            }
            if (!channel.isShutdown()) {
                whenReady(channel, action);
            }
        });
    }

    /**
     * The channel's own reconnect backoff grows to two minutes; the forwarder paces its attempts itself
     * (capped by maxBackoff), so each attempt may try the connection at once.
     */
    private static void resetBackoffIfDown(ManagedChannel channel) {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
    }

    @ConditionalOnProperty(name = "wmb.reship.transport", havingValue = "grpc", matchIfMissing = true)
    @Bean
    ForwarderHealthIndicator forwarderHealthIndicator(Forwarder forwarder, Outbox outbox,
            ManagedChannel collectorChannel) {
        return new ForwarderHealthIndicator(forwarder, outbox, collectorChannel);
    }

    @Bean
    WriteIntake writeIntake(Outbox outbox, ReshipProperties properties, MeterRegistry meterRegistry) {
        return new WriteIntake(outbox, properties.datacenter(), properties.grpc().maxBatchWrites(), meterRegistry);
    }

    @Bean
    GrpcServerLifecycle grpcServer(ReshipProperties properties, WriteIntake writeIntake) {
        return new GrpcServerLifecycle(GrpcServerLifecycle.builder(properties.grpc().address(),
                properties.grpc().port())
            // Submit only validates and queues the writes for the outbox's writer thread, which answers: run it
            // on the event loop that read the call rather than hand it to gRPC's default pool first.
            .directExecutor()
            .addService(new ReshipGrpcService(writeIntake)));
    }

}
