package io.wmb.reship.config;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the reship: where it listens, where it keeps its outbox and how it forwards to the peer
 * datacenter's collector. Defaults (here, so that they hold even where another service's application.yml
 * shadows this one on a shared classpath) run the local demo; application.yml maps the environment variables.
 *
 * @param datacenter this datacenter's name ({@code unicom} or {@code telecom}); only its own writes are accepted
 * @param dataDir where the outbox lives on local disk
 * @param grpc the gRPC server that takes the local processor's writes
 * @param outbox limits of the durable outbox
 * @param collector the peer datacenter's collector and how to stream to it
 * @param processingLog the Elasticsearch cluster holding the processing log
 * @param transport how writes travel to the peer: {@code grpc} (the default) or {@code kafka}
 * @param kafka the message-queue transport's brokers and limits, used with {@code transport: kafka}
 */
@Validated
@ConfigurationProperties("wmb.reship")
public record ReshipProperties(@DefaultValue("unicom") @NotBlank String datacenter,
        @DefaultValue(".wmb-data/reship") @NotNull Path dataDir, @DefaultValue @Valid @NotNull Grpc grpc,
        @DefaultValue @Valid @NotNull Outbox outbox, @DefaultValue @Valid @NotNull Collector collector,
        @DefaultValue @Valid @NotNull ProcessingLog processingLog, @DefaultValue("grpc") @NotNull Transport transport,
        @DefaultValue @Valid @NotNull Kafka kafka) {

    /** How writes travel to the peer datacenter. */
    public enum Transport {

        /** One gRPC stream from this reship to the peer's collector (the default). */
        GRPC,

        /** This datacenter's Kafka topic, a bridge into the peer's topic, the peer's collector consuming it. */
        KAFKA

    }

    /**
     * The gRPC server.
     *
     * @param address the address to bind (loopback for the local demo, {@code 0.0.0.0} in containers)
     * @param port the port ({@code 0} picks a free one)
     * @param maxBatchWrites the largest batch a single {@code Submit} may carry
     */
    public record Grpc(@DefaultValue("127.0.0.1") @NotBlank String address,
            @DefaultValue("9111") @Min(0) @Max(65535) int port,
            @DefaultValue("10000") @Min(1) @Max(100_000) int maxBatchWrites) {
    }

    /**
     * The durable outbox.
     *
     * @param maxEntries above this many unacknowledged writes, {@code Submit} answers RESOURCE_EXHAUSTED
     * @param maxGroupCommitWrites the most writes grouped into one synced disk write
     */
    public record Outbox(@DefaultValue("10000000") @Min(1) long maxEntries,
            @DefaultValue("20000") @Min(1) int maxGroupCommitWrites) {
    }

    /**
     * The peer datacenter's collector.
     *
     * @param target host:port of the peer's collector, through the inter-datacenter link
     * @param secret the shared secret sent as {@code authorization: Bearer <secret>}
     * @param batchSize the most writes in one batch on the stream
     * @param linger how long a batch that is not yet full waits for more writes while another batch is in flight
     * @param window the most batches in flight (sent, not yet acknowledged): the backpressure bound
     * @param ackTimeout a batch not acknowledged within this time breaks the stream, which is then re-opened
     * @param streamMaxAge the deadline of one stream; it is re-opened after that, losing nothing
     * @param initialBackoff the first wait before re-opening a broken stream
     * @param maxBackoff the longest wait between attempts to re-open the stream
     * @param keepAlive how often an idle connection is pinged, so that a silently dead link is noticed
     */
    public record Collector(@DefaultValue("127.0.0.1:19122") @NotBlank String target,
            @DefaultValue("wmb-local-demo-peer-secret") @NotBlank String secret,
            @DefaultValue("500") @Min(1) @Max(10_000) int batchSize, @DefaultValue("5ms") @NotNull Duration linger,
            @DefaultValue("8") @Min(1) @Max(1024) int window, @DefaultValue("10s") @NotNull Duration ackTimeout,
            @DefaultValue("30m") @NotNull Duration streamMaxAge,
            @DefaultValue("100ms") @NotNull Duration initialBackoff,
            @DefaultValue("5s") @NotNull Duration maxBackoff, @DefaultValue("10s") @NotNull Duration keepAlive) {
    }

    /**
     * The processing log.
     *
     * @param elasticsearchUrl the Elasticsearch cluster's URL
     */
    public record ProcessingLog(@DefaultValue("http://127.0.0.1:9200") @NotBlank String elasticsearchUrl) {
    }

    /**
     * The message-queue transport: the outbox is published to this datacenter's broker (topic
     * {@code wmb-outbound-<datacenter>}), and a bridge moves that topic into the peer's broker (topic
     * {@code wmb-inbound-<datacenter>}), which the peer's collector consumes.
     *
     * @param bootstrapServers this datacenter's broker
     * @param peerBootstrapServers the peer datacenter's broker, through the inter-datacenter link
     * @param batchSize the most writes published, or bridged, in one round
     * @param deliveryTimeout how long a publish to this datacenter's broker may take before it is retried
     * @param peerDeliveryTimeout how long a produce to the peer's broker may take before the bridge retries it
     * @param initialBackoff the first wait after a failed round
     * @param maxBackoff the longest wait between rounds that fail
     */
    public record Kafka(@DefaultValue("127.0.0.1:9301") @NotBlank String bootstrapServers,
            @DefaultValue("127.0.0.1:19312") @NotBlank String peerBootstrapServers,
            @DefaultValue("500") @Min(1) @Max(10_000) int batchSize,
            @DefaultValue("30s") @NotNull Duration deliveryTimeout,
            @DefaultValue("15s") @NotNull Duration peerDeliveryTimeout,
            @DefaultValue("100ms") @NotNull Duration initialBackoff,
            @DefaultValue("5s") @NotNull Duration maxBackoff) {
    }

}
