package io.wmb.collector.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.collector.support.Writes;
import io.wmb.infra.Datacenter;
import io.wmb.infra.Infrastructure;
import io.wmb.infra.KafkaServers;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;
import io.wmb.reship.ReshipApplication;
import io.wmb.reship.config.GrpcServerLifecycle;
import io.wmb.reship.kafka.KafkaTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The message-queue transport on real brokers: telecom's real reship publishes to telecom's Kafka broker, its bridge
 * moves the writes through the simulated inter-datacenter link into unicom's broker, and unicom's real collector
 * consumes them into a newest-version-wins processor. The same checks as the gRPC transport's
 * {@link SyncIntegrationTests}.
 */
class KafkaTransportIntegrationTests {

    private static KafkaServers kafka;

    private static CollectorFixture unicom;

    private static ConfigurableApplicationContext reship;

    private static ManagedChannel reshipChannel;

    private static ProcessingLogQueries processingLog;

    @BeforeAll
    static void start() {
        kafka = Infrastructure.shared().kafka();
        unicom = new CollectorFixture("kafka", "--wmb.collector.transport=kafka",
                "--wmb.collector.kafka.bootstrap-servers=" + kafka.bootstrapServers(Datacenter.UNICOM),
                "--wmb.collector.kafka.max-backoff=500ms");
        reship = new SpringApplicationBuilder(ReshipApplication.class).run(
                "--server.port=0",
                "--wmb.reship.datacenter=telecom",
                "--wmb.reship.data-dir=" + unicom.dataDir.resolve("reship-telecom"),
                "--wmb.reship.grpc.port=0",
                "--wmb.reship.transport=kafka",
                "--wmb.reship.kafka.bootstrap-servers=" + kafka.bootstrapServers(Datacenter.TELECOM),
                // Unicom's broker as telecom reaches it: through the link.
                "--wmb.reship.kafka.peer-bootstrap-servers=" + kafka.peerBootstrapServers(Datacenter.UNICOM),
                "--wmb.reship.kafka.peer-delivery-timeout=3s",
                "--wmb.reship.kafka.max-backoff=500ms",
                "--wmb.reship.processing-log.elasticsearch-url=" + unicom.infrastructure.elasticsearchUrl());
        reshipChannel = NettyChannelBuilder.forAddress("127.0.0.1", reship.getBean(GrpcServerLifecycle.class).getPort())
            .usePlaintext()
            .build();
        processingLog = new ProcessingLogQueries(unicom.infrastructure.elasticsearchUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        unicom.infrastructure.link().heal();
        reshipChannel.shutdownNow();
        reship.close();
        unicom.close();
    }

    @Test
    void shouldApplyAWriteInThePeerDatacenterWithinSecondsAndRecordItsStages() {
        PostWrite write = Writes.updateInTelecom(SyncIntegrationTests.newPostId(), 10);

        submit(write);

        await().atMost(Duration.ofSeconds(10)).until(() -> write.equals(unicom.processor.post(write.getPostId())));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(processingLog.count(write.getRequestId(), "telecom", "RESHIPPED", "OK")).isEqualTo(1);
            assertThat(processingLog.count(write.getRequestId(), "unicom", "COLLECTED", "OK")).isEqualTo(1);
        });
    }

    @Test
    void shouldDeliverEveryWriteInPerPostOrderWhenTheLinkIsCutUnderContinuousWritesAndHealed() throws Exception {
        long firstPost = SyncIntegrationTests.newPostId();
        List<PostWrite> submitted = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> writing = writer.submit(() -> {
            long version = 1;
            while (!stop.get()) {
                PostWrite write = Writes.updateInTelecom(firstPost + (version % 5), version++);
                submit(write);
                synchronized (submitted) {
                    submitted.add(write);
                }
                // Paces the load: about 500 writes/s from this client.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        });
        long bridgeFailuresBefore = bridgeFailures();
        try {
            // Generous deadlines: every Submit waits for an fsync, slow on a loaded machine.
            await().atMost(Duration.ofSeconds(60)).until(() -> sizeOf(submitted) >= 150);
            unicom.infrastructure.link().cut();
            int atCut = sizeOf(submitted);
            // Reship keeps accepting while the peer is unreachable; the backlog waits in telecom's topic.
            await().atMost(Duration.ofSeconds(60)).until(() -> sizeOf(submitted) >= atCut + 300);
            await().atMost(Duration.ofSeconds(30)).until(() -> bridgeFailures() > bridgeFailuresBefore);
            // The backlog waits in telecom's topic, not in reship's outbox.
            await().atMost(Duration.ofSeconds(30)).until(() -> reship.getBean(MeterRegistry.class)
                .get("wmb.reship.kafka.bridge.backlog").gauge().value() > 0);
            unicom.infrastructure.link().heal();
            int atHeal = sizeOf(submitted);
            await().atMost(Duration.ofSeconds(60)).until(() -> sizeOf(submitted) >= atHeal + 150);
        }
        finally {
            unicom.infrastructure.link().heal();
            stop.set(true);
            writing.get(30, TimeUnit.SECONDS);
            writer.shutdown();
        }

        List<PostWrite> all;
        synchronized (submitted) {
            all = List.copyOf(submitted);
        }
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(
                SyncIntegrationTests.requestIds(unicom.processor.handed())).containsAll(
                        SyncIntegrationTests.requestIds(all)));
        SyncIntegrationTests.assertPerPostOrder(unicom.processor.handed(), firstPost);
        Map<Long, PostWrite> newest = new HashMap<>();
        all.forEach((write) -> newest.put(write.getPostId(), write));
        newest.forEach((postId, write) -> assertThat(unicom.processor.post(postId)).isEqualTo(write));
    }

    @Test
    void shouldShowTheTransportOnTheManagementPorts() throws Exception {
        PostWrite write = Writes.updateInTelecom(SyncIntegrationTests.newPostId(), 10);
        submit(write);
        await().atMost(Duration.ofSeconds(10)).until(() -> write.equals(unicom.processor.post(write.getPostId())));
        HttpClient http = HttpClient.newHttpClient();

        String reshipHealth = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + reship.getEnvironment().getProperty("local.server.port") + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String collectorHealth = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + unicom.managementPort() + "/actuator/health")).build(), HttpResponse.BodyHandlers.ofString()).body();

        assertThat(reshipHealth).contains("\"kafkaTransport\"", "\"transport\":\"kafka\"", "\"lastBridgedAt\":\"20")
            .doesNotContain("\"forwarder\"");
        assertThat(collectorHealth).contains("\"inboundConsumer\"", "\"topic\":\"wmb-inbound-telecom\"",
                "\"lastAppliedAt\":\"20");
    }

    /** Records put straight into unicom's inbound topic, as a bridge that retried (or a replay) would. */
    @Nested
    class InjectedRecords {

        @Test
        void shouldApplyOnceAWriteDeliveredTwice() throws Exception {
            PostWrite write = Writes.updateInTelecom(SyncIntegrationTests.newPostId(), 10);

            produceIntoUnicom(write, write);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    processingLog.count(write.getRequestId(), "unicom", "COLLECTED", "DUPLICATE")).isEqualTo(1));
            assertThat(unicom.processor.handed()).filteredOn((handed) -> handed.equals(write)).hasSize(1);
            assertThat(unicom.processor.post(write.getPostId())).isEqualTo(write);
        }

        @Test
        void shouldKeepTheNewerVersionWhenAnOlderWriteArrivesLate() throws Exception {
            long postId = SyncIntegrationTests.newPostId();
            PostWrite older = Writes.updateInTelecom(postId, 10);
            PostWrite newer = Writes.updateInTelecom(postId, 20);
            double staleBefore = staleSkipped();

            produceIntoUnicom(newer, older);

            await().atMost(Duration.ofSeconds(30)).until(() -> unicom.processor.handed().contains(older));
            assertThat(unicom.processor.post(postId)).isEqualTo(newer);
            assertThat(staleSkipped()).isEqualTo(staleBefore + 1);
        }

        private void produceIntoUnicom(PostWrite... writes) throws Exception {
            try (KafkaProducer<Long, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(Datacenter.UNICOM),
                    ProducerConfig.ACKS_CONFIG, "all"), new LongSerializer(), new ByteArraySerializer())) {
                for (PostWrite write : writes) {
                    producer.send(new ProducerRecord<>(KafkaTopics.inbound("telecom"), write.getPostId(),
                            write.toByteArray())).get(10, TimeUnit.SECONDS);
                }
            }
        }

        private double staleSkipped() {
            return unicom.meterRegistry().counter("wmb.collector.writes", "outcome", "stale_skipped").count();
        }

    }

    private static long bridgeFailures() {
        return (long) reship.getBean(MeterRegistry.class)
            .counter("wmb.reship.kafka.bridge.failures").count();
    }

    private static void submit(PostWrite write) {
        BatchAck ack = ReshipGrpc.newBlockingStub(reshipChannel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .submit(WriteBatch.newBuilder().addWrites(write).build());
        assertThat(ack.getResultsList()).extracting(WriteResult::getOutcome)
            .containsOnly(ApplyOutcome.APPLY_OUTCOME_OK);
    }

    private static int sizeOf(List<PostWrite> list) {
        synchronized (list) {
            return list.size();
        }
    }

}
