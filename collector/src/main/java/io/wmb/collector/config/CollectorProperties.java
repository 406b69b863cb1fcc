package io.wmb.collector.config;

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
 * Configuration of the collector: where it listens, whom it accepts writes from, where it applies them.
 * Defaults (here, so that they hold even where another service's application.yml shadows this one on a shared
 * classpath) run the local demo; application.yml maps the environment variables.
 *
 * @param datacenter this datacenter's name ({@code unicom} or {@code telecom})
 * @param dataDir where the de-duplication store lives on local disk
 * @param grpc the gRPC server the peer's reship streams to
 * @param peer the one datacenter allowed to send writes, and its shared secret
 * @param processor the local processor that applies the writes
 * @param dedup how long a requestId is remembered
 * @param processingLog the Elasticsearch cluster holding the processing log
 * @param transport how the peer's writes arrive: {@code grpc} (the default; the gRPC server runs in both modes) or
 *     {@code kafka} (also consume this datacenter's inbound topic)
 * @param kafka the message-queue transport's broker and limits, used with {@code transport: kafka}
 */
@Validated
@ConfigurationProperties("wmb.collector")
public record CollectorProperties(@DefaultValue("unicom") @NotBlank String datacenter,
        @DefaultValue(".wmb-data/collector") @NotNull Path dataDir, @DefaultValue @Valid @NotNull Grpc grpc,
        @DefaultValue @Valid @NotNull Peer peer, @DefaultValue @Valid @NotNull Processor processor,
        @DefaultValue @Valid @NotNull Dedup dedup, @DefaultValue @Valid @NotNull ProcessingLog processingLog,
        @DefaultValue("grpc") @NotNull Transport transport, @DefaultValue @Valid @NotNull Kafka kafka) {

    public CollectorProperties {
        if (peer != null && (peer.datacenter() == null || peer.datacenter().isBlank()) && datacenter != null) {
            // Two datacenters: by default the peer is the other one.
            peer = new Peer("unicom".equals(datacenter) ? "telecom" : "unicom", peer.secret());
        }
    }

    /** How the peer's writes arrive. */
    public enum Transport {

        /** The peer's reship streams them to this collector's gRPC server (the default). */
        GRPC,

        /** The peer's bridge produces them into this datacenter's broker; this collector consumes them. */
        KAFKA

    }

    /**
     * The gRPC server.
     *
     * @param address the address to bind (loopback for the local demo, {@code 0.0.0.0} in containers)
     * @param port the port ({@code 0} picks a free one)
     * @param permitKeepAlive the most frequent keep-alive ping accepted from the peer
     * @param applyThreads threads applying batches; each stream uses one at a time, which keeps its order
     * @param syncBuffer the most batches a sync stream takes ahead of their acknowledgements; those that queue up
     *     while the previous ones are applied go to the processor together
     * @param maxGroupWrites the most writes of such queued batches applied with one call
     */
    public record Grpc(@DefaultValue("127.0.0.1") @NotBlank String address,
            @DefaultValue("9121") @Min(0) @Max(65535) int port,
            @DefaultValue("5s") @NotNull Duration permitKeepAlive,
            @DefaultValue("2") @Min(1) @Max(256) int applyThreads,
            @DefaultValue("16") @Min(1) @Max(1024) int syncBuffer,
            @DefaultValue("1000") @Min(1) @Max(100_000) int maxGroupWrites) {
    }

    /**
     * The peer datacenter.
     *
     * @param datacenter the peer's name; empty means the other of {@code unicom} and {@code telecom}
     * @param secret the shared secret the peer must send as {@code authorization: Bearer <secret>}
     */
    public record Peer(String datacenter, @DefaultValue("wmb-local-demo-peer-secret") @NotBlank String secret) {
    }

    /**
     * The local processor.
     *
     * @param target host:port of the processor's gRPC server
     * @param deadline how long one {@code Apply} may take before the batch counts as failed (and is re-sent)
     */
    public record Processor(@DefaultValue("127.0.0.1:9101") @NotBlank String target,
            @DefaultValue("5s") @NotNull Duration deadline) {
    }

    /**
     * De-duplication by requestId.
     *
     * @param retention how long an applied requestId is remembered; longer than any write can wait in the
     *     peer's outbox, after that the processor's version check still catches a replay
     */
    public record Dedup(@DefaultValue("7d") @NotNull Duration retention) {
    }

    /**
     * The processing log.
     *
     * @param elasticsearchUrl the Elasticsearch cluster's URL
     */
    public record ProcessingLog(@DefaultValue("http://127.0.0.1:9200") @NotBlank String elasticsearchUrl) {
    }

    /**
     * The message-queue transport: this collector consumes topic {@code wmb-inbound-<peer>} of this datacenter's
     * broker, in consumer group {@code wmb-collector-<datacenter>}.
     *
     * @param bootstrapServers this datacenter's broker
     * @param batchSize the most records applied in one batch
     * @param initialBackoff the first wait after a batch the processor could not apply
     * @param maxBackoff the longest wait between batches that fail
     */
    public record Kafka(@DefaultValue("127.0.0.1:9301") @NotBlank String bootstrapServers,
            @DefaultValue("500") @Min(1) @Max(10_000) int batchSize,
            @DefaultValue("100ms") @NotNull Duration initialBackoff,
            @DefaultValue("5s") @NotNull Duration maxBackoff) {
    }

}
