package io.wmb.processor.version;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * Keeps a processor's node number its own among the running processors of its datacenter. Post ids carry the
 * number ({@link PostIdGenerator}); two processors with the same one would make the same ids, and the later post
 * would overwrite the earlier, acknowledged one. So the number is claimed in the datacenter's Redis (a key holding
 * the processor's instance id, with a time to live that a background task keeps extending) before the processor
 * takes writes.
 *
 * <p>A processor that restarts under the same instance id takes its claim back at once. One with another instance id
 * waits up to the time to live for a claim to lapse (its holder may have crashed), and refuses to start if the
 * holder is still alive then.
 */
public final class NodeClaim implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeClaim.class);

    /** Extends the claim only while this holder has it: a lapsed claim that another processor took stays theirs. */
    private static final String EXTEND = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return -1
            """;

    private static final String RELEASE = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
            return 0
            """;

    private final JedisPooled jedis;

    private final String key;

    private final int node;

    private final String holder;

    private final Duration ttl;

    private final ScheduledExecutorService extender;

    private NodeClaim(JedisPooled jedis, String key, int node, String holder, Duration ttl) {
        this.jedis = jedis;
        this.key = key;
        this.node = node;
        this.holder = holder;
        this.ttl = ttl;
        this.extender = Executors.newSingleThreadScheduledExecutor((task) -> {
            Thread thread = new Thread(task, "node-claim");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Claims a node number, waiting up to {@code ttl} for another holder's claim to lapse, and keeps it until
     * {@link #close()}.
     * @param jedis the datacenter's Redis
     * @param datacenter this datacenter
     * @param node the node number, 0 to {@link PostIdGenerator#MAX_NODE}
     * @param holder this processor's instance id
     * @param ttl how long a claim outlives its holder; it is extended every third of it
     * @return the claim
     * @throws NodeTakenException if another running processor holds the number
     */
    public static NodeClaim claim(JedisPooled jedis, String datacenter, int node, String holder, Duration ttl) {
        if (node < 0 || node > PostIdGenerator.MAX_NODE) {
            throw new IllegalArgumentException("node must be between 0 and " + PostIdGenerator.MAX_NODE
                    + ", but was " + node);
        }
        if (ttl.toMillis() < 100) {
            throw new IllegalArgumentException("ttl must be at least 100 ms, but was " + ttl);
        }
        NodeClaim claim = new NodeClaim(jedis, "wmb:processor-node:" + datacenter + ":" + node, node, holder, ttl);
        claim.acquire(datacenter);
        long period = Math.max(1, ttl.toMillis() / 3);
        claim.extender.scheduleWithFixedDelay(claim::extend, period, period, TimeUnit.MILLISECONDS);
        return claim;
    }

    /** The claimed node number. */
    public int node() {
        return this.node;
    }

    private void acquire(String datacenter) {
        long deadline = System.nanoTime() + this.ttl.toNanos() + TimeUnit.SECONDS.toNanos(1);
        String current = null;
        RuntimeException unreachable = null;
        while (System.nanoTime() < deadline) {
            try {
                if (takeIfFree()) {
                    return;
                }
                current = this.jedis.get(this.key);
                if (this.holder.equals(current) && extendOnce() > 0) {
                    // This instance's claim from before a restart.
                    return;
                }
                unreachable = null;
            }
            catch (JedisException ex) {
                // Redis may be starting too: try again until the deadline.
                unreachable = ex;
            }
            sleep(Math.max(10, this.ttl.toMillis() / 10));
        }
        if (unreachable != null) {
            throw new IllegalStateException("Could not claim processor node " + this.node + " of " + datacenter
                    + " in Redis: " + unreachable.getMessage(), unreachable);
        }
        throw new NodeTakenException("Processor node " + this.node + " of " + datacenter + " is in use by '"
                + current + "': give each processor of a datacenter its own node number (WMB_PROCESSOR_NODE, 0-"
                + PostIdGenerator.MAX_NODE + "), or post ids would collide");
    }

    /** Claims the number if nobody holds it. */
    private boolean takeIfFree() {
        return "OK".equals(this.jedis.set(this.key, this.holder, SetParams.setParams().nx().px(this.ttl.toMillis())));
    }

    private long extendOnce() {
        Object extended = this.jedis.eval(EXTEND, List.of(this.key),
                List.of(this.holder, Long.toString(this.ttl.toMillis())));
        return (extended instanceof Long count) ? count : 0;
    }

    private void extend() {
        try {
            if (extendOnce() < 0 && !takeIfFree()) {
                // Only if Redis lost the key, or this process stalled for longer than the time to live.
                log.error("Processor node {} is now claimed by '{}': two processors may be making the same post ids",
                        this.node, this.jedis.get(this.key));
            }
        }
        catch (RuntimeException ex) {
            // Redis is away: the claim lasts its time to live, and the next attempt renews it.
            log.warn("Could not extend the claim on processor node {}: {}", this.node, ex.toString());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while claiming a processor node", ex);
        }
    }

    /** Stops extending the claim and gives it up, so that a successor need not wait for it to lapse. */
    @Override
    public void close() {
        this.extender.shutdownNow();
        try {
            this.jedis.eval(RELEASE, List.of(this.key), List.of(this.holder));
        }
        catch (RuntimeException ex) {
            log.warn("Could not release processor node {}; it lapses by itself: {}", this.node, ex.toString());
        }
    }

}
