package io.wmb.reship.forward;

import java.time.Instant;

import io.wmb.reship.outbox.Outbox;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Shows how the forwarding to the peer goes. Always UP: an unreachable peer is the case reship is built for
 * (it keeps accepting), not a reason to take this datacenter's reship out of service. The outbox depth and
 * the time of the last acknowledgement tell how far behind the peer is.
 */
public final class ForwarderHealthIndicator implements HealthIndicator {

    private final Forwarder forwarder;

    private final Outbox outbox;

    /**
     * Creates the indicator.
     * @param forwarder the forwarder
     * @param outbox its outbox
     */
    public ForwarderHealthIndicator(Forwarder forwarder, Outbox outbox) {
        this.forwarder = forwarder;
        this.outbox = outbox;
    }

    @Override
    public Health health() {
        long lastAck = this.forwarder.lastAcknowledgedAtMillis();
        return Health.up()
            .withDetail("streaming", this.forwarder.isStreaming())
            .withDetail("outboxDepth", this.outbox.depth())
            .withDetail("lastAcknowledgedAt", (lastAck == 0) ? "never" : Instant.ofEpochMilli(lastAck).toString())
            .build();
    }

}
