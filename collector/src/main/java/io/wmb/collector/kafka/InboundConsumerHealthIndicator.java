package io.wmb.collector.kafka;

import java.time.Instant;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Shows how consuming the inbound topic goes. Always UP: a processor that cannot apply yet leaves the writes in the
 * topic, which is what the topic is for.
 */
public final class InboundConsumerHealthIndicator implements HealthIndicator {

    private final InboundConsumer consumer;

    private final String topic;

    /**
     * Creates the indicator.
     * @param consumer the consumer
     * @param topic the topic it consumes
     */
    public InboundConsumerHealthIndicator(InboundConsumer consumer, String topic) {
        this.consumer = consumer;
        this.topic = topic;
    }

    @Override
    public Health health() {
        long last = this.consumer.lastAppliedAtMillis();
        return Health.up()
            .withDetail("transport", "kafka")
            .withDetail("topic", this.topic)
            .withDetail("applying", !this.consumer.isFailing())
            .withDetail("lastAppliedAt", (last == 0) ? "never" : Instant.ofEpochMilli(last).toString())
            .build();
    }

}
