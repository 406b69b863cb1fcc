package io.wmb.collector.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wmb.collector.support.Writes;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.reship.ReshipApplication;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Telecom's reship runs as its own process and is killed with SIGKILL while it streams; a new process on the
 * same data directory must deliver every write whose {@code Submit} was acknowledged, each applied once.
 */
class ReshipKillIntegrationTests {

    private CollectorFixture unicom;

    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void startCollector() {
        this.unicom = new CollectorFixture("kill");
    }

    @AfterEach
    void stopAll() throws Exception {
        this.processes.forEach(Process::destroyForcibly);
        this.unicom.close();
    }

    @Test
    void shouldLoseAndDuplicateNothingWhenReshipIsKilledMidStream() throws Exception {
        int port = ChildJvm.freePort();
        Process first = startReship(port, "first");
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        long firstPost = SyncIntegrationTests.newPostId();
        List<PostWrite> acknowledged = new ArrayList<>();
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> writing = writer.submit(() -> submitUntilRefused(channel, firstPost, acknowledged));
            // Kill it while it streams: some writes applied, more still in its outbox or in flight.
            await().atMost(Duration.ofSeconds(60)).until(() -> this.unicom.processor.handedCount() >= 500);
            first.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            writing.get(30, TimeUnit.SECONDS);
            assertThat(first.exitValue()).isEqualTo(137);

            startReship(port, "second");

            List<PostWrite> accepted;
            synchronized (acknowledged) {
                accepted = List.copyOf(acknowledged);
            }
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(
                    SyncIntegrationTests.requestIds(this.unicom.processor.handed()))
                .containsAll(SyncIntegrationTests.requestIds(accepted)));
            // The collector recognised every re-sent write: the processor was handed each one once.
            assertThat(SyncIntegrationTests.requestIds(this.unicom.processor.handed())).doesNotHaveDuplicates();
            SyncIntegrationTests.assertPerPostOrder(this.unicom.processor.handed(), firstPost);
            Map<Long, PostWrite> newest = new HashMap<>();
            accepted.forEach((write) -> newest.put(write.getPostId(), write));
            newest.forEach((postId, write) -> assertThat(this.unicom.processor.post(postId).getVersion())
                .isGreaterThanOrEqualTo(write.getVersion()));
        }
        finally {
            writer.shutdownNow();
            channel.shutdownNow();
        }
    }

    /** Submits batches of 10 writes to 5 posts until reship stops answering; keeps those it acknowledged. */
    private static void submitUntilRefused(ManagedChannel channel, long firstPost, List<PostWrite> acknowledged) {
        ReshipGrpc.ReshipBlockingStub reship = ReshipGrpc.newBlockingStub(channel);
        long version = 1;
        boolean started = false;
        while (true) {
            WriteBatch.Builder batch = WriteBatch.newBuilder().setBatchId(version);
            for (int i = 0; i < 10; i++) {
                batch.addWrites(Writes.update("telecom", firstPost + (version % 5), version++));
            }
            try {
                // The first call waits for the process to come up; after that, a refusal means it was killed.
                BatchAck ack = reship.withDeadlineAfter(started ? 5 : 60, TimeUnit.SECONDS)
                    .withWaitForReady()
                    .submit(batch.build());
                assertThat(ack.getResultsCount()).isEqualTo(10);
            }
            catch (StatusRuntimeException ex) {
                if (started) {
                    return;
                }
                throw ex;
            }
            started = true;
            synchronized (acknowledged) {
                acknowledged.addAll(batch.getWritesList());
            }
        }
    }

    private Process startReship(int port, String name) {
        Path dataDir = this.unicom.dataDir.resolve("reship-telecom");
        Process process = ChildJvm.start(ReshipApplication.class, dataDir.resolve("reship-" + name + ".log"),
                "--server.port=0",
                "--wmb.reship.datacenter=telecom",
                "--wmb.reship.data-dir=" + dataDir,
                "--wmb.reship.grpc.port=" + port,
                "--wmb.reship.collector.target=127.0.0.1:" + this.unicom.linkPort,
                "--wmb.reship.collector.secret=" + CollectorFixture.SECRET,
                "--wmb.reship.collector.ack-timeout=2s",
                "--wmb.reship.processing-log.elasticsearch-url=" + this.unicom.infrastructure.elasticsearchUrl());
        this.processes.add(process);
        return process;
    }

}
