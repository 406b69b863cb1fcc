package io.wmb.reship.outbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wmb.proto.v1.PostWrite;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.CompactRangeOptions.BottommostLevelCompaction;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable outbox of writes still to be acknowledged by the peer datacenter, in RocksDB.
 *
 * <p>Keys are an 8-byte big-endian sequence number, so RocksDB's key order is the order the writes were
 * accepted in. {@link #append} completes only once the writes are in RocksDB's write-ahead log and that log is
 * fsynced. Appends that arrive while a sync is running are grouped into the next one (group commit): one
 * writer thread drains everything queued and writes it as one synced batch, so the fsync cost is shared.
 *
 * <p>Deletes are not synced: after a crash an acknowledged write may come back and be sent again, which the
 * collector's de-duplication and the processor's version check turn into a harmless duplicate.
 */
public final class Outbox implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);

    static {
        RocksDB.loadLibrary();
    }

    private final RocksDB db;

    private final Options options;

    private final WriteOptions syncWrite;

    private final WriteOptions unsyncedWrite;

    private final long maxEntries;

    private final int maxGroupCommitWrites;

    private final BlockingQueue<PendingAppend> pending;

    private final Thread writer;

    private final List<Runnable> appendListeners = new CopyOnWriteArrayList<>();

    /**
     * Next sequence to hand out; only the writer thread moves it, after the entries below it are written. Readers
     * stop there (their upper bound) rather than walk on over whatever tombstones lie beyond the newest entry.
     */
    private volatile long nextSequence;

    /** No entry below this sequence exists: where scans for the oldest entry start. */
    private volatile long lowWatermark;

    private final AtomicLong depth = new AtomicLong();

    private final AtomicLong commits = new AtomicLong();

    private volatile boolean closed;

    /**
     * Opens (or creates) the outbox in a directory.
     * @param dir the directory of the RocksDB database
     * @param maxEntries above this many entries appends fail with {@link OutboxFullException}
     * @param maxGroupCommitWrites the most writes grouped into one synced disk write
     */
    public Outbox(Path dir, long maxEntries, int maxGroupCommitWrites) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be positive, but was " + maxEntries);
        }
        if (maxGroupCommitWrites < 1) {
            throw new IllegalArgumentException(
                    "maxGroupCommitWrites must be positive, but was " + maxGroupCommitWrites);
        }
        this.maxEntries = maxEntries;
        this.maxGroupCommitWrites = maxGroupCommitWrites;
        try {
            Files.createDirectories(dir);
            this.options = new Options().setCreateIfMissing(true);
            this.db = RocksDB.open(this.options, dir.toString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot create outbox directory " + dir, ex);
        }
        catch (RocksDBException ex) {
            throw new IllegalStateException("cannot open outbox in " + dir, ex);
        }
        this.syncWrite = new WriteOptions().setSync(true);
        this.unsyncedWrite = new WriteOptions();
        recoverSequences();
        compactAcknowledged();
        // Bounded, so that a flood of submits waits for the disk instead of filling the heap.
        this.pending = new ArrayBlockingQueue<>(4096);
        this.writer = new Thread(this::writeLoop, "outbox-writer");
        this.writer.setDaemon(true);
        this.writer.start();
        log.info("Outbox opened in {}: {} unacknowledged writes, next sequence {}", dir, this.depth.get(),
                this.nextSequence);
    }

    private void recoverSequences() {
        long count = 0;
        long first = -1;
        long last = -1;
        try (RocksIterator it = this.db.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                long sequence = sequenceOf(it.key());
                if (first < 0) {
                    first = sequence;
                }
                last = sequence;
                count++;
            }
        }
        this.depth.set(count);
        this.lowWatermark = Math.max(first, 0);
        this.nextSequence = last + 1;
    }

    /**
     * Everything below the oldest live entry was acknowledged and deleted: compacting it away at start-up drops its
     * tombstones before any read meets them (among them range tombstones that outboxes written before point
     * deletes hold, which made every read walk them). Costs about one read of the dead data, once.
     *
     * <p>Forced down to the bottommost level: RocksDB's default leaves files already there alone, and an outbox
     * that was empty at start-up numbers its writes from 0 again, so the tombstones of an earlier run in such a
     * file lay just beyond the newest entry. Every read of the newest writes walked them (100,000 of them took the
     * forwarder's thread to 80% of reship's CPU at 130 writes/s); reads also stop at the newest entry now.
     */
    private void compactAcknowledged() {
        if (this.depth.get() > 0 && this.lowWatermark == 0) {
            return;
        }
        byte[] end = (this.depth.get() == 0) ? null : key(this.lowWatermark);
        try (CompactRangeOptions options = new CompactRangeOptions()
            .setBottommostLevelCompaction(BottommostLevelCompaction.kForce)) {
            this.db.compactRange(this.db.getDefaultColumnFamily(), null, end, options);
        }
        catch (RocksDBException ex) {
            // Only slower reads until RocksDB compacts on its own.
            log.warn("Could not compact the acknowledged part of the outbox", ex);
        }
    }

    /**
     * Stores writes durably.
     * @param writes the writes, in order
     * @return completes with the writes' sequence numbers once they are synced to disk
     * @throws OutboxFullException when the outbox holds its maximum of entries
     */
    public CompletableFuture<List<Long>> append(List<PostWrite> writes) {
        if (this.closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("outbox is closed"));
        }
        long current = this.depth.get();
        if (current + writes.size() > this.maxEntries) {
            throw new OutboxFullException(current, this.maxEntries);
        }
        PendingAppend append = new PendingAppend(writes, new CompletableFuture<>());
        try {
            this.pending.put(append);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(ex);
        }
        return append.done;
    }

    private void writeLoop() {
        List<PendingAppend> group = new ArrayList<>();
        while (!this.closed || !this.pending.isEmpty()) {
            try {
                PendingAppend first = this.pending.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                group.add(first);
                int writes = first.writes.size();
                // Everything that queued up while the previous sync ran goes into this one.
                PendingAppend next;
                while (writes < this.maxGroupCommitWrites && (next = this.pending.poll()) != null) {
                    group.add(next);
                    writes += next.writes.size();
                }
                commit(group, writes);
            }
            catch (RuntimeException ex) {
                // The writer thread must survive: a dead writer would leave every later Submit hanging.
                log.error("Group commit of {} appends failed", group.size(), ex);
                group.forEach((append) -> append.done.completeExceptionally(ex));
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            finally {
                group.clear();
            }
        }
    }

    private void commit(List<PendingAppend> group, int writes) {
        long firstSequence = this.nextSequence;
        List<List<Long>> sequences = new ArrayList<>(group.size());
        try (WriteBatch batch = new WriteBatch()) {
            long sequence = firstSequence;
            for (PendingAppend append : group) {
                List<Long> assigned = new ArrayList<>(append.writes.size());
                for (PostWrite write : append.writes) {
                    batch.put(key(sequence), write.toByteArray());
                    assigned.add(sequence);
                    sequence++;
                }
                sequences.add(assigned);
            }
            this.db.write(this.syncWrite, batch);
            this.nextSequence = sequence;
        }
        catch (RocksDBException ex) {
            // Nothing of the group is acknowledged; the sequences are reused by the next group.
            log.error("Synced write of {} writes to the outbox failed", writes, ex);
            group.forEach((append) -> append.done.completeExceptionally(ex));
            return;
        }
        this.depth.addAndGet(writes);
        this.commits.incrementAndGet();
        for (int i = 0; i < group.size(); i++) {
            group.get(i).done.complete(sequences.get(i));
        }
        for (Runnable listener : this.appendListeners) {
            try {
                listener.run();
            }
            catch (RuntimeException ex) {
                log.warn("An outbox listener failed", ex);
            }
        }
    }

    /**
     * Reads entries in sequence order.
     * @param afterSequence only entries with a greater sequence are read
     * @param max the most entries to read
     * @return the entries, oldest first
     */
    public List<OutboxEntry> readAfter(long afterSequence, int max) {
        if (this.closed) {
            // A late reader (a metrics scrape during shutdown) must not touch a closed native handle.
            return List.of();
        }
        long from = Math.max(afterSequence + 1, this.lowWatermark);
        return upToNewest((it) -> {
            List<OutboxEntry> entries = new ArrayList<>(Math.min(max, 1024));
            for (it.seek(key(from)); it.isValid() && entries.size() < max; it.next()) {
                entries.add(new OutboxEntry(sequenceOf(it.key()), parse(it.value())));
            }
            return entries;
        });
    }

    /**
     * The oldest entry still in the outbox.
     * @return the entry, or empty when the outbox is empty
     */
    public Optional<OutboxEntry> oldest() {
        List<OutboxEntry> first = readAfter(this.lowWatermark - 1, 1);
        return first.isEmpty() ? Optional.empty() : Optional.of(first.get(0));
    }

    /**
     * Removes acknowledged entries.
     * @param sequences the entries' sequences; each must still be in the outbox
     */
    public void delete(List<Long> sequences) {
        if (sequences.isEmpty()) {
            return;
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long sequence : sequences) {
            min = Math.min(min, sequence);
            max = Math.max(max, sequence);
        }
        try (WriteBatch batch = new WriteBatch()) {
            // Point tombstones, not range ones. RocksDB fragments all the memtable's range tombstones again for the
            // first iterator opened after a new one is written: with one range per acknowledged batch, opening an
            // iterator cost time in proportion to the batches acknowledged since the last flush, and took 70% of
            // reship's CPU at 300 writes/s (async-profiler). Readers seek straight to the oldest live sequence, so
            // they never walk over these tombstones.
            for (long sequence : sequences) {
                batch.delete(key(sequence));
            }
            this.db.write(this.unsyncedWrite, batch);
        }
        catch (RocksDBException ex) {
            // Not fatal: the entries stay and are sent again, which the peer treats as duplicates.
            log.warn("Deleting {} acknowledged writes from the outbox failed", sequences.size(), ex);
            return;
        }
        this.depth.addAndGet(-sequences.size());
        if (min <= this.lowWatermark) {
            if (max - min + 1 == sequences.size()) {
                // A contiguous run from at or below the watermark (the usual case): nothing is left below max + 1.
                this.lowWatermark = Math.max(this.lowWatermark, max + 1);
            }
            else {
                advanceLowWatermark(max + 1);
            }
        }
    }

    private void advanceLowWatermark(long candidate) {
        this.lowWatermark = upToNewest((it) -> {
            it.seek(key(this.lowWatermark));
            return it.isValid() ? sequenceOf(it.key()) : candidate;
        });
    }

    /** Runs a read with an iterator that ends at the newest entry instead of walking on over later tombstones. */
    private <T> T upToNewest(Function<RocksIterator, T> read) {
        try (Slice bound = new Slice(key(this.nextSequence));
                ReadOptions options = new ReadOptions().setIterateUpperBound(bound);
                RocksIterator it = this.db.newIterator(options)) {
            return read.apply(it);
        }
    }

    /**
     * Registers a callback run (on the writer thread, so it must be quick) after every group commit.
     * @param listener the callback
     */
    public void onAppend(Runnable listener) {
        this.appendListeners.add(listener);
    }

    /**
     * How many writes wait for the peer's acknowledgement.
     * @return the number of entries
     */
    public long depth() {
        return this.depth.get();
    }

    /**
     * How many synced disk writes stored the appends so far: fewer than appends when group commit grouped them.
     * @return the number of synced writes since the outbox was opened
     */
    public long commits() {
        return this.commits.get();
    }

    @Override
    public void close() {
        this.closed = true;
        try {
            this.writer.join(5_000);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.db.close();
        this.syncWrite.close();
        this.unsyncedWrite.close();
        this.options.close();
    }

    /** The database itself, for tests that count what a read costs RocksDB. */
    RocksDB database() {
        return this.db;
    }

    static byte[] key(long sequence) {
        return ByteBuffer.allocate(Long.BYTES).putLong(sequence).array();
    }

    static long sequenceOf(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    private static PostWrite parse(byte[] value) {
        try {
            return PostWrite.parseFrom(value);
        }
        catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("corrupt outbox entry", ex);
        }
    }

    private record PendingAppend(List<PostWrite> writes, CompletableFuture<List<Long>> done) {
    }

}
