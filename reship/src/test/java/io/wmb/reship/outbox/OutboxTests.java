package io.wmb.reship.outbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import io.wmb.proto.v1.PostWrite;
import io.wmb.reship.support.Writes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.PerfLevel;
import org.rocksdb.RocksDB;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OutboxTests {

    @TempDir
    Path dir;

    @Test
    void shouldReadAppendedWritesInSequenceOrder() {
        try (Outbox outbox = new Outbox(this.dir, 1000, 100)) {
            List<PostWrite> writes = List.of(Writes.updateInUnicom(1, 10), Writes.updateInUnicom(2, 20),
                    Writes.updateInUnicom(1, 30));
            List<Long> sequences = outbox.append(writes).join();

            assertThat(sequences).containsExactly(0L, 1L, 2L);
            assertThat(outbox.readAfter(-1, 10)).extracting(OutboxEntry::write).containsExactlyElementsOf(writes);
            assertThat(outbox.readAfter(0, 1)).extracting(OutboxEntry::sequence).containsExactly(1L);
            assertThat(outbox.depth()).isEqualTo(3);
        }
    }

    @Test
    void shouldForgetDeletedWritesAndReportTheOldestRemaining() {
        try (Outbox outbox = new Outbox(this.dir, 1000, 100)) {
            appendTenWrites(outbox);

            outbox.delete(List.of(0L, 1L, 2L, 3L));
            outbox.delete(List.of(5L, 7L));

            assertThat(outbox.depth()).isEqualTo(4);
            assertThat(outbox.readAfter(-1, 100)).extracting(OutboxEntry::sequence).containsExactly(4L, 6L, 8L, 9L);
            assertThat(outbox.oldest()).get().extracting(OutboxEntry::sequence).isEqualTo(4L);
        }
    }

    @Test
    void shouldFindTheOldestRemainingWhenAcknowledgementsArriveOutOfOrder() {
        try (Outbox outbox = new Outbox(this.dir, 1000, 100)) {
            appendTenWrites(outbox);

            outbox.delete(List.of(4L, 5L, 6L));
            outbox.delete(List.of(0L, 1L, 2L, 3L));

            assertThat(outbox.depth()).isEqualTo(3);
            assertThat(outbox.oldest()).get().extracting(OutboxEntry::sequence).isEqualTo(7L);
            assertThat(outbox.readAfter(-1, 100)).extracting(OutboxEntry::sequence).containsExactly(7L, 8L, 9L);
            outbox.delete(List.of(7L, 8L, 9L));
            assertThat(outbox.oldest()).isEmpty();
        }
    }

    @Test
    void shouldKeepUnacknowledgedWritesAndContinueTheSequenceAfterReopening() {
        try (Outbox outbox = new Outbox(this.dir, 1000, 100)) {
            outbox.append(List.of(Writes.updateInUnicom(1, 1), Writes.updateInUnicom(2, 1),
                    Writes.updateInUnicom(3, 1))).join();
            outbox.delete(List.of(0L));
        }
        try (Outbox reopened = new Outbox(this.dir, 1000, 100)) {
            assertThat(reopened.depth()).isEqualTo(2);
            assertThat(reopened.readAfter(-1, 10)).extracting(OutboxEntry::sequence).containsExactly(1L, 2L);
            assertThat(reopened.append(List.of(Writes.updateInUnicom(4, 1))).join()).containsExactly(3L);
        }
    }

    @Test
    void shouldGroupConcurrentAppendsIntoFewerSyncedWrites() throws Exception {
        int appends = 400;
        ExecutorService callers = Executors.newFixedThreadPool(16);
        try (Outbox outbox = new Outbox(this.dir, 100_000, 10_000)) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<List<Long>>> done = new ArrayList<>();
            List<CompletableFuture<CompletableFuture<List<Long>>>> submitted = new ArrayList<>();
            for (int i = 0; i < appends; i++) {
                long postId = i + 1;
                submitted.add(CompletableFuture.supplyAsync(() -> {
                    awaitQuietly(start);
                    return outbox.append(List.of(Writes.updateInUnicom(postId, 1)));
                }, callers));
            }
            start.countDown();
            for (CompletableFuture<CompletableFuture<List<Long>>> future : submitted) {
                done.add(future.get(30, TimeUnit.SECONDS));
            }
            List<Long> sequences = new ArrayList<>();
            for (CompletableFuture<List<Long>> future : done) {
                sequences.addAll(future.get(30, TimeUnit.SECONDS));
            }

            assertThat(sequences).hasSize(appends).doesNotHaveDuplicates();
            assertThat(sequences).allSatisfy((sequence) -> assertThat(sequence).isBetween(0L, appends - 1L));
            assertThat(outbox.commits()).isLessThan(appends);
        }
        finally {
            callers.shutdownNow();
        }
    }

    @Test
    void shouldRefuseAppendsBeyondTheLimit() {
        try (Outbox outbox = new Outbox(this.dir, 2, 100)) {
            outbox.append(List.of(Writes.updateInUnicom(1, 1), Writes.updateInUnicom(2, 1))).join();

            assertThatThrownBy(() -> outbox.append(List.of(Writes.updateInUnicom(3, 1))))
                .isInstanceOf(OutboxFullException.class)
                .hasMessageContaining("limit is 2");
        }
    }

    @Test
    void shouldReadTheNewestWritesWithoutWalkingTheTombstonesOfAnEarlierRun() {
        // A run that ends with everything acknowledged; the next one numbers its writes from 0 again.
        try (Outbox outbox = new Outbox(this.dir, 100_000, 10_000)) {
            for (int i = 0; i < 20; i++) {
                List<Long> sequences = outbox.append(Collections.nCopies(1000, Writes.updateInUnicom(1, 1))).join();
                outbox.delete(sequences);
            }
        }
        try (Outbox reopened = new Outbox(this.dir, 100_000, 10_000)) {
            appendTenWrites(reopened);
            RocksDB db = reopened.database();
            db.setPerfLevel(PerfLevel.ENABLE_COUNT);
            db.getPerfContext().reset();

            assertThat(reopened.readAfter(4, 100)).extracting(OutboxEntry::sequence)
                .containsExactly(5L, 6L, 7L, 8L, 9L);
            assertThat(db.getPerfContext().getInternalDeleteSkippedCount()).as("tombstones walked").isZero();
            db.setPerfLevel(PerfLevel.DISABLE);
        }
    }

    @Test
    void shouldNameTheBadLimit() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Outbox(this.dir, 0, 100))
            .withMessage("maxEntries must be positive, but was 0");
    }

    private static void appendTenWrites(Outbox outbox) {
        List<PostWrite> writes = new ArrayList<>();
        LongStream.range(0, 10).forEach((i) -> writes.add(Writes.updateInUnicom(i + 1, 1)));
        outbox.append(writes).join();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
