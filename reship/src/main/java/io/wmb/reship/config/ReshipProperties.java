package io.wmb.reship.config;

import java.nio.file.Path;
import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the reship: where it listens, where it keeps its outbox and how it forwards to the peer
 * datacenter's collector.
 *
 * @param datacenter this datacenter's name ({@code unicom} or {@code telecom}); only its own writes are accepted
 * @param dataDir where the outbox lives on local disk
 * @param grpc the gRPC server that takes the local processor's writes
 * @param outbox limits of the durable outbox
 * @param collector the peer datacenter's collector and how to stream to it
 * @param processingLog the Elasticsearch cluster holding the processing log
 */
@Validated
@ConfigurationProperties("wmb.reship")
public record ReshipProperties(@NotBlank String datacenter, @NotNull Path dataDir, @Valid @NotNull Grpc grpc,
        @Valid @NotNull Outbox outbox, @Valid @NotNull Collector collector,
        @Valid @NotNull ProcessingLog processingLog) {

    /**
     * The gRPC server.
     *
     * @param address the address to bind (loopback for the local demo, {@code 0.0.0.0} in containers)
     * @param port the port ({@code 0} picks a free one)
     * @param maxBatchWrites the largest batch a single {@code Submit} may carry
     */
    public record Grpc(@NotBlank String address, @Min(0) @Max(65535) int port,
            @Min(1) @Max(100_000) int maxBatchWrites) {
    }

    /**
     * The durable outbox.
     *
     * @param maxEntries above this many unacknowledged writes, {@code Submit} answers RESOURCE_EXHAUSTED
     * @param maxGroupCommitWrites the most writes grouped into one synced disk write
     */
    public record Outbox(@Min(1) long maxEntries, @Min(1) int maxGroupCommitWrites) {
    }

    /**
     * The peer datacenter's collector.
     *
     * @param target host:port of the peer's collector, through the inter-datacenter link
     * @param secret the shared secret sent as {@code authorization: Bearer <secret>}
     * @param batchSize the most writes in one batch on the stream
     * @param linger how long a batch that is not yet full waits for more writes
     * @param window the most batches in flight (sent, not yet acknowledged): the backpressure bound
     * @param ackTimeout a batch not acknowledged within this time breaks the stream, which is then re-opened
     * @param streamMaxAge the deadline of one stream; it is re-opened after that, losing nothing
     * @param initialBackoff the first wait before re-opening a broken stream
     * @param maxBackoff the longest wait between attempts to re-open the stream
     * @param keepAlive how often an idle connection is pinged, so that a silently dead link is noticed
     */
    public record Collector(@NotBlank String target, @NotBlank String secret, @Min(1) @Max(10_000) int batchSize,
            @NotNull Duration linger, @Min(1) @Max(1024) int window, @NotNull Duration ackTimeout,
            @NotNull Duration streamMaxAge, @NotNull Duration initialBackoff, @NotNull Duration maxBackoff,
            @NotNull Duration keepAlive) {
    }

    /**
     * The processing log.
     *
     * @param elasticsearchUrl the Elasticsearch cluster's URL
     */
    public record ProcessingLog(@NotBlank String elasticsearchUrl) {
    }

}
