package io.wmb.processor.apply;

import java.util.Optional;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.Stage;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
import io.wmb.processor.processinglog.ProcessingLogRecorder;
import io.wmb.processor.store.PostStore;
import io.wmb.processor.store.StoreOutcome;
import io.wmb.processor.version.HybridLogicalClock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
        versions.observe(write.state().version());
        // A write of this datacenter's own origin comes back only through the reconciler: it re-drives the local
        // apply, not a remote one.
        Stage stage = datacenter.equals(write.origin()) ? Stage.LOCAL_APPLIED : Stage.REMOTE_APPLIED;
        Outcome outcome;
        String detail = null;
        try {
            StoreOutcome stored = store.apply(write);
            outcome = switch (stored) {
                case APPLIED -> Outcome.OK;
                case DUPLICATE -> Outcome.DUPLICATE;
                case STALE -> Outcome.STALE_SKIPPED;
            };
        }
        catch (RuntimeException ex) {
            log.warn("Could not apply {} of post {}: {}", write.requestId(), write.state().id(), ex.toString());
            outcome = Outcome.FAILED;
            detail = ex.toString();
        }
        processingLog.record(write, stage, outcome, detail);
        metrics.applied(outcome);
        return new Result(outcome, detail);
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
     * How applying one write went.
     *
     * @param outcome the outcome
     * @param detail the reason of a failure, else {@code null}
     */
    public record Result(Outcome outcome, String detail) {
    }

}
