package io.wmb.processor.recovery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.wmb.processor.post.WriteKind;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.resps.Tuple;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local writes under way, kept in this datacenter's Redis (a sorted set scored by start time) from before the write
 * touches a store until reship has taken it. A processor killed in between (after the MySQL commit and before the
 * Redis write, or after the Redis write and before reship) leaves its intent behind, and {@link IntentRecovery}
 * finishes the write from what the stores hold.
 * <p>
 * Why Redis and not a MySQL table: both datacenters need it, and only one owns the MySQL master. The intent has to
 * outlive the processor; it outlives a restart of Redis too, which keeps an append-only file because in the
 * datacenter without the master it holds the only local copy of that datacenter's writes (docs/design.md).
 * Finished intents are removed in batches, off the request path: a finished intent that survives a crash is
 * finished again, which is harmless because every step is idempotent.
 */
public class WriteIntents {

    private static final Logger log = LoggerFactory.getLogger(WriteIntents.class);

    /** Most members removed by one command. */
    private static final int MAX_REMOVE = 512;

    private final JedisPooled jedis;

    private final String key;

    private final Clock clock;

    private final Queue<String> finished = new ConcurrentLinkedQueue<>();

    /**
     * Creates the intents of one datacenter.
     * @param jedis the datacenter's Redis; shared, not this class's to close
     * @param datacenter this datacenter, which names the set
     * @param clock the wall clock
     */
    public WriteIntents(JedisPooled jedis, String datacenter, Clock clock) {
        this.jedis = jedis;
        this.key = "wmb:intents:" + datacenter;
        this.clock = clock;
    }

    /**
     * Records that a write starts. Must succeed before the write touches a store.
     * @param requestId the write's request id
     * @param postId the post it changes
     * @param kind what it does
     * @return the intent, to {@link #finish(WriteIntent)} once reship has the write
     */
    public WriteIntent open(String requestId, long postId, WriteKind kind) {
        WriteIntent intent = new WriteIntent(requestId, postId, kind, clock.millis());
        jedis.zadd(key, intent.openedAtMs(), intent.member());
        return intent;
    }

    /**
     * Records that a write is finished: stored, cached and taken by reship (or found to change nothing). The removal
     * happens at the next {@link #flush()}.
     * @param intent the intent
     */
    public void finish(WriteIntent intent) {
        finished.add(intent.member());
    }

    /**
     * Removes the intents finished since the last flush.
     * @return how many were removed
     */
    public int flush() {
        int removed = 0;
        List<String> batch = new ArrayList<>(MAX_REMOVE);
        String member;
        while ((member = finished.poll()) != null) {
            batch.add(member);
            if (batch.size() == MAX_REMOVE) {
                removed += remove(batch);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            removed += remove(batch);
        }
        return removed;
    }

    private int remove(List<String> batch) {
        try {
            jedis.zrem(key, batch.toArray(String[]::new));
            return batch.size();
        }
        catch (RuntimeException ex) {
            // Kept for the next flush; meanwhile recovery may finish these writes again, which is harmless.
            finished.addAll(batch);
            log.warn("Could not remove {} finished write intents: {}", batch.size(), ex.toString());
            return 0;
        }
    }

    /**
     * The oldest intents started at least {@code age} ago and not finished.
     * @param age how old an intent must be: writes under way finish within a request timeout
     * @param limit most intents
     * @return the intents, oldest first
     */
    public List<WriteIntent> olderThan(Duration age, int limit) {
        long before = clock.millis() - age.toMillis();
        List<WriteIntent> intents = new ArrayList<>();
        for (Tuple tuple : jedis.zrangeByScoreWithScores(key, Double.NEGATIVE_INFINITY, before, 0, limit)) {
            intents.add(WriteIntent.parse(tuple.getElement(), tuple.getScore()));
        }
        return intents;
    }

    /** How many intents are in Redis, finished ones not yet flushed included. */
    public long size() {
        return jedis.zcard(key);
    }

}
