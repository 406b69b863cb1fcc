package io.wmb.collector.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wmb.collector.support.Writes;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;
import io.wmb.reship.ReshipApplication;
import io.wmb.reship.config.GrpcServerLifecycle;
import io.wmb.reship.forward.CollectorClient;
import io.wmb.reship.forward.PeerUnavailableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Telecom's real reship streams to unicom's real collector through the simulated inter-datacenter link;
 * unicom's processor is a newest-version-wins map. Elasticsearch holds the processing log.
 */
class SyncIntegrationTests {

    private static CollectorFixture unicom;

    private static ConfigurableApplicationContext reship;

    private static ManagedChannel reshipChannel;

    private static ManagedChannel collectorChannel;

    private static ProcessingLogQueries processingLog;

    @BeforeAll
    static void start() {
        unicom = new CollectorFixture("sync");
        reship = startReship(unicom);
        reshipChannel = NettyChannelBuilder.forAddress("127.0.0.1", reship.getBean(GrpcServerLifecycle.class).getPort())
            .usePlaintext()
            .build();
        collectorChannel = NettyChannelBuilder.forAddress("127.0.0.1", unicom.linkPort).usePlaintext().build();
        processingLog = new ProcessingLogQueries(unicom.infrastructure.elasticsearchUrl());
    }

    static ConfigurableApplicationContext startReship(CollectorFixture collector) {
        return startReship(collector.dataDir.resolve("reship-telecom"), collector.linkPort,
                collector.infrastructure.elasticsearchUrl());
    }

    /** Telecom's reship, in this JVM, streaming to the collector behind a link port. */
    static ConfigurableApplicationContext startReship(Path dataDir, int linkPort, String elasticsearchUrl) {
        return new SpringApplicationBuilder(ReshipApplication.class).run(
                "--server.port=0",
                "--wmb.reship.datacenter=telecom",
                "--wmb.reship.data-dir=" + dataDir,
                "--wmb.reship.grpc.port=0",
                "--wmb.reship.collector.target=127.0.0.1:" + linkPort,
                "--wmb.reship.collector.secret=" + CollectorFixture.SECRET,
                "--wmb.reship.collector.ack-timeout=2s",
                "--wmb.reship.collector.max-backoff=500ms",
                "--wmb.reship.processing-log.elasticsearch-url=" + elasticsearchUrl);
    }

    @AfterAll
    static void stop() throws Exception {
        unicom.infrastructure.link().heal();
        reshipChannel.shutdownNow();
        collectorChannel.shutdownNow();
        reship.close();
        unicom.close();
    }

