package io.wmb.processor.idempotency;

import java.time.Duration;
import java.util.Optional;

import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

/**
 * Remembers the responses of writes by their idempotency key (the client's {@code Idempotency-Key} or its own
 * {@code X-Request-Id}), in this datacenter's Redis, so that a repeated write is applied once and answered alike.
 * <p>
 * A key is first claimed as pending ({@code SET NX}), then replaced by the response. A request fingerprint (method,
 * path, body) guards against a key reused for a different request.
 */
public class IdempotencyStore {

    private static final String PREFIX = "wmb:idem:";

    private static final String PENDING = "P";

    private static final String DONE = "D";

    private static final char SEPARATOR = '\n';

    private final JedisPooled jedis;

    private final long ttlSeconds;

    /**
     * Creates the store.
     * @param jedis the pool; shared, not this class's to close
     * @param ttl how long a key is remembered
     */
    public IdempotencyStore(JedisPooled jedis, Duration ttl) {
        if (ttl.toSeconds() < 1) {
            throw new IllegalArgumentException("ttl must be at least one second, but was " + ttl);
        }
        this.jedis = jedis;
        this.ttlSeconds = ttl.toSeconds();
    }

    /**
     * Claims a key for a request, or returns the response stored under it.
     * @param key the idempotency key
     * @param fingerprint what identifies the request
     * @return empty if the caller now owns the key and must do the write; the stored response otherwise
     * @throws IdempotencyConflictException if the key is in use by a request still running, or by another request
     */
    public Optional<StoredResponse> claim(String key, String fingerprint) {
        String redisKey = PREFIX + key;
        for (int attempt = 0; attempt < 3; attempt++) {
            String claimed = jedis.set(redisKey, PENDING + SEPARATOR + fingerprint,
                    SetParams.setParams().nx().ex(ttlSeconds));
            if ("OK".equals(claimed)) {
                return Optional.empty();
            }
            String stored = jedis.get(redisKey);
            if (stored == null) {
                // Expired between the two commands: claim again.
                continue;
            }
            String[] parts = stored.split(String.valueOf(SEPARATOR), 5);
            if (!fingerprint.equals(parts[1])) {
                throw new IdempotencyConflictException("Idempotency key '" + key
                        + "' was already used for a different request", false);
            }
            if (PENDING.equals(parts[0])) {
                throw new IdempotencyConflictException("A request with idempotency key '" + key
                        + "' is still being processed; retry later", true);
            }
            return Optional.of(new StoredResponse(Integer.parseInt(parts[2]), parts[3], parts[4]));
        }
        throw new IdempotencyConflictException("Idempotency key '" + key + "' could not be claimed; retry later", true);
    }

    /**
     * Stores the response of a claimed key.
     * @param key the key
     * @param fingerprint the request's fingerprint
     * @param response the response
     */
    public void complete(String key, String fingerprint, StoredResponse response) {
        jedis.set(PREFIX + key, DONE + SEPARATOR + fingerprint + SEPARATOR + response.status() + SEPARATOR
                + response.requestId() + SEPARATOR + response.body(), SetParams.setParams().ex(ttlSeconds));
    }

    /**
     * Releases a claimed key after a failed request, so that a retry can do the write.
     * @param key the key
     */
    public void release(String key) {
        jedis.del(PREFIX + key);
    }

    /**
     * A remembered response.
     *
     * @param status the HTTP status
     * @param requestId the request id of the write
     * @param body the JSON body, empty for none
     */
    public record StoredResponse(int status, String requestId, String body) {
    }

}
