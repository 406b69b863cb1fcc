package io.wmb.reconciler.config;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.processinglog.ElasticsearchClients;
import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.ProcessingLogIndices;
import io.wmb.processinglog.ProcessingLogReader;
import io.wmb.processinglog.ProcessingLogSettings;
import io.wmb.processinglog.WriterId;
import io.wmb.reconciler.deadletter.DeadLetterRepository;
import io.wmb.reconciler.deadletter.DeadLetterService;
import io.wmb.reconciler.job.ProcessingLogRetention;
import io.wmb.reconciler.job.ReconcileJob;
import io.wmb.reconciler.job.ReconcilerMetrics;
import io.wmb.reconciler.lease.LeaseRepository;
import io.wmb.reconciler.redrive.ProcessorClient;
import io.wmb.reconciler.redrive.Redriver;
import io.wmb.reconciler.scan.Datacenters;
import io.wmb.reconciler.scan.ProcessingLogScanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the reconciler: Elasticsearch, the two processors' channels, the scan, the re-drive, the lease.
 */
@Configuration(proxyBeanMethods = false)
class ReconcilerConfiguration {

    private static final Logger logger = LoggerFactory.getLogger(ReconcilerConfiguration.class);

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(destroyMethod = "")
    ElasticsearchClient elasticsearchClient(ReconcilerProperties properties) {
        ElasticsearchClient client = ElasticsearchClients.create(properties.elasticsearchUrl());
        try {
            // RECONCILED records go to daily indices: the template must exist before the first one of a day.
            ProcessingLogIndices.ensureTemplate(client);
        }
        catch (RuntimeException ex) {
            logger.warn("Cannot put the processing-log template yet (the writers put it too): {}", ex.toString());
        }
        return client;
    }

    @Bean
    DisposableBean elasticsearchClientCloser(ElasticsearchClient client) {
        return () -> client._transport().close();
    }

    @Bean(destroyMethod = "close")
    ElasticsearchProcessingLog processingLog(ReconcilerProperties properties, MeterRegistry registry, Clock clock) {
        return new ElasticsearchProcessingLog(ProcessingLogSettings.defaults(properties.elasticsearchUrl(),
                Path.of(properties.spillDirectory())), WriterId.of("reconciler", properties.datacenter()), registry,
                clock);
    }

    @Bean
    ProcessorChannels processorChannels(ReconcilerProperties properties) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("wmb-datacenter", Metadata.ASCII_STRING_MARSHALLER), properties.datacenter());
        String secret = properties.processors().peerSecret();
        if (secret != null && !secret.isBlank()) {
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + secret);
        }
        ClientInterceptor identify = MetadataUtils.newAttachHeadersInterceptor(headers);
        return new ProcessorChannels(Map.of(
                Datacenters.UNICOM, channel(properties.processors().unicom(), identify),
                Datacenters.TELECOM, channel(properties.processors().telecom(), identify)));
    }

    private static ManagedChannel channel(String target, ClientInterceptor interceptor) {
        return ManagedChannelBuilder.forTarget(target).usePlaintext().intercept(interceptor).build();
    }

    @Bean
    Redriver redriver(ReconcilerProperties properties, ProcessorChannels channels,
            ElasticsearchProcessingLog processingLog, Clock clock) {
        Map<String, ProcessorClient> clients = Map.of(
                Datacenters.UNICOM, new ProcessorClient(Datacenters.UNICOM, channels.byDatacenter()
                        .get(Datacenters.UNICOM), properties.processors().deadline()),
                Datacenters.TELECOM, new ProcessorClient(Datacenters.TELECOM, channels.byDatacenter()
                        .get(Datacenters.TELECOM), properties.processors().deadline()));
        ReconcilerProperties.Retry retry = properties.retry();
        return new Redriver(clients, processingLog, clock,
                Redriver.retryPolicy(retry.maxRetries(), retry.delay(), retry.multiplier(), retry.maxDelay()));
    }

    @Bean
    ProcessingLogScanner processingLogScanner(ReconcilerProperties properties, ElasticsearchClient client) {
        ReconcilerProperties.Scan scan = properties.scan();
        return new ProcessingLogScanner(client, scan.bucketWidth(), scan.pageSize(), scan.parallelism(),
                scan.maxRequests());
    }

    @Bean
    LeaseRepository leaseRepository(ReconcilerProperties properties, ElasticsearchClient client, Clock clock) {
        String instanceId = (properties.instanceId() == null || properties.instanceId().isBlank())
                ? properties.datacenter() + "-" + UUID.randomUUID().toString().substring(0, 8)
                : properties.instanceId();
        return new LeaseRepository(client, properties.lease().name(), instanceId, properties.lease().duration(), clock);
    }

    @Bean
    DeadLetterRepository deadLetterRepository(ElasticsearchClient client) {
        return new DeadLetterRepository(client);
    }

    @Bean
    DeadLetterService deadLetterService(DeadLetterRepository repository, ProcessingLogScanner scanner,
            Redriver redriver, Clock clock) {
        return new DeadLetterService(repository, scanner, redriver, clock);
    }

    @Bean
    ReconcilerMetrics reconcilerMetrics(MeterRegistry registry) {
        return new ReconcilerMetrics(registry);
    }

    @Bean
    ReconcileJob reconcileJob(ReconcilerProperties properties, LeaseRepository leases, ProcessingLogScanner scanner,
            Redriver redriver, DeadLetterRepository deadLetters, ElasticsearchProcessingLog processingLog,
            ElasticsearchClient client, ReconcilerMetrics metrics, Clock clock) {
        return new ReconcileJob(properties.datacenter(), properties.scan(), leases, properties.lease().duration(),
                scanner, new ProcessingLogReader(client), redriver, deadLetters, processingLog,
                new ProcessingLogRetention(client, properties.retention(), clock), metrics, clock);
    }

    /**
     * The channels to both processors; shut down with the context.
     *
     * @param byDatacenter a channel per datacenter name
     */
    record ProcessorChannels(Map<String, ManagedChannel> byDatacenter) implements DisposableBean {

        @Override
        public void destroy() throws InterruptedException {
            for (ManagedChannel channel : this.byDatacenter.values()) {
                channel.shutdown();
            }
            for (ManagedChannel channel : this.byDatacenter.values()) {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            }
        }

    }

}
