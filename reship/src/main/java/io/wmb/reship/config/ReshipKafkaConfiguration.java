package io.wmb.reship.config;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.reship.kafka.KafkaTransportHealthIndicator;
import io.wmb.reship.kafka.OutboxPublisher;
import io.wmb.reship.kafka.PeerBridge;
import io.wmb.reship.outbox.Outbox;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.LongSerializer;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the message-queue transport ({@code wmb.reship.transport: kafka}) in place of the gRPC forwarder: the
 * outbox is published to this datacenter's broker, and a bridge moves it into the peer's broker.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "wmb.reship.transport", havingValue = "kafka")
class ReshipKafkaConfiguration {

    @Bean(initMethod = "start", destroyMethod = "close")
    OutboxPublisher outboxPublisher(Outbox outbox, ReshipProperties properties, MeterRegistry meterRegistry,
            Clock clock) {
        ReshipProperties.Kafka kafka = properties.kafka();
        Map<String, Object> config = producerConfig(kafka.bootstrapServers(), kafka.deliveryTimeout().toMillis(),
                "reship-" + properties.datacenter() + "-publisher");
        return new OutboxPublisher(outbox, new KafkaProducer<>(config, new LongSerializer(),
                new ByteArraySerializer()), properties.datacenter(), kafka, meterRegistry, clock);
    }

    @Bean(initMethod = "start", destroyMethod = "close")
    PeerBridge peerBridge(ReshipProperties properties, ElasticsearchProcessingLog processingLog,
            MeterRegistry meterRegistry, Clock clock) {
        ReshipProperties.Kafka kafka = properties.kafka();
        Map<String, Object> consumer = new HashMap<>();
        consumer.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "wmb-bridge-" + properties.datacenter());
        consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "reship-" + properties.datacenter() + "-bridge");
        // Offsets move only after the peer's broker acknowledged: at least once.
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, kafka.batchSize());
        Map<String, Object> producer = producerConfig(kafka.peerBootstrapServers(),
                kafka.peerDeliveryTimeout().toMillis(), "reship-" + properties.datacenter() + "-bridge");
        return new PeerBridge(new KafkaConsumer<>(consumer, new LongDeserializer(), new ByteArrayDeserializer()),
                () -> new KafkaProducer<>(producer, new LongSerializer(), new ByteArraySerializer()),
                properties.datacenter(), kafka, processingLog, meterRegistry, clock);
    }

    @Bean
    KafkaTransportHealthIndicator kafkaTransportHealthIndicator(OutboxPublisher outboxPublisher,
            PeerBridge peerBridge, Outbox outbox) {
        return new KafkaTransportHealthIndicator(outboxPublisher, peerBridge, outbox);
    }

    /**
     * Idempotent, {@code acks=all}: a write counts as handed over only once the broker has it, and a retry inside
     * the producer never duplicates or reorders it.
     */
    private static Map<String, Object> producerConfig(String bootstrapServers, long deliveryTimeoutMillis,
            String clientId) {
        long requestTimeout = Math.max(1000, Math.min(10_000, deliveryTimeoutMillis / 3));
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(deliveryTimeoutMillis, requestTimeout + 2));
        // send() blocks while the broker's metadata is unknown (a cut link): give up in time for the next round.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, requestTimeout);
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2000);
        return config;
    }

}
