package io.wmb.collector.config;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.collector.apply.BatchApplier;
import io.wmb.collector.kafka.InboundConsumer;
import io.wmb.collector.kafka.InboundConsumerHealthIndicator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the message-queue transport ({@code wmb.collector.transport: kafka}): a consumer of this datacenter's
 * inbound topic feeding the same {@link BatchApplier} as the gRPC server, which keeps running.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "wmb.collector.transport", havingValue = "kafka")
class CollectorKafkaConfiguration {

    /**
     * The topic the peer's bridge writes into, on this datacenter's broker: named after the origin, as the peer's
     * reship names it (docs/design.md).
     */
    static String inboundTopic(CollectorProperties properties) {
        return "wmb-inbound-" + properties.peer().datacenter();
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    InboundConsumer inboundConsumer(BatchApplier batchApplier, CollectorProperties properties,
            MeterRegistry meterRegistry, Clock clock) {
        CollectorProperties.Kafka kafka = properties.kafka();
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "wmb-collector-" + properties.datacenter());
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "collector-" + properties.datacenter());
        // Offsets move only after the apply: at least once, and the applier makes it once in effect.
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, kafka.batchSize());
        return new InboundConsumer(new KafkaConsumer<>(config, new LongDeserializer(), new ByteArrayDeserializer()),
                batchApplier, inboundTopic(properties), kafka.initialBackoff(), kafka.maxBackoff(), meterRegistry,
                clock);
    }

    @Bean
    InboundConsumerHealthIndicator inboundConsumerHealthIndicator(InboundConsumer inboundConsumer,
            CollectorProperties properties) {
        return new InboundConsumerHealthIndicator(inboundConsumer, inboundTopic(properties));
    }

}
