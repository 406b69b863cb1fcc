package io.wmb.processor.topology;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.ops.MasterOwnership;
import io.wmb.processor.post.PostState;
import redis.clients.jedis.JedisPooled;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WriteTopologyTests {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC);

    /** Nothing listens on port 1: every write to this peer fails at once. */
    private final PeerCacheWriter unreachablePeer = new PeerCacheWriter(new JedisPooled("127.0.0.1", 1),
            new ProcessorMetrics(new SimpleMeterRegistry()), CLOCK, Duration.ofSeconds(2), Duration.ofHours(1));

    @AfterEach
    void closePeer() {
        this.unreachablePeer.close();
    }

    @Test
    void shouldTakeWritesEverywhereInIndependentMode() {
        WriteTopology telecom = new WriteTopology(Topology.INDEPENDENT, new MasterOwnership(false), null, "telecom");

        assertThatNoException().isThrownBy(telecom::checkAcceptsWrites);
        assertThat(telecom.describe()).containsEntry("topology", "independent").containsEntry("acceptsWrites", true);
    }

    @Test
    void shouldRefuseWritesWhereTheMasterIsNotOwnedInMasterSlaveMode() {
        WriteTopology telecom = new WriteTopology(Topology.MASTER_SLAVE, new MasterOwnership(false),
                this.unreachablePeer, "telecom");

        assertThatThrownBy(telecom::checkAcceptsWrites).isInstanceOf(NotMasterDatacenterException.class)
            .hasMessageContaining("telecom").hasMessageContaining("master-slave");
        assertThat(telecom.describe()).containsEntry("topology", "master-slave").containsEntry("acceptsWrites", false);
    }

    @Test
    void shouldMoveTheMasterRoleWithTheDatabaseOwnerSwitch() {
        MasterOwnership ownership = new MasterOwnership(false);
        WriteTopology telecom = new WriteTopology(Topology.MASTER_SLAVE, ownership, this.unreachablePeer, "telecom");

        ownership.set(true);

        assertThatNoException().isThrownBy(telecom::checkAcceptsWrites);
    }

    @Test
    void shouldNotFailTheWriteWhenThePeerCacheIsUnreachableButReportIt() {
        WriteTopology unicom = new WriteTopology(Topology.MASTER_SLAVE, new MasterOwnership(true),
                this.unreachablePeer, "unicom");

        assertThatNoException().isThrownBy(() -> unicom.afterLocalWrite(post(), "unicom"));
        assertThat(unicom.describe()).containsEntry("peerCacheReachable", false).containsKey("peerCacheFailure");
    }

    @Test
    void shouldLeaveAFailedPeerAloneUntilRetryAfterHasPassed() {
        assertThat(this.unreachablePeer.write(post(), "unicom")).isFalse();
        String failure = this.unreachablePeer.lastFailure();

        // Within retryAfter (the clock stands still) the writer does not try, so the failure stays the first one.
        assertThat(this.unreachablePeer.write(post(), "unicom")).isFalse();
        assertThat(this.unreachablePeer.lastFailure()).isSameAs(failure);
    }

    @Test
    void shouldRequireAPeerCacheInMasterSlaveMode() {
        assertThatThrownBy(() -> new WriteTopology(Topology.MASTER_SLAVE, new MasterOwnership(true), null, "unicom"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("master-slave");
    }

    private static PostState post() {
        return new PostState(1L, 2L, "content", false, 1L << 20, 1L, 1L, Map.of("unicom", 0L));
    }

}
