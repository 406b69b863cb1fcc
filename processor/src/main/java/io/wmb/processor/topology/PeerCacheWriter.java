package io.wmb.processor.topology;

import java.time.Clock;
import java.time.Duration;

import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.store.PostCache;
import redis.clients.jedis.JedisPooled;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the master's new state of a post into the other datacenter's Redis, across the link, with the same versioned
 * compare-and-set as every cache write ({@link PostCache}): an older state can never overwrite a newer one there, so
 * this write and the same write arriving later through reship and the collector may come in either order.
 * <p>
 * Best effort on purpose: it makes the other datacenter's cache fresh before the client has its answer, but it is not
 * what makes the update durable. Every write is also handed to reship, whose outbox keeps it across a cut link and
 * whose collector applies it to the other datacenter's cache (only its cache: that datacenter does not own the
 * master). After a failure (link cut, peer Redis down) the writer stops trying for {@code retryAfter}, so that writes
 * during an outage do not each wait for the timeout.
 */
public class PeerCacheWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerCacheWriter.class);

    private final JedisPooled peerJedis;

    private final PostCache peerCache;

    private final Clock clock;

    private final Duration retryAfter;

    private volatile long skipUntilMillis;

    private volatile String lastFailure;

    /**
     * Creates the writer.
     * @param peerJedis a pool of connections to the other datacenter's Redis, through the link; this writer's to close
     * @param metrics where the peer cache's latencies go
     * @param clock decides when to try again after a failure
     * @param retryAfter how long to leave the peer alone after a failure
     * @param cacheTtl the time to live the peer's cache gives what its database holds
     */
    public PeerCacheWriter(JedisPooled peerJedis, ProcessorMetrics metrics, Clock clock, Duration retryAfter,
            Duration cacheTtl) {
        if (retryAfter == null || retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must be zero or positive, but was " + retryAfter);
        }
        this.peerJedis = peerJedis;
        this.peerCache = new PostCache(peerJedis, metrics, clock, cacheTtl);
        this.clock = clock;
        this.retryAfter = retryAfter;
    }

    /**
     * Writes a post's state into the peer's cache, unless the peer failed within the last {@code retryAfter}.
     * @param state the state the master has just stored
     * @param origin the datacenter the write counts likes for
     * @return whether the peer's cache was written (or already held this or a newer version)
     */
    public boolean write(PostState state, String origin) {
        if (this.clock.millis() < this.skipUntilMillis) {
            return false;
        }
        try {
            // Pinned there: the peer's replica gets this state only through the binlog, a moment (or a cut) later.
            this.peerCache.apply(state, origin, PostCache.Backing.CACHE_ONLY);
            if (this.lastFailure != null) {
                log.info("The other datacenter's cache is reachable again");
                this.lastFailure = null;
            }
            return true;
        }
        catch (RuntimeException ex) {
            // Not lost: reship carries the same write to the peer's collector once the link is back.
            this.skipUntilMillis = this.clock.millis() + this.retryAfter.toMillis();
            if (this.lastFailure == null) {
                log.warn("Cannot write the other datacenter's cache ({}); reship carries the writes until it is back",
                        ex.toString());
            }
            this.lastFailure = ex.toString();
            return false;
        }
    }

    /** Why the last write to the peer failed, or {@code null} if the last one succeeded. */
    public String lastFailure() {
        return this.lastFailure;
    }

    @Override
    public void close() {
        this.peerJedis.close();
    }

}
