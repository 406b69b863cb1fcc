package io.wmb.reship.forward;

import java.time.Instant;

import io.grpc.ManagedChannel;
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

    private final ManagedChannel channel;

    /**
     * Creates the indicator.
     * @param forwarder the forwarder
     * @param outbox its outbox
     * @param channel the channel to the peer's collector, whose state tells whether the link is up
     */
    public ForwarderHealthIndicator(Forwarder forwarder, Outbox outbox, ManagedChannel channel) {
        this.forwarder = forwarder;
        this.outbox = outbox;
        this.channel = channel;
    }

    @Override
    public Health health() {
        long lastAck = this.forwarder.lastAcknowledgedAtMillis();
        return Health.up()
            .withDetail("connection", this.channel.getState(false).name())
            .withDetail("streamOpen", this.forwarder.isStreaming())
            .withDetail("outboxDepth", this.outbox.depth())
            .withDetail("lastAcknowledgedAt", (lastAck == 0) ? "never" : Instant.ofEpochMilli(lastAck).toString())
            .build();
    }

}
