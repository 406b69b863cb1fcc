package io.wmb.collector.it;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wmb.collector.CollectorApplication;
import io.wmb.collector.support.VersionedMapProcessor;
import io.wmb.collector.support.Writes;
import io.wmb.infra.Infrastructure;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.reship.config.GrpcServerLifecycle;
import org.junit.jupiter.api.Test;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Unicom's collector runs as its own process and is killed with SIGKILL while telecom's reship streams to it
 * under continuous writes; once a new collector process runs on the same data directory, every write is applied
 * and no older version is left in place.
 */
class CollectorKillIntegrationTests {

    private final Infrastructure infrastructure = Infrastructure.shared();

    private final VersionedMapProcessor processor = new VersionedMapProcessor();

    @Test
    void shouldLoseNothingAndKeepTheNewestVersionWhenTheCollectorIsKilledMidStream() throws Exception {
        Path dataDir = CollectorFixture.dataRoot().resolve("collector-kill-" + UUID.randomUUID());
        Server processorServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(this.processor)
            .build()
            .start();
        int collectorPort = ChildJvm.freePort();
        int linkPort = this.infrastructure.link().open("collector-kill-" + collectorPort, collectorPort);
        List<Process> collectors = new ArrayList<>();
        ConfigurableApplicationContext reship = null;
        ManagedChannel channel = null;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        AtomicBoolean stop = new AtomicBoolean();
        List<PostWrite> submitted = new ArrayList<>();
        long firstPost = SyncIntegrationTests.newPostId();
        try {
            collectors.add(startCollector(dataDir, collectorPort, processorServer.getPort(), "first"));
            reship = SyncIntegrationTests.startReship(dataDir.resolve("reship-telecom"), linkPort,
                    this.infrastructure.elasticsearchUrl());
            channel = NettyChannelBuilder.forAddress("127.0.0.1", reship.getBean(GrpcServerLifecycle.class).getPort())
                .usePlaintext()
                .build();
            ReshipGrpc.ReshipBlockingStub stub = ReshipGrpc.newBlockingStub(channel);
            Future<?> writing = writer.submit(() -> {
                long version = 1;
                while (!stop.get()) {
                    PostWrite write = Writes.update("telecom", firstPost + (version % 5), version++);
                    stub.withDeadlineAfter(10, TimeUnit.SECONDS).submit(WriteBatch.newBuilder().addWrites(write).build());
                    synchronized (submitted) {
                        submitted.add(write);
                    }
                    // Paces the load: about 500 writes/s from this client.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                }
            });

            await().atMost(Duration.ofSeconds(90)).until(() -> this.processor.handedCount() >= 300);
            collectors.get(0).destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertThat(collectors.get(0).exitValue()).isEqualTo(137);
            collectors.add(startCollector(dataDir, collectorPort, processorServer.getPort(), "second"));
            int atRestart = sizeOf(submitted);
            await().atMost(Duration.ofSeconds(60)).until(() -> sizeOf(submitted) >= atRestart + 300);
            stop.set(true);
            writing.get(30, TimeUnit.SECONDS);

            List<PostWrite> all;
            synchronized (submitted) {
                all = List.copyOf(submitted);
            }
            await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> assertThat(
                    SyncIntegrationTests.requestIds(this.processor.handed()))
                .containsAll(SyncIntegrationTests.requestIds(all)));
            SyncIntegrationTests.assertPerPostOrder(this.processor.handed(), firstPost);
            Map<Long, PostWrite> newest = new HashMap<>();
            all.forEach((write) -> newest.put(write.getPostId(), write));
            newest.forEach((postId, write) -> assertThat(this.processor.post(postId)).isEqualTo(write));
        }
        finally {
            stop.set(true);
            writer.shutdownNow();
            if (channel != null) {
                channel.shutdownNow();
            }
            if (reship != null) {
                reship.close();
            }
            collectors.forEach(Process::destroyForcibly);
            processorServer.shutdownNow();
        }
    }

    private Process startCollector(Path dataDir, int port, int processorPort, String name) {
        Path collectorDir = dataDir.resolve("collector-unicom");
        return ChildJvm.start(CollectorApplication.class, collectorDir.resolve("collector-" + name + ".log"),
                "--server.port=0",
                "--wmb.collector.datacenter=unicom",
                "--wmb.collector.data-dir=" + collectorDir,
                "--wmb.collector.grpc.port=" + port,
                "--wmb.collector.peer.secret=" + CollectorFixture.SECRET,
                "--wmb.collector.processor.target=127.0.0.1:" + processorPort,
                "--wmb.collector.processing-log.elasticsearch-url=" + this.infrastructure.elasticsearchUrl());
    }

    private static int sizeOf(List<PostWrite> list) {
        synchronized (list) {
            return list.size();
        }
    }

}
