package io.wmb.reship.kafka;

import java.time.Instant;

import io.wmb.reship.outbox.Outbox;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Shows how the message-queue transport goes. Always UP, like the gRPC forwarder's indicator: an unreachable broker
 * or peer is what the outbox and the topics are there for, not a reason to take reship out of service.
 */
public final class KafkaTransportHealthIndicator implements HealthIndicator {

    private final OutboxPublisher publisher;

    private final PeerBridge bridge;

    private final Outbox outbox;

    /**
     * Creates the indicator.
     * @param publisher the first hop (outbox to this datacenter's topic)
     * @param bridge the second hop (this datacenter's topic to the peer's)
     * @param outbox the outbox
     */
    public KafkaTransportHealthIndicator(OutboxPublisher publisher, PeerBridge bridge, Outbox outbox) {
        this.publisher = publisher;
        this.bridge = bridge;
        this.outbox = outbox;
    }

    @Override
    public Health health() {
        return Health.up()
            .withDetail("transport", "kafka")
            .withDetail("outboxDepth", this.outbox.depth())
            .withDetail("lastPublishedAt", time(this.publisher.lastPublishedAtMillis()))
            .withDetail("peerReachable", !this.bridge.isFailing())
            .withDetail("bridgeBacklog", this.bridge.backlog())
            .withDetail("lastBridgedAt", time(this.bridge.lastBridgedAtMillis()))
            .build();
    }

    private static String time(long millis) {
        return (millis == 0) ? "never" : Instant.ofEpochMilli(millis).toString();
    }

}
