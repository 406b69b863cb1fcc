package io.wmb.processor.store;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.wmb.processor.metrics.ProcessorMetrics;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Unpins, every {@code interval}, the cached posts that the local database has caught up with, so that Redis may
 * evict them again ({@link PostCache}). In the datacenter without the master that is once the replica has the write
 * back from the master's binlog, normally within milliseconds; while the link is cut the pinned posts wait, and after
 * the heal a pass goes on until it finds nothing left to unpin. In the datacenter that owns the master a pinned post
 * was written before it did (a failover); a pass copies it into MySQL first ({@link PostStore#confirmCache}).
 */
public class CacheConfirmation implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CacheConfirmation.class);

    /** Most posts looked at in one round trip to MySQL and one to Redis. */
    static final int BATCH = 1000;

    private final PostStore store;

    private final PostCache cache;

    private final ProcessorMetrics metrics;

    private final Duration interval;

    private final Duration age;

    private ScheduledExecutorService scheduler;

    /**
     * Creates the confirmation.
     * @param store reads the local database and unpins
     * @param cache counts what is still pinned
     * @param metrics where the counts go
     * @param interval how often to look
     * @param age how long after its last write a post is first looked at
     */
    public CacheConfirmation(PostStore store, PostCache cache, ProcessorMetrics metrics, Duration interval,
            Duration age) {
        this.store = store;
        this.cache = cache;
        this.metrics = metrics;
        this.interval = interval;
        this.age = age;
    }

    /**
     * One pass: batches until a batch is not full or unpins nothing.
     * @return how many posts were unpinned
     */
    public int confirm() {
        int unpinned = 0;
        PostStore.Confirmation batch;
        do {
            batch = store.confirmCache(age, BATCH);
            unpinned += batch.unpinned();
        }
        while (batch.checked() == BATCH && batch.unpinned() > 0);
        metrics.cacheUnpinned(unpinned);
        metrics.cacheUnconfirmed(cache.unconfirmedCount());
        return unpinned;
    }

    private void confirmQuietly() {
        try {
            confirm();
        }
        catch (RuntimeException ex) {
            // Redis or MySQL away: the posts stay pinned, the next pass tries again.
            log.warn("Could not confirm cached posts against the database: {}", ex.toString());
        }
    }

    @Override
    public synchronized void start() {
        cache.evictionPolicy().filter(policy -> policy.startsWith("allkeys")).ifPresent(policy -> log.warn(
                "Redis runs with maxmemory-policy {}: it may evict posts that only this cache holds (in the "
                        + "datacenter without the master, until the replica has them). Use volatile-lru.",
                policy));
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "cache-confirmation");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::confirmQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }

}
