package io.wmb.processor.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.Stage;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
import io.wmb.processor.processinglog.ProcessingLogRecorder;
import io.wmb.processor.store.PostStore;
import io.wmb.processor.version.HybridLogicalClock;
import redis.clients.jedis.exceptions.JedisConnectionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Applies writes that came from the other datacenter (through the collector) or from the reconciler, with the same
 * "newer version wins" rules as local writes. Applied writes are never handed to reship again.
 */
public class WriteApplier {

    private static final Logger log = LoggerFactory.getLogger(WriteApplier.class);

    private final PostStore store;

    private final HybridLogicalClock versions;

    private final ProcessingLogRecorder processingLog;

    private final ProcessorMetrics metrics;

    private final String datacenter;

    /**
     * Creates the applier.
     * @param store where posts live
     * @param versions this datacenter's clock, moved past every version seen
     * @param processingLog the processing log
     * @param metrics the meters
     * @param datacenter this datacenter
     */
    public WriteApplier(PostStore store, HybridLogicalClock versions, ProcessingLogRecorder processingLog,
            ProcessorMetrics metrics, String datacenter) {
        this.store = store;
        this.versions = versions;
        this.processingLog = processingLog;
        this.metrics = metrics;
        this.datacenter = datacenter;
    }

    /**
     * Applies one write.
     * @param write the write
     * @return how it went; FAILED carries the reason
     */
    public Result apply(Write write) {
        return applyAll(List.of(write)).get(0);
    }

    /**
     * Applies a batch of writes in order (one MySQL transaction where this datacenter owns the master).
     * @param writes the writes
     * @return one result per write, in order; FAILED carries the reason
     */
    public List<Result> applyAll(List<Write> writes) {
        for (Write write : writes) {
            versions.observe(write.state().version());
        }
        List<PostStore.BatchResult> stored = store.applyAll(writes);
        List<Result> results = new ArrayList<>(writes.size());
        for (int i = 0; i < writes.size(); i++) {
            Write write = writes.get(i);
            PostStore.BatchResult result = stored.get(i);
            Outcome outcome;
            String detail = null;
            boolean storeUnavailable = false;
            if (result.failure() != null) {
                MDC.put("requestId", write.requestId());
                try {
                    log.warn("Could not apply {} of post {}: {}", write.requestId(), write.state().id(),
                            result.failure().toString());
                }
                finally {
                    MDC.remove("requestId");
                }
                outcome = Outcome.FAILED;
                detail = result.failure().toString();
                storeUnavailable = isUnavailable(result.failure());
            }
            else {
                outcome = switch (result.outcome()) {
                    case APPLIED -> Outcome.OK;
                    case DUPLICATE -> Outcome.DUPLICATE;
                    case STALE -> Outcome.STALE_SKIPPED;
                };
            }
            // A write of this datacenter's own origin comes back only through the reconciler: it re-drives the
            // local apply, not a remote one.
            Stage stage = datacenter.equals(write.origin()) ? Stage.LOCAL_APPLIED : Stage.REMOTE_APPLIED;
            processingLog.record(write, stage, outcome, detail);
            metrics.applied(outcome);
            results.add(new Result(outcome, detail, storeUnavailable));
        }
        return results;
    }

    /**
     * The current state of a post in this datacenter, for the reconciler.
     * @param postId the post
     * @return the state, tombstones included; empty if never seen
     */
    public Optional<PostState> fetch(long postId) {
        return store.read(postId);
    }

    /**
     * Whether a store failed because it could not be reached or did not answer in time (down, frozen, out of
     * connections), so that the same write may pass later, rather than because of the write.
     */
    static boolean isUnavailable(Throwable failure) {
        return failure instanceof TransientDataAccessException || failure instanceof RecoverableDataAccessException
                || failure instanceof DataAccessResourceFailureException || failure instanceof JedisConnectionException;
    }

    /**
     * How applying one write went.
     *
     * @param outcome the outcome
     * @param detail the reason of a failure, else {@code null}
     * @param storeUnavailable whether it failed because a store could not be reached (it may pass later)
     */
    public record Result(Outcome outcome, String detail, boolean storeUnavailable) {
    }

}