    @Test
    void shouldApplyAWriteInThePeerDatacenterWithinASecondAndRecordItsStages() {
        PostWrite write = Writes.updateInTelecom(newPostId(), 10);

        submit(List.of(write));

        await().atMost(Duration.ofSeconds(1)).until(() -> write.equals(unicom.processor.post(write.getPostId())));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(processingLog.count(write.getRequestId(), "telecom", "RESHIPPED", "OK")).isEqualTo(1);
            assertThat(processingLog.count(write.getRequestId(), "unicom", "COLLECTED", "OK")).isEqualTo(1);
        });
    }

    @Test
    void shouldDeliverEveryWriteInPerPostOrderWhenTheLinkIsCutUnderContinuousWritesAndHealed() throws Exception {
        long firstPost = newPostId();
        List<PostWrite> submitted = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        Future<?> writing = writer.submit(() -> {
            long version = 1;
            while (!stop.get()) {
                PostWrite write = Writes.updateInTelecom(firstPost + (version % 5), version++);
                submit(List.of(write));
                synchronized (submitted) {
                    submitted.add(write);
                }
                // Paces the load: about 500 writes/s from this client.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
            }
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> sizeOf(submitted) >= 300);
            unicom.infrastructure.link().cut();
            int atCut = sizeOf(submitted);
            // Reship keeps accepting while the peer is unreachable.
            await().atMost(Duration.ofSeconds(30)).until(() -> sizeOf(submitted) >= atCut + 500);
            unicom.infrastructure.link().heal();
            int atHeal = sizeOf(submitted);
            await().atMost(Duration.ofSeconds(30)).until(() -> sizeOf(submitted) >= atHeal + 300);
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
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(requestIds(unicom.processor.handed()))
            .containsAll(requestIds(all)));
        assertPerPostOrder(unicom.processor.handed(), firstPost);
        Map<Long, PostWrite> newest = new HashMap<>();
        all.forEach((write) -> newest.put(write.getPostId(), write));
        newest.forEach((postId, write) -> assertThat(unicom.processor.post(postId)).isEqualTo(write));
    }

    @Test
    void shouldShowTheForwardingAndTheReplicationLagOnTheManagementPort() throws Exception {
        PostWrite write = Writes.updateInTelecom(newPostId(), 10);
        submit(List.of(write));
        await().atMost(Duration.ofSeconds(5)).until(() -> write.equals(unicom.processor.post(write.getPostId())));
        HttpClient http = HttpClient.newHttpClient();

        String health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + reship.getEnvironment().getProperty("local.server.port") + "/actuator/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        String prometheus = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + unicom.managementPort()
                + "/actuator/prometheus")).build(), HttpResponse.BodyHandlers.ofString()).body();

        assertThat(health).contains("\"forwarder\"", "\"connection\":\"READY\"", "\"streamOpen\":true",
                "\"lastAcknowledgedAt\":\"20");
        assertThat(prometheus).contains("wmb_collector_replication_lag_seconds_bucket",
                "wmb_collector_writes_total{", "outcome=\"ok\"");
    }

    @Nested
    class InjectedDeliveries {

        private final CollectorClient peer = new CollectorClient(collectorChannel, "telecom", CollectorFixture.SECRET);

        @Test
        void shouldAnswerDuplicateForADeliveredWriteAndRecordIt() {
            PostWrite write = Writes.updateInTelecom(newPostId(), 10);

            BatchAck first = this.peer.deliver(batchOf(write), Duration.ofSeconds(5));
            BatchAck again = this.peer.deliver(batchOf(write), Duration.ofSeconds(5));

            assertThat(outcomes(first)).containsExactly(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(outcomes(again)).containsExactly(ApplyOutcome.APPLY_OUTCOME_DUPLICATE);
            assertThat(unicom.processor.handed()).filteredOn((handed) -> handed.equals(write)).hasSize(1);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    processingLog.count(write.getRequestId(), "unicom", "COLLECTED", "DUPLICATE")).isEqualTo(1));
        }

        @Test
        void shouldKeepTheNewerVersionWhenAnOlderWriteArrivesLate() {
            long postId = newPostId();
            PostWrite older = Writes.updateInTelecom(postId, 10);
            PostWrite newer = Writes.updateInTelecom(postId, 20);

            this.peer.deliver(batchOf(newer), Duration.ofSeconds(5));
            BatchAck late = this.peer.deliver(batchOf(older), Duration.ofSeconds(5));

            assertThat(outcomes(late)).containsExactly(ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(unicom.processor.post(postId)).isEqualTo(newer);
        }

        @Test
        void shouldRefuseAClientWithTheWrongSecret() {
            CollectorClient intruder = new CollectorClient(collectorChannel, "telecom", "guessed-secret");
            PostWrite write = Writes.updateInTelecom(newPostId(), 10);

            assertRefused(() -> intruder.deliver(batchOf(write), Duration.ofSeconds(5)), Status.Code.UNAUTHENTICATED);
            assertThat(unicom.processor.handed()).doesNotContain(write);
        }

        @Test
        void shouldRefuseADatacenterThatIsNotThePeer() {
            CollectorClient itself = new CollectorClient(collectorChannel, "unicom", CollectorFixture.SECRET);
            PostWrite write = Writes.updateInTelecom(newPostId(), 10);

            assertRefused(() -> itself.deliver(batchOf(write), Duration.ofSeconds(5)), Status.Code.PERMISSION_DENIED);
            assertThat(unicom.processor.handed()).doesNotContain(write);
        }

        private void assertRefused(Runnable call, Status.Code code) {
            assertThatThrownBy(call::run).isInstanceOfSatisfying(PeerUnavailableException.class,
                    (ex) -> assertThat(((StatusRuntimeException) ex.getCause()).getStatus().getCode()).isEqualTo(code));
        }

    }

    /** Each post's writes reached the processor for the first time in version order: no reordering. */
    static void assertPerPostOrder(List<PostWrite> handed, long firstPost) {
        Set<String> seen = new HashSet<>();
        Map<Long, Long> lastVersion = new HashMap<>();
        for (PostWrite write : handed) {
            if (write.getPostId() < firstPost || write.getPostId() > firstPost + 5 || !seen.add(write.getRequestId())) {
                continue;
            }
            long previous = lastVersion.getOrDefault(write.getPostId(), 0L);
            assertThat(write.getVersion()).as("version of post %d after %d", write.getPostId(), previous)
                .isGreaterThan(previous);
            lastVersion.put(write.getPostId(), write.getVersion());
        }
    }

    private static void submit(List<PostWrite> writes) {
        BatchAck ack = ReshipGrpc.newBlockingStub(reshipChannel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .submit(WriteBatch.newBuilder().addAllWrites(writes).build());
        assertThat(outcomes(ack)).containsOnly(ApplyOutcome.APPLY_OUTCOME_OK);
    }

    static long newPostId() {
        return ThreadLocalRandom.current().nextLong(1, 1L << 40) * 10;
    }

    private static int sizeOf(List<PostWrite> list) {
        synchronized (list) {
            return list.size();
        }
    }

    static List<String> requestIds(List<PostWrite> writes) {
        return writes.stream().map(PostWrite::getRequestId).toList();
    }

    private static WriteBatch batchOf(PostWrite... writes) {
        return WriteBatch.newBuilder().setBatchId(1).addAllWrites(List.of(writes)).build();
    }

    private static List<ApplyOutcome> outcomes(BatchAck ack) {
        return ack.getResultsList().stream().map(WriteResult::getOutcome).toList();
    }

}
