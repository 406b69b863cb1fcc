package io.wmb.reship.outbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * Why {@link Outbox#delete} writes point tombstones: the outbox's cycle (append a batch, read it, delete it once
 * acknowledged, find the oldest entry) with one range tombstone per batch against one point tombstone per write,
 * side by side on the same RocksDB. A range cycle costs more the more batches were deleted since the last memtable
 * flush, because RocksDB fragments all of them again for the next iterator; a point cycle stays flat.
 * <p>
 * A main, not a test: numbers, not assertions. Writes are not synced here: this measures CPU, not the disk.
 *
 * <p>Run: {@code ./mvnw -B -q -pl reship test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java -cp target/test-classes:target/classes:$(cat target/cp.txt)
 * io.wmb.reship.outbox.OutboxDeleteBenchmark 10000 4} (cycles, writes per batch).
 */
public final class OutboxDeleteBenchmark {

    private OutboxDeleteBenchmark() {
    }

    public static void main(String[] args) throws IOException, RocksDBException {
        int cycles = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
        int batch = (args.length > 1) ? Integer.parseInt(args[1]) : 4;
        RocksDB.loadLibrary();
        for (int round = 1; round <= 2; round++) {
            for (boolean range : new boolean[] { true, false }) {
                Path dir = Files.createTempDirectory("outbox-delete-benchmark");
                try (Options options = new Options().setCreateIfMissing(true);
                        RocksDB db = RocksDB.open(options, dir.toString());
                        WriteOptions write = new WriteOptions()) {
                    long[] nanos = run(db, write, cycles, batch, range);
                    System.out.printf(Locale.ROOT, "round %d, %-17s %d writes per batch: first 1,000 cycles %,.1f us "
                            + "each, cycles 1,001-%,d %,.1f us each%n", round,
                            range ? "range tombstones," : "point tombstones,", batch, nanos[0] / 1e3 / 1000, cycles,
                            nanos[1] / 1e3 / (cycles - 1000));
                }
            }
        }
    }

    /** The nanoseconds of the first 1,000 cycles and of the rest. */
    private static long[] run(RocksDB db, WriteOptions write, int cycles, int batch, boolean range)
            throws RocksDBException {
        byte[] value = new byte[300];
        long next = 0;
        long oldest = 0;
        long started = System.nanoTime();
        long first = 0;
        for (int cycle = 1; cycle <= cycles; cycle++) {
            long from = next;
            try (WriteBatch appended = new WriteBatch()) {
                for (int i = 0; i < batch; i++) {
                    appended.put(Outbox.key(next++), value);
                }
                db.write(write, appended);
            }
            try (ReadOptions read = new ReadOptions(); RocksIterator it = db.newIterator(read)) {
                int seen = 0;
                for (it.seek(Outbox.key(from)); it.isValid() && seen < batch; it.next()) {
                    seen++;
                }
            }
            try (WriteBatch deleted = new WriteBatch()) {
                if (range) {
                    deleted.deleteRange(Outbox.key(from), Outbox.key(next));
                }
                else {
                    for (long sequence = from; sequence < next; sequence++) {
                        deleted.delete(Outbox.key(sequence));
                    }
                }
                db.write(write, deleted);
            }
            // The oldest entry: the earlier outbox looked it up with a new iterator after every delete.
            try (RocksIterator it = db.newIterator()) {
                it.seek(Outbox.key(oldest));
                oldest = it.isValid() ? Outbox.sequenceOf(it.key()) : next;
            }
            if (cycle == 1000) {
                first = System.nanoTime() - started;
            }
        }
        return new long[] { first, System.nanoTime() - started - first };
    }

}
