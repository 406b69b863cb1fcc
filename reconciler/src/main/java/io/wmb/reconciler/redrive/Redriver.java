package io.wmb.reconciler.redrive;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteKind;
import io.wmb.proto.v1.WriteResult;
import io.wmb.reconciler.scan.Datacenters;
import io.wmb.reconciler.scan.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;

/**
 * Re-drives the missing stages of one request. Never replays the logged request: it fetches the post's current
 * state at the origin and hands that to the other datacenter's version-checked apply, so a late re-drive can never
 * overwrite newer data there (the other datacenter answers {@code STALE_SKIPPED}). A missing local apply is only
 * confirmed (the origin holds the request's version or a newer one), never redone. Each re-drive is recorded as a
 * {@code RECONCILED} stage.
 */
public final class Redriver {

    private static final Logger logger = LoggerFactory.getLogger(Redriver.class);

    private final Map<String, ProcessorClient> processors;

    private final ProcessingLog processingLog;

    private final Clock clock;

    private final RetryTemplate retryTemplate;

    /**
     * A re-driver.
     * @param processors a client per datacenter name
     * @param processingLog where {@code RECONCILED} records go
     * @param clock the time of {@code RECONCILED} records
     * @param retryPolicy how often and how patiently one re-drive is retried
     */
    public Redriver(Map<String, ProcessorClient> processors, ProcessingLog processingLog, Clock clock,
            RetryPolicy retryPolicy) {
        for (String datacenter : Datacenters.ALL) {
            if (!processors.containsKey(datacenter)) {
                throw new IllegalArgumentException("processors must name " + Datacenters.ALL + ", but named "
                        + processors.keySet());
            }
        }
        this.processors = Map.copyOf(processors);
        this.processingLog = processingLog;
        this.clock = clock;
        this.retryTemplate = new RetryTemplate(retryPolicy);
    }

    /**
     * The retry policy: retries only what may pass next time, with exponential backoff.
     * @param maxRetries retries after the first attempt
     * @param delay wait before the first retry
     * @param multiplier growth of the wait
     * @param maxDelay longest wait
     * @return the policy
     */
    public static RetryPolicy retryPolicy(int maxRetries, java.time.Duration delay, double multiplier,
            java.time.Duration maxDelay) {
        return RetryPolicy.builder().maxRetries(maxRetries).delay(delay).multiplier(multiplier).maxDelay(maxDelay)
                .predicate((ex) -> ex instanceof RedriveException redrive && redrive.isRetryable())
                .build();
    }

    /**
     * Re-drives with bounded retries.
     * @param verdict the incomplete request
     * @return what the successful attempt did
     * @throws RedriveFailedException after the last attempt failed, with the number of attempts
     */
    public RedriveResult redriveWithRetries(Verdict verdict) {
        try {
            return this.retryTemplate.execute(() -> redrive(verdict));
        }
        catch (RetryException ex) {
            Throwable last = ex.getLastException() != null ? ex.getLastException() : ex.getCause();
            RedriveException cause = (last instanceof RedriveException redrive) ? redrive
                    : new RedriveException(String.valueOf(last), false, false, last);
            throw new RedriveFailedException(verdict, ex.getRetryCount() + 1, cause);
        }
    }

    /**
     * One attempt.
     * @param verdict the incomplete request
     * @return what it did
     * @throws RedriveException when the attempt failed
     */
    public RedriveResult redrive(Verdict verdict) {
        String origin = verdict.origin();
        String peer = Datacenters.peer(origin);
        Optional<PostWrite> held = this.processors.get(origin).fetch(verdict.postId());
        if (!verdict.localDone() && (held.isEmpty() || held.get().getVersion() < verdict.version())) {
            return neverApplied(verdict, held);
        }
        // Confirmed at the origin but not found there is odd enough to try again.
        PostWrite state = held.orElseThrow(() -> new RedriveException("post " + verdict.postId()
                + " is not found at its origin " + origin, true));
        boolean localConfirmed = false;
        if (!verdict.localDone()) {
            record(verdict, origin, Outcome.OK, "origin holds version " + state.getVersion());
            localConfirmed = true;
        }
        String remoteOutcome = null;
        long appliedVersion = 0;
        if (!verdict.remoteDone()) {
            PostWrite write = state.toBuilder().setRequestId(verdict.requestId()).setOriginDatacenter(origin)
                    .setKind(WriteKind.WRITE_KIND_RECONCILE).build();
            WriteResult result = this.processors.get(peer).apply(write);
            Outcome outcome = toOutcome(result.getOutcome());
            if (outcome == Outcome.FAILED) {
                throw new RedriveException("Apply at " + peer + " failed: " + result.getDetail(), true);
            }
            record(verdict, peer, outcome, "applied origin's version " + state.getVersion() + ": " + outcome);
            remoteOutcome = outcome.name();
            appliedVersion = state.getVersion();
        }
        logger.info("Re-drove {} (post {}): local {}, remote {}", verdict.requestId(), verdict.postId(),
                localConfirmed ? "confirmed" : "was done", remoteOutcome != null ? remoteOutcome : "was done");
        return new RedriveResult(verdict.requestId(), localConfirmed, remoteOutcome, appliedVersion, false);
    }

    /**
     * The origin does not hold the request's version or a newer one: the write never happened there, and replaying
     * it from the log would be a blind replay. Waiting will not change that, so nothing is retried.
     */
    private RedriveResult neverApplied(Verdict verdict, Optional<PostWrite> held) {
        String holds = held.map((state) -> "origin " + verdict.origin() + " holds version " + state.getVersion()
                + " of post " + verdict.postId() + ", older than the request's " + verdict.version())
                .orElse("post " + verdict.postId() + " is not found at its origin " + verdict.origin());
        String detail = holds + ": the write was never applied there";
        if (verdict.localFailed() && !verdict.remoteDone()) {
            // The origin recorded the failure, so its client got an error and no one was told the write happened:
            // a store down for a minute under load fails thousands of writes like this, and the dead-letter list is
            // for what needs an operator. Closing it with a record keeps the log's account whole and stops a later
            // scan of the same window from judging it again.
            record(verdict, verdict.origin(), Outcome.FAILED, detail + "; it failed there and its client was told");
            logger.info("Closed {}: it failed at its origin and {}", verdict.requestId(), detail);
            return RedriveResult.closedAsFailed(verdict.requestId());
        }
        // No record of the failure (the processor stopped before writing one, or the record was lost): whether its
        // client was told anything is unknown, so an operator looks.
        throw new RedriveException(detail, false);
    }

    private void record(Verdict verdict, String datacenter, Outcome outcome, String detail) {
        // The request's own version, not the applied one: all records of a request share it, which the scan's
        // version buckets rely on.
        this.processingLog.record(new ProcessingRecord(verdict.requestId(), datacenter, verdict.origin(),
                Stage.RECONCILED, outcome, this.clock.instant(), verdict.postId(), verdict.version(), detail));
    }

    private static Outcome toOutcome(ApplyOutcome outcome) {
        return switch (outcome) {
            case APPLY_OUTCOME_OK -> Outcome.OK;
            case APPLY_OUTCOME_DUPLICATE -> Outcome.DUPLICATE;
            case APPLY_OUTCOME_STALE_SKIPPED -> Outcome.STALE_SKIPPED;
            default -> Outcome.FAILED;
        };
    }

}
