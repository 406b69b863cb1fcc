package io.wmb.collector.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wmb.collector.support.Writes;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.reship.config.GrpcServerLifecycle;
import io.wmb.reship.forward.CollectorClient;
import io.wmb.reship.outbox.Outbox;

import org.springframework.context.ConfigurableApplicationContext;

import static org.awaitility.Awaitility.await;

/**
 * Measures, side by side in one run, how many writes per second reach the peer's processor: one unary
 * {@code Deliver} per write (one caller, then 8), the batched {@code Sync} stream draining a filled outbox,
 * and the whole pipeline ({@code Submit} from 8 callers to reship, the stream, the collector, the processor),
 * saturated and at a steady 100 writes/s, with the replication lag (accepted to applied) of its writes, over
 * the simulated link at 0 ms and at 40 ms round-trip. A main, not a test: numbers, not assertions.
 *
 * <p>Run: {@code ./mvnw -B -q -pl collector test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java -cp target/test-classes:target/classes:$(cat target/cp.txt) -Dwmb.data.dir=$PWD/../.wmb-data
 * io.wmb.collector.it.SyncVersusDeliverBenchmark}.
 */
public final class SyncVersusDeliverBenchmark {

    private SyncVersusDeliverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int writes = (args.length > 0) ? Integer.parseInt(args[0]) : 20_000;
        CollectorFixture unicom = new CollectorFixture("bench");
        ConfigurableApplicationContext reship = SyncIntegrationTests.startReship(unicom);
        ManagedChannel collectorChannel = NettyChannelBuilder.forAddress("127.0.0.1", unicom.linkPort)
            .usePlaintext()
            .build();
        ManagedChannel reshipChannel = NettyChannelBuilder
            .forAddress("127.0.0.1", reship.getBean(GrpcServerLifecycle.class).getPort())
            .usePlaintext()
            .build();
        CollectorClient peer = new CollectorClient(collectorChannel, "telecom", CollectorFixture.SECRET);
        try {
            // Warm-up: JIT, connections, the processing-log index.
            deliverUnary(peer, unicom, 2_000, 4);
            ReshipLoad.pipeline(reshipChannel, unicom, 2_000, 4, new ArrayList<>());
            for (Duration rtt : List.of(Duration.ZERO, Duration.ofMillis(40))) {
                unicom.infrastructure.link().setRoundTrip(rtt);
                int unaryWrites = rtt.isZero() ? writes / 4 : 200;
                System.out.printf("%n== link round-trip %d ms ==%n", rtt.toMillis());
                report("Deliver, 1 write per call, 1 caller", unaryWrites, deliverUnary(peer, unicom, unaryWrites, 1));
                report("Deliver, 1 write per call, 8 callers", unaryWrites * 4,
                        deliverUnary(peer, unicom, unaryWrites * 4, 8));
                report("Sync stream draining a filled outbox", writes, syncDrain(reshipChannel, unicom, writes));
                List<PostWrite> submitted = new ArrayList<>();
                Outbox outbox = reship.getBean(Outbox.class);
                long commitsBefore = outbox.commits();
                report("Pipeline: Submit (8 callers) -> reship -> Sync -> collector -> processor", writes,
                        ReshipLoad.pipeline(reshipChannel, unicom, writes, 8, submitted));
                System.out.printf("   group commit: %d writes in %d synced disk writes (%.1f per fsync)%n", writes,
                        outbox.commits() - commitsBefore, writes / (double) (outbox.commits() - commitsBefore));
                printLag("of these writes", submitted, unicom);
                List<PostWrite> paced = new ArrayList<>();
                report("Pipeline at a steady 100 writes/s (1 caller, 1 write per Submit)", 1_000,
                        ReshipLoad.pacedPipeline(reshipChannel, unicom, 1_000, 100, paced));
                printLag("at 100 writes/s", paced, unicom);
            }
        }
        finally {
            unicom.infrastructure.link().setRoundTrip(Duration.ZERO);
            unicom.infrastructure.link().heal();
            collectorChannel.shutdownNow();
            reshipChannel.shutdownNow();
            reship.close();
            unicom.close();
        }
        System.exit(0);
    }

    /** Lag from the origin accepting a write to the peer's processor applying it. */
    private static void printLag(String what, List<PostWrite> writes, CollectorFixture unicom) {
        long[] lags = writes.stream()
            .mapToLong((write) -> unicom.processor.appliedAtMillis(write.getRequestId()) - write.getAcceptedAtMs())
            .sorted()
            .toArray();
        System.out.printf("   replication lag (accepted -> applied by the peer's processor) %s: p50 %d ms, p99 %d ms,"
                + " max %d ms%n", what, lags[lags.length / 2], lags[lags.length * 99 / 100], lags[lags.length - 1]);
    }

    private static void report(String what, int writes, Duration took) {
        System.out.printf("%-75s %7d writes in %6d ms = %8.0f writes/s%n", what, writes, took.toMillis(),
                writes * 1000.0 / Math.max(1, took.toMillis()));
    }

    private static Duration deliverUnary(CollectorClient peer, CollectorFixture unicom, int writes, int callers)
            throws Exception {
        long firstPost = SyncIntegrationTests.newPostId();
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        long started = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            done.add(pool.submit(() -> {
                long i;
                while ((i = next.getAndIncrement()) < writes) {
                    PostWrite write = Writes.updateInTelecom(firstPost + i, 1);
                    peer.deliver(WriteBatch.newBuilder().setBatchId(i).addWrites(write).build(), Duration.ofSeconds(30));
                }
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private static Duration syncDrain(ManagedChannel reshipChannel, CollectorFixture unicom, int writes)
            throws Exception {
        // Fill the outbox while the link is cut, then measure only the stream draining it.
        unicom.infrastructure.link().cut();
        int before = unicom.processor.handedCount();
        ReshipLoad.submitAll(reshipChannel, writes, 8, 100);
        long started = System.nanoTime();
        unicom.infrastructure.link().heal();
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(5))
            .until(() -> unicom.processor.handedCount() >= before + writes);
        return Duration.ofNanos(System.nanoTime() - started);
    }

}
