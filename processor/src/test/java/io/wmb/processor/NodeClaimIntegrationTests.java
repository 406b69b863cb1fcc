package io.wmb.processor;

import java.time.Duration;

import io.wmb.infra.Datacenter;
import io.wmb.processor.version.NodeClaim;
import io.wmb.processor.version.NodeTakenException;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.SetParams;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/** Claims of processor node numbers, which keep post ids unique, against a real Redis. */
class NodeClaimIntegrationTests extends IntegrationTestSupport {

    private static final Duration TTL = Duration.ofMillis(900);

    private JedisPooled jedis;

    /** A datacenter name of this test alone, so that no other test's claims are in the way. */
    private String datacenter;

    @BeforeEach
    void connect() {
        jedis = new JedisPooled(datacenters.infrastructure.redisUrl(Datacenter.UNICOM));
        datacenter = "test" + newAuthor();
    }

    @AfterEach
    void disconnect() {
        jedis.close();
    }

    @Test
    void shouldRefuseANodeThatAnotherRunningProcessorHolds() {
        try (NodeClaim first = NodeClaim.claim(jedis, datacenter, 3, "processor-a", TTL)) {
            long started = System.nanoTime();
            // The first one keeps extending its claim, so waiting out the time to live does not free it.
            assertThatExceptionOfType(NodeTakenException.class)
                .isThrownBy(() -> NodeClaim.claim(jedis, datacenter, 3, "processor-b", TTL))
                .withMessageContaining("node 3 of " + datacenter)
                .withMessageContaining("processor-a")
                .withMessageContaining("WMB_PROCESSOR_NODE");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(TTL);
            assertThat(jedis.get(key(3))).isEqualTo("processor-a");
        }
    }

    @Test
    void shouldLetTheProcessorsOfADatacenterHoldNodesOfTheirOwn() {
        try (NodeClaim first = NodeClaim.claim(jedis, datacenter, 0, "processor-a", TTL);
                NodeClaim second = NodeClaim.claim(jedis, datacenter, 1, "processor-b", TTL)) {
            assertThat(first.node()).isZero();
            assertThat(second.node()).isOne();
            assertThat(jedis.get(key(0))).isEqualTo("processor-a");
            assertThat(jedis.get(key(1))).isEqualTo("processor-b");
        }
    }

    @Test
    void shouldKeepTheClaimAliveBeyondItsTimeToLive() throws InterruptedException {
        try (NodeClaim claim = NodeClaim.claim(jedis, datacenter, 5, "processor-a", TTL)) {
            Thread.sleep(TTL.multipliedBy(3).toMillis());
            assertThat(jedis.get(key(5))).isEqualTo("processor-a");
        }
    }

    @Test
    void shouldFreeTheNodeWhenTheProcessorStops() {
        NodeClaim.claim(jedis, datacenter, 2, "processor-a", Duration.ofMinutes(1)).close();
        long started = System.nanoTime();
        try (NodeClaim successor = NodeClaim.claim(jedis, datacenter, 2, "processor-b", Duration.ofMinutes(1))) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(jedis.get(key(2))).isEqualTo("processor-b");
        }
    }

    @Test
    void shouldTakeBackItsOwnClaimAtOnceAfterACrash() {
        // What a crashed processor leaves: its claim, still alive for most of a minute.
        jedis.set(key(4), "processor-a", SetParams.setParams().px(Duration.ofMinutes(1).toMillis()));
        long started = System.nanoTime();
        try (NodeClaim restarted = NodeClaim.claim(jedis, datacenter, 4, "processor-a", Duration.ofMinutes(1))) {
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(jedis.pttl(key(4))).isGreaterThan(Duration.ofSeconds(50).toMillis());
        }
    }

    @Test
    void shouldTakeOverTheNodeOfACrashedProcessorOnceItsClaimLapses() {
        jedis.set(key(6), "processor-crashed", SetParams.setParams().px(400));
        try (NodeClaim successor = NodeClaim.claim(jedis, datacenter, 6, "processor-b", Duration.ofSeconds(2))) {
            assertThat(jedis.get(key(6))).isEqualTo("processor-b");
        }
    }

    @Test
    void shouldNameRedisWhenItCannotBeReachedToClaimTheNode() {
        try (JedisPooled nowhere = new JedisPooled("127.0.0.1", 1)) {
            assertThatIllegalStateException()
                .isThrownBy(() -> NodeClaim.claim(nowhere, datacenter, 0, "processor-a", Duration.ofMillis(300)))
                .withMessageStartingWith("Could not claim processor node 0 of " + datacenter + " in Redis");
        }
    }

    private String key(int node) {
        return "wmb:processor-node:" + datacenter + ":" + node;
    }

}
