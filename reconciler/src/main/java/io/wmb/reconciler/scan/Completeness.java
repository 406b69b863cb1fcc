package io.wmb.reconciler.scan;

import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;

/**
 * The rule that says whether a request is done everywhere. A request is complete when it was applied in its origin
 * datacenter ({@code LOCAL_APPLIED OK}, or a {@code RECONCILED} record there that confirmed it) and applied, or
 * skipped as stale or duplicate, in the other ({@code REMOTE_APPLIED} or {@code RECONCILED} with such an outcome).
 * A request that failed at its origin ({@code LOCAL_APPLIED FAILED}: its client got an error) is never complete; it
 * is settled once a reconciler has confirmed that the origin does not hold it and closed it ({@code RECONCILED
 * FAILED} at the origin).
 * The Elasticsearch queries of {@link ProcessingLogScanner} mirror this rule; this class is the authority.
 */
public final class Completeness {

    /** Outcomes that mean the other datacenter holds the write or something newer. */
    static final Set<Outcome> SETTLED = EnumSet.of(Outcome.OK, Outcome.DUPLICATE, Outcome.STALE_SKIPPED);

    private Completeness() {
    }

    /**
     * Judges one request from all of its records.
     * @param requestId the request
     * @param records every record of the request; must not be empty
     * @return the verdict
     */
    public static Verdict evaluate(String requestId, List<ProcessingRecord> records) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("records of " + requestId + " must not be empty");
        }
        // Every record of a request names the same origin, post and version; prefer the origin's own records
        // because the reconciler's RECONCILED records are written later and only copy them.
        ProcessingRecord reference = records.stream()
                .filter((record) -> record.stage() != Stage.RECONCILED)
                .min(Comparator.comparing(ProcessingRecord::at))
                .orElse(records.get(0));
        String origin = reference.origin();
        boolean localDone = false;
        boolean remoteDone = false;
        boolean localFailed = false;
        boolean closedAsFailed = false;
        Instant firstAt = reference.at();
        for (ProcessingRecord record : records) {
            if (record.at().isBefore(firstAt)) {
                firstAt = record.at();
            }
            boolean atOrigin = origin.equals(record.datacenter());
            switch (record.stage()) {
                case LOCAL_APPLIED -> {
                    localDone |= atOrigin && record.outcome() == Outcome.OK;
                    localFailed |= atOrigin && record.outcome() == Outcome.FAILED;
                }
                case REMOTE_APPLIED -> remoteDone |= !atOrigin && SETTLED.contains(record.outcome());
                case RECONCILED -> {
                    if (atOrigin) {
                        localDone |= record.outcome() == Outcome.OK;
                        closedAsFailed |= record.outcome() == Outcome.FAILED;
                    }
                    else {
                        remoteDone |= SETTLED.contains(record.outcome());
                    }
                }
                default -> {
                    // ACCEPTED, RESHIPPED and COLLECTED show progress, not completion.
                }
            }
        }
        return new Verdict(requestId, origin, reference.postId(), reference.version(), firstAt, localDone,
                remoteDone, localFailed, closedAsFailed);
    }

}
