package io.wmb.collector.dedup;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Predicate;

import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.TtlDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.springframework.util.FileSystemUtils;

/**
 * Measures, side by side in one run, the CPU of one de-duplication lookup in the {@link DeduplicationStore} against
 * the same RocksDB TTL database with RocksDB's defaults looked up with {@code get} alone (the store before it had
 * Bloom filters), both holding the same requestIds: for a requestId not seen before (nearly every lookup) and for a
 * remembered one (a redelivery). A main, not a test: numbers, not assertions.
 *
 * <p>Run: {@code ./mvnw -B -q -pl collector test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt}
 * then {@code java -cp collector/target/test-classes:collector/target/classes:$(cat collector/target/cp.txt)
 * io.wmb.collector.dedup.DeduplicationStoreBenchmark [REMEMBERED] [LOOKUPS]} (defaults 3,000,000 and 200,000;
 * about 2 minutes and 300 MB of the temporary directory).
 */
public final class DeduplicationStoreBenchmark {

    private static final int ROUNDS = 5;

    private DeduplicationStoreBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int remembered = (args.length > 0) ? Integer.parseInt(args[0]) : 3_000_000;
        int lookups = (args.length > 1) ? Integer.parseInt(args[1]) : 200_000;
        Path dir = Files.createTempDirectory("wmb-dedup-bench");
        Options plainOptions = new Options().setCreateIfMissing(true);
        try (DeduplicationStore store = new DeduplicationStore(dir.resolve("store"), Duration.ofDays(7));
                TtlDB plain = TtlDB.open(plainOptions, dir.resolve("plain").toString(), 7 * 86_400, false);
                WriteOptions writeOptions = new WriteOptions()) {
            List<String> known = requestIds(new Random(1), remembered);
            for (int from = 0; from < remembered; from += 100) {
                List<String> batch = known.subList(from, Math.min(from + 100, remembered));
                store.remember(batch, System.currentTimeMillis());
                remember(plain, writeOptions, batch);
            }
            List<String> fresh = requestIds(new Random(2), lookups);
            List<String> repeated = known.subList(0, lookups);
            Predicate<String> plainContains = (requestId) -> get(plain, requestId);
            double[][] perLookup = new double[4][ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                perLookup[0][round] = microsPerLookup(store::contains, fresh, false);
                perLookup[1][round] = microsPerLookup(plainContains, fresh, false);
                perLookup[2][round] = microsPerLookup(store::contains, repeated, true);
                perLookup[3][round] = microsPerLookup(plainContains, repeated, true);
            }
            System.out.printf("%,d requestIds remembered, %,d lookups per round, median of %d rounds "
                    + "(thread CPU per lookup):%n", remembered, lookups, ROUNDS);
            System.out.printf("  new requestId         store %5.2f us   RocksDB defaults, get %5.2f us%n",
                    median(perLookup[0]), median(perLookup[1]));
            System.out.printf("  remembered requestId  store %5.2f us   RocksDB defaults, get %5.2f us%n",
                    median(perLookup[2]), median(perLookup[3]));
        }
        finally {
            plainOptions.close();
            FileSystemUtils.deleteRecursively(dir);
        }
    }

    private static List<String> requestIds(Random random, int count) {
        List<String> requestIds = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requestIds.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        return requestIds;
    }

    private static void remember(TtlDB db, WriteOptions writeOptions, List<String> requestIds)
            throws RocksDBException {
        byte[] value = new byte[Long.BYTES];
        try (WriteBatch batch = new WriteBatch()) {
            for (String requestId : requestIds) {
                batch.put(requestId.getBytes(StandardCharsets.UTF_8), value);
            }
            db.write(writeOptions, batch);
        }
    }

    private static boolean get(TtlDB db, String requestId) {
        try {
            return db.get(requestId.getBytes(StandardCharsets.UTF_8)) != null;
        }
        catch (RocksDBException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static double microsPerLookup(Predicate<String> contains, List<String> requestIds, boolean expected) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long started = threads.getCurrentThreadCpuTime();
        for (String requestId : requestIds) {
            if (contains.test(requestId) != expected) {
                throw new IllegalStateException("lookup of " + requestId + " did not answer " + expected);
            }
        }
        return (threads.getCurrentThreadCpuTime() - started) / 1_000.0 / requestIds.size();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

}
