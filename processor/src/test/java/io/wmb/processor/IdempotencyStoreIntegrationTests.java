package io.wmb.processor;

import java.time.Duration;

import io.wmb.infra.Datacenter;
import io.wmb.processor.idempotency.IdempotencyConflictException;
import io.wmb.processor.idempotency.IdempotencyStore;
import io.wmb.processor.idempotency.IdempotencyStore.StoredResponse;
import redis.clients.jedis.JedisPooled;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The idempotency store against a real Redis. */
class IdempotencyStoreIntegrationTests extends IntegrationTestSupport {

    @Test
    void shouldClaimOnceAnswerBusyThenReplayTheStoredResponse() {
        try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.UNICOM))) {
            IdempotencyStore store = new IdempotencyStore(jedis, Duration.ofMinutes(1));
            String key = "idem-" + newAuthor();
            assertThat(store.claim(key, "fp")).isEmpty();
            assertThatThrownBy(() -> store.claim(key, "fp")).isInstanceOfSatisfying(
                    IdempotencyConflictException.class, ex -> assertThat(ex.inProgress()).isTrue());
            store.complete(key, "fp", new StoredResponse(201, "req-1", "{\"a\":\n1}"));
            assertThat(store.claim(key, "fp")).contains(new StoredResponse(201, "req-1", "{\"a\":\n1}"));
            assertThatThrownBy(() -> store.claim(key, "other")).isInstanceOfSatisfying(
                    IdempotencyConflictException.class, ex -> assertThat(ex.inProgress()).isFalse());
            assertThat(jedis.ttl("wmb:idem:" + key)).isBetween(1L, 60L);
        }
    }

    @Test
    void shouldLetARetryClaimAKeyReleasedAfterAFailure() {
        try (JedisPooled jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.UNICOM))) {
            IdempotencyStore store = new IdempotencyStore(jedis, Duration.ofMinutes(1));
            String key = "idem-" + newAuthor();
            assertThat(store.claim(key, "fp")).isEmpty();
            store.release(key);
            assertThat(store.claim(key, "fp")).isEmpty();
        }
    }

}
