package io.wmb.reconciler.config;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of one datacenter's reconciler.
 *
 * @param datacenter the datacenter this instance runs in ({@code unicom} or {@code telecom})
 * @param instanceId this instance's name in the lease; blank means datacenter plus a random suffix
 * @param elasticsearchUrl the processing-log cluster
 * @param spillDirectory where this instance's processing-log writer keeps records Elasticsearch cannot take yet
 * @param operatorToken the bearer token the ops API asks for
 * @param processors gRPC targets of both datacenters' processors (the other one through the link)
 * @param scan when and what to scan
 * @param retry how often a re-drive is tried before the request goes to the dead-letter list
 * @param lease the lease that lets only one reconciler act at a time
 * @param retention how long processing-log indices are kept (whole UTC days are deleted)
 */
@Validated
@ConfigurationProperties("wmb.reconciler")
public record ReconcilerProperties(@NotBlank String datacenter, String instanceId, @NotBlank String elasticsearchUrl,
        @NotBlank String spillDirectory, @NotBlank String operatorToken, @Valid @NotNull Processors processors,
        @Valid @NotNull Scan scan, @Valid @NotNull Retry retry, @Valid @NotNull Lease lease,
        @NotNull Duration retention) {

    /**
     * gRPC targets of the processors, {@code host:port}.
     *
     * @param unicom unicom's processor
     * @param telecom telecom's processor
     * @param deadline the longest one call may take
     * @param peerSecret sent as {@code authorization: Bearer} so that a processor may authenticate the caller
     */
    public record Processors(@NotBlank String unicom, @NotBlank String telecom, @NotNull Duration deadline,
            String peerSecret) {
    }

    /**
     * The scan.
     *
     * @param enabled whether the scheduled scan runs at all
     * @param interval time between two scans
     * @param grace how far the window trails "now", or the oldest flush watermark of the live processing-log
     *     writers when that is earlier, so that writes in flight are not flagged
     * @param initialLookback where the first scan starts when no watermark has been stored yet
     * @param maxWindow the longest window one scan covers; a backlog is worked off window by window
     * @param bucketWidth width, in version time, of the buckets whose stage counts are compared
     * @param pageSize requestIds per page when a suspicious bucket is examined request by request
     * @param maxRequests the most requests one scan examines request by request (they are held in memory); a window
     *     holding more is shortened, halving it down to one second, and the rest is scanned right after
     * @param parallelism how many queries of one scan run side by side (slices of the window)
     * @param writerStaleAfter a processing-log writer whose last heartbeat is older than this counts as dead, and
     *     its flush watermark no longer holds the window back
     * @param maxFlushWait the longest a live writer's flush watermark may hold the window back; beyond it the
     *     window goes on without it (and a warning names it), so one stuck writer cannot stall reconciliation
     */
    public record Scan(boolean enabled, @NotNull Duration interval, @NotNull Duration grace,
            @NotNull Duration initialLookback, @NotNull Duration maxWindow, @NotNull Duration bucketWidth,
            @Min(100) int pageSize, @Min(1) int maxRequests, @Min(1) int parallelism, @NotNull Duration writerStaleAfter,
            @NotNull Duration maxFlushWait) {
    }

    /**
     * Retries of one re-drive.
     *
     * @param maxRetries retries after the first attempt
     * @param delay the wait before the first retry
     * @param multiplier how much each wait grows
     * @param maxDelay the longest wait
     */
    public record Retry(@Min(0) int maxRetries, @NotNull Duration delay, double multiplier,
            @NotNull Duration maxDelay) {
    }

    /**
     * The lease.
     *
     * @param duration how long a taken or renewed lease lasts; the other instance takes over after it
     * @param name the lease document's id: instances with the same name share one lease
     */
    public record Lease(@NotNull Duration duration, @NotBlank String name) {
    }

}
