package io.wmb.reconciler.lease;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LeaseTests {

    private final Clock clock = Clock.fixed(Instant.parse("2030-05-01T10:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldAcquireWhenNoLeaseExists() {
        assertThat(Lease.decide(null, "unicom-a", this.clock.instant())).isEqualTo(Lease.Decision.ACQUIRE);
    }

    @Test
    void shouldRenewItsOwnLease() {
        Lease mine = new Lease("unicom-a", this.clock.instant().plusSeconds(30), null);
        assertThat(Lease.decide(mine, "unicom-a", this.clock.instant())).isEqualTo(Lease.Decision.RENEW);
    }

    @Test
    void shouldWaitWhileAnotherInstanceHoldsIt() {
        Lease theirs = new Lease("telecom-b", this.clock.instant().plusMillis(1), null);
        Lease.Decision decision = Lease.decide(theirs, "unicom-a", this.clock.instant());
        assertThat(decision).isEqualTo(Lease.Decision.WAIT);
        assertThat(decision.mayWrite()).isFalse();
    }

    @Test
    void shouldTakeOverAtTheMomentTheLeaseExpires() {
        Lease theirs = new Lease("telecom-b", this.clock.instant(), Instant.EPOCH);
        assertThat(Lease.decide(theirs, "unicom-a", this.clock.instant())).isEqualTo(Lease.Decision.TAKE_OVER);
        Clock later = Clock.offset(this.clock, Duration.ofMinutes(5));
        assertThat(Lease.decide(theirs, "unicom-a", later.instant())).isEqualTo(Lease.Decision.TAKE_OVER);
    }

    @Test
    void shouldRunOnlyBeforeItsExpiry() {
        Lease lease = new Lease("unicom-a", this.clock.instant().plusSeconds(1), null);
        assertThat(lease.runsAt(this.clock.instant())).isTrue();
        assertThat(lease.runsAt(this.clock.instant().plusSeconds(1))).isFalse();
    }

}
