package io.wmb.collector.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.grpc.ManagedChannel;

import io.wmb.collector.support.Writes;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;

import static org.awaitility.Awaitility.await;

/**
 * Load on a real reship for the transport benchmarks: writes submitted by several callers, or one at a time at a
 * fixed rate, each timed until the peer's processor has been handed all of them.
 */
final class ReshipLoad {

    private ReshipLoad() {
    }

    static Duration pipeline(ManagedChannel reshipChannel, CollectorFixture unicom, int writes, int callers,
            List<PostWrite> submitted) throws Exception {
        int before = unicom.processor.handedCount();
        long started = System.nanoTime();
        submitted.addAll(submitAll(reshipChannel, writes, callers, 1));
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(5))
            .until(() -> unicom.processor.handedCount() >= before + writes);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** One caller, one write per Submit, at a fixed rate: the lag of a system that is not saturated. */
    static Duration pacedPipeline(ManagedChannel reshipChannel, CollectorFixture unicom, int writes,
            int perSecond, List<PostWrite> submitted) {
        ReshipGrpc.ReshipBlockingStub reship = ReshipGrpc.newBlockingStub(reshipChannel);
        long firstPost = SyncIntegrationTests.newPostId();
        int before = unicom.processor.handedCount();
        long started = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / perSecond;
        for (int i = 0; i < writes; i++) {
            LockSupport.parkNanos(started + i * interval - System.nanoTime());
            PostWrite write = Writes.updateInTelecom(firstPost + i, 1);
            reship.withDeadlineAfter(30, TimeUnit.SECONDS).submit(WriteBatch.newBuilder().addWrites(write).build());
            submitted.add(write);
        }
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(5))
            .until(() -> unicom.processor.handedCount() >= before + writes);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    static List<PostWrite> submitAll(ManagedChannel reshipChannel, int writes, int callers, int perSubmit)
            throws Exception {
        List<PostWrite> submitted = Collections.synchronizedList(new ArrayList<>());
        long firstPost = SyncIntegrationTests.newPostId();
        AtomicLong next = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            done.add(pool.submit(() -> {
                ReshipGrpc.ReshipBlockingStub reship = ReshipGrpc.newBlockingStub(reshipChannel);
                long i;
                while ((i = next.getAndAdd(perSubmit)) < writes) {
                    WriteBatch.Builder batch = WriteBatch.newBuilder().setBatchId(i);
                    for (long k = i; k < Math.min(writes, i + perSubmit); k++) {
                        batch.addWrites(Writes.updateInTelecom(firstPost + k, 1));
                    }
                    reship.withDeadlineAfter(30, TimeUnit.SECONDS).submit(batch.build());
                    submitted.addAll(batch.getWritesList());
                }
            }));
        }
        for (Future<?> future : done) {
            future.get();
        }
        pool.shutdown();
        return submitted;
    }

}
