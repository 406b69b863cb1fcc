package io.wmb.processor.config;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import io.wmb.processor.topology.Topology;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Configuration of the processor of one datacenter. Defaults (in {@code application.yml}) run unicom of the local
 * demo; every value can be set by an environment variable.
 *
 * @param datacenter this datacenter: {@code unicom} or {@code telecom}
 * @param ownsMaster whether this datacenter owns the MySQL master at start-up (switchable at runtime)
 * @param grpc the gRPC server for Apply and Fetch
 * @param reship the hand-off to the local reship
 * @param redis the local Redis
 * @param cache what the posts' cache keeps and for how long
 * @param api limits of the REST API
 * @param idempotency how long repeated writes are recognised
 * @param processingLog where processing-log records go
 * @param recovery how writes cut short by a crash are finished
 * @param operatorToken the bearer token that operator changes ({@code PUT /ops/database-owner}) must carry
 * @param topology independent (both datacenters take writes) or master-slave ({@code WMB_TOPOLOGY})
 * @param peerCache the other datacenter's Redis, written directly by the master in master-slave mode
 * @param node this processor's place among its datacenter's processors
 */
@Validated
@ConfigurationProperties("wmb.processor")
public record ProcessorProperties(
        @NotNull @Pattern(regexp = "unicom|telecom", message = "must be unicom or telecom") String datacenter,
        boolean ownsMaster,
        @Valid @NotNull Grpc grpc,
        @Valid @NotNull Reship reship,
        @Valid @NotNull Redis redis,
        @Valid @NotNull Cache cache,
        @Valid @NotNull Api api,
        @Valid @NotNull Idempotency idempotency,
        @Valid @NotNull ProcessingLog processingLog,
        @Valid @NotNull Recovery recovery,
        @NotBlank String operatorToken,
        @NotNull Topology topology,
        @Valid @NotNull PeerCache peerCache,
        @Valid @NotNull Node node) {

    /** This datacenter's number in versions and ids: unicom 1, telecom 2. */
    public int datacenterNumber() {
        return "unicom".equals(datacenter) ? 1 : 2;
    }

    /** The other datacenter's name. */
    public String peerDatacenter() {
        return "unicom".equals(datacenter) ? "telecom" : "unicom";
    }

    /**
     * The gRPC server.
     *
     * @param port the port (0 picks a free one)
     * @param maxInboundMessageSize the largest batch accepted
     */
    public record Grpc(@Min(0) @Max(65535) int port, @NotNull DataSize maxInboundMessageSize) {
    }

    /**
     * The hand-off to reship.
     *
     * @param target the local reship's gRPC address, {@code host:port}
     * @param deadline deadline of one Submit call
     * @param maxBatch most writes in one Submit call
     * @param maxInFlight most Submit calls under way at once
     */
    public record Reship(@NotBlank String target, @NotNull Duration deadline, @Min(1) @Max(10000) int maxBatch,
            @Min(1) @Max(64) int maxInFlight) {
    }

    /**
     * The local Redis.
     *
     * @param url {@code redis://host:port}
     * @param maxConnections size of the connection pool
     * @param timeout connect and read timeout
     */
    public record Redis(@NotBlank String url, @Min(1) int maxConnections, @NotNull Duration timeout) {
    }

    /**
     * The posts' cache in Redis.
     *
     * @param ttl the time to live of a post the local database also holds (what Redis may evict)
     * @param confirmInterval how often pinned posts (written to the cache before the local database had them) are
     *     checked against the database, to be unpinned
     * @param confirmAge how long after its last write a pinned post is first checked
     */
    public record Cache(@NotNull Duration ttl, @NotNull Duration confirmInterval, @NotNull Duration confirmAge) {
    }

    /**
     * Limits of the REST API.
     *
     * @param maxContentLength most characters (code points) of a post's content
     * @param maxBodySize largest request body
     * @param maxPageSize most posts in one listing
     */
    public record Api(@Min(1) @Max(65535) int maxContentLength, @NotNull DataSize maxBodySize,
            @Min(1) int maxPageSize) {
    }

    /**
     * Idempotent writes.
     *
     * @param ttl how long a request id or idempotency key is remembered
     */
    public record Idempotency(@NotNull Duration ttl) {
    }

    /**
     * The processing log.
     *
     * @param elasticsearchUrl the Elasticsearch node
     * @param spillDirectory where records wait on disk while Elasticsearch is away
     */
    public record ProcessingLog(@NotBlank String elasticsearchUrl, @NotBlank String spillDirectory) {
    }

    /**
     * Finishing writes that a stopped processor left part-way (see {@code WriteIntents}).
     *
     * @param interval how often to look for them
     * @param grace how old a write's intent must be before it counts as left part-way
     */
    public record Recovery(@NotNull Duration interval, @NotNull Duration grace) {
    }

    /**
     * The other datacenter's Redis, reached through the inter-datacenter link; used only in master-slave mode.
     *
     * @param url {@code redis://host:port} ({@code WMB_PEER_REDIS_URL})
     * @param timeout connect and read timeout: a cut link must not hold a write for long
     * @param retryAfter how long to leave the peer alone after a failure (reship carries the writes meanwhile)
     */
    public record PeerCache(@NotBlank String url, @NotNull Duration timeout, @NotNull Duration retryAfter) {
    }

    /**
     * This processor among its datacenter's processors.
     *
     * @param number its node number, part of every post id it makes: each processor of a datacenter needs its own
     *     ({@code WMB_PROCESSOR_NODE})
     * @param instanceId who holds the number in Redis; a processor restarting under the same id takes its number
     *     back at once ({@code WMB_INSTANCE_ID}; blank: a new id at every start)
     * @param claimTtl how long a crashed processor's number stays claimed
     */
    public record Node(@Min(0) @Max(15) int number, String instanceId, @NotNull Duration claimTtl) {
    }

}
