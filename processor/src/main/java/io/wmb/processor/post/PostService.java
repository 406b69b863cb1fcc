package io.wmb.processor.post;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.Stage;
import io.wmb.processor.apply.WriteMapper;
import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.processinglog.ProcessingLogRecorder;
import io.wmb.processor.recovery.WriteIntent;
import io.wmb.processor.recovery.WriteIntents;
import io.wmb.processor.reship.ReshipClient;
import io.wmb.processor.reship.ReshipException;
import io.wmb.processor.store.PostStore;
import io.wmb.processor.store.StoreOutcome;
import io.wmb.processor.topology.WriteTopology;
import io.wmb.processor.version.HybridLogicalClock;
import io.wmb.processor.version.PostIdGenerator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local writes and reads of posts. A write is stamped with its version, applied (MySQL first where this datacenter
 * owns the master, then Redis), then handed to reship; each step is recorded in the processing log. Input is
 * validated before this class is called.
 * <p>
 * A write's intent is recorded before it touches a store and cleared once reship has it, so that a write cut short
 * by a crash (MySQL committed, Redis or reship not yet) is finished later by {@link #finishInterrupted}.
 */
public class PostService {

    private static final Logger log = LoggerFactory.getLogger(PostService.class);

    /** How often an edit is retried after losing to a concurrent newer write. */
    private static final int MAX_ATTEMPTS = 3;

    private final PostStore store;

    private final HybridLogicalClock versions;

    private final PostIdGenerator ids;

    private final ReshipClient reship;

    private final ProcessingLogRecorder processingLog;

    private final WriteIntents intents;

    private final ProcessorMetrics metrics;

    private final Clock clock;

    private final String datacenter;

    private final WriteTopology topology;

    /**
     * Creates the service.
     * @param store where posts live
     * @param versions the version clock
     * @param ids the post id generator
     * @param reship the hand-off to reship
     * @param processingLog the processing log
     * @param intents the writes under way
     * @param metrics the meters
     * @param clock the wall clock
     * @param datacenter this datacenter
     * @param topology whether this datacenter takes writes, and whom it tells after one
     */
    public PostService(PostStore store, HybridLogicalClock versions, PostIdGenerator ids, ReshipClient reship,
            ProcessingLogRecorder processingLog, WriteIntents intents, ProcessorMetrics metrics, Clock clock,
            String datacenter, WriteTopology topology) {
        this.store = store;
        this.versions = versions;
        this.ids = ids;
        this.reship = reship;
        this.processingLog = processingLog;
        this.intents = intents;
        this.metrics = metrics;
        this.clock = clock;
        this.datacenter = datacenter;
        this.topology = topology;
    }

    /**
     * Creates a post.
     * @param requestId the request id
     * @param authorId the author
     * @param content the content, validated
     * @return the new post
     */
    public PostState create(String requestId, long authorId, String content) {
        topology.checkAcceptsWrites();
        long started = System.nanoTime();
        long now = clock.millis();
        PostState state = new PostState(ids.next(), authorId, content, false, versions.now(), now, now, null);
        Write write = new Write(requestId, datacenter, WriteKind.CREATE, state, now);
        apply(write, started);
        return state;
    }

    /**
     * Replaces a post's content.
     * @param requestId the request id
     * @param postId the post
     * @param content the new content, validated
     * @return the post after the edit
     * @throws PostNotFoundException if the post does not exist or is deleted
     */
    public PostState update(String requestId, long postId, String content) {
        return edit(requestId, postId, WriteKind.UPDATE,
                current -> current.withContent(content, versions.nextAfter(current.version()), clock.millis()));
    }

    /**
     * Deletes a post, leaving a tombstone.
     * @param requestId the request id
     * @param postId the post
     * @throws PostNotFoundException if the post does not exist or is deleted already
     */
    public void delete(String requestId, long postId) {
        edit(requestId, postId, WriteKind.DELETE,
                current -> current.asTombstone(versions.nextAfter(current.version()), clock.millis()));
    }

    /**
     * Adds a like in this datacenter.
     * @param requestId the request id
     * @param postId the post
     * @return the post after the like
     * @throws PostNotFoundException if the post does not exist or is deleted
     */
    public PostState like(String requestId, long postId) {
        topology.checkAcceptsWrites();
        long started = System.nanoTime();
        Optional<PostState> liked;
        WriteIntent intent;
        try {
            intent = intents.open(requestId, postId, WriteKind.LIKE);
            liked = store.like(postId, datacenter);
        }
        catch (RuntimeException ex) {
            metrics.write(WriteKind.LIKE, Outcome.FAILED).record(System.nanoTime() - started,
                    TimeUnit.NANOSECONDS);
            throw ex;
        }
        if (liked.isEmpty()) {
            intents.finish(intent);
            throw new PostNotFoundException(postId);
        }
        // The like is counted already (an atomic increment); record and hand it on like any other write.
        Write write = new Write(requestId, datacenter, WriteKind.LIKE, liked.get(), clock.millis());
        processingLog.record(write, Stage.ACCEPTED, Outcome.OK, null);
        processingLog.record(write, Stage.LOCAL_APPLIED, Outcome.OK, null);
        topology.afterLocalWrite(liked.get(), datacenter);
        handToReship(write, intent);
        metrics.write(WriteKind.LIKE, Outcome.OK).record(System.nanoTime() - started,
                TimeUnit.NANOSECONDS);
        return liked.get();
    }

    /**
     * Reads a live post.
     * @param postId the post
     * @return the post, empty if it does not exist or is deleted
     */
    public Optional<PostState> get(long postId) {
        return store.read(postId).filter(post -> !post.deleted());
    }

    /**
     * An author's live posts, newest first.
     * @param authorId the author
     * @param limit most posts
     * @return the posts
     */
    public List<PostState> byAuthor(long authorId, int limit) {
        return store.byAuthor(authorId, limit);
    }

    private PostState edit(String requestId, long postId, WriteKind kind, StateChange change) {
        topology.checkAcceptsWrites();
        long started = System.nanoTime();
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            PostState current = get(postId).orElseThrow(() -> new PostNotFoundException(postId));
            PostState next = change.apply(current);
            Write write = new Write(requestId, datacenter, kind, next, clock.millis());
            if (apply(write, started) != StoreOutcome.STALE) {
                return next;
            }
            log.info("{} of post {} lost to a concurrent newer write (attempt {})", kind, postId, attempt);
        }
        throw new WriteConflictException("Post " + postId + " kept changing concurrently; retry the request");
    }

    private StoreOutcome apply(Write write, long started) {
        processingLog.record(write, Stage.ACCEPTED, Outcome.OK, null);
        StoreOutcome outcome;
        WriteIntent intent;
        try {
            intent = intents.open(write.requestId(), write.state().id(), write.kind());
            outcome = store.apply(write);
        }
        catch (RuntimeException ex) {
            processingLog.record(write, Stage.LOCAL_APPLIED, Outcome.FAILED, ex.toString());
            metrics.write(write.kind(), Outcome.FAILED).record(System.nanoTime() - started,
                    TimeUnit.NANOSECONDS);
            throw ex;
        }
        if (outcome == StoreOutcome.STALE) {
            processingLog.record(write, Stage.LOCAL_APPLIED, Outcome.STALE_SKIPPED, "a newer version is stored");
            intents.finish(intent);
            return outcome;
        }
        processingLog.record(write, Stage.LOCAL_APPLIED, Outcome.OK, null);
        topology.afterLocalWrite(write.state(), write.origin());
        handToReship(write, intent);
        metrics.write(write.kind(), Outcome.OK).record(System.nanoTime() - started,
                TimeUnit.NANOSECONDS);
        return outcome;
    }

    /**
     * Finishes local writes whose processor stopped before they were cached or handed to reship: puts what the
     * stores hold for each post (MySQL where this datacenter owns the master) into the cache and hands it to reship
     * under the write's request id. All of them are handed over before any is waited for, so that reship takes them
     * in a few group commits rather than one call and one disk sync each. Safe to repeat: the cache keeps the newest
     * version, and the other datacenter skips a request id it has applied and any version older than its own.
     * @param unfinished the unfinished writes
     * @return how many are finished now; the others reship did not take (try again later)
     */
    public int finishInterrupted(List<WriteIntent> unfinished) {
        int finished = 0;
        List<Handover> handovers = new ArrayList<>(unfinished.size());
        for (WriteIntent intent : unfinished) {
            Optional<PostState> stored = store.refresh(intent.postId());
            if (stored.isEmpty()) {
                // Stopped before anything was stored: nothing to finish, and the client was never told otherwise.
                intents.finish(intent);
                finished++;
                continue;
            }
            Write write = new Write(intent.requestId(), datacenter, intent.kind(), stored.get(), clock.millis());
            log.debug("Finishing {} of post {} (request {}), interrupted {} ms ago", intent.kind(), intent.postId(),
                    intent.requestId(), clock.millis() - intent.openedAtMs());
            // Stamped with the time the write started, not now: recovery retries every few seconds while reship is
            // away, and each record replaces the one before it (its id is requestId:datacenter:stage). Stamped now,
            // the write's records would stay younger than the reconcilers' grace period, whose scans judge a write
            // in the window of its earliest record, so none would ever take it up.
            Instant startedAt = Instant.ofEpochMilli(intent.openedAtMs());
            processingLog.record(write, Stage.ACCEPTED, Outcome.OK, null, startedAt);
            processingLog.record(write, Stage.LOCAL_APPLIED, Outcome.OK, "finished after an interruption", startedAt);
            metrics.writeRecovered();
            handovers.add(new Handover(write, intent));
        }
        // Submitted together after the stores were read, so that they queue up for the same few calls.
        List<CompletableFuture<Void>> taken = new ArrayList<>(handovers.size());
        for (Handover handover : handovers) {
            taken.add(reship.submit(WriteMapper.toProto(handover.write())));
        }
        for (int i = 0; i < handovers.size(); i++) {
            if (awaitReship(handovers.get(i).write(), handovers.get(i).intent(), taken.get(i))) {
                finished++;
            }
        }
        return finished;
    }

    private boolean handToReship(Write write, WriteIntent intent) {
        return awaitReship(write, intent, reship.submit(WriteMapper.toProto(write)));
    }

    private boolean awaitReship(Write write, WriteIntent intent, CompletableFuture<Void> taken) {
        try {
            reship.await(taken);
            intents.finish(intent);
            return true;
        }
        catch (ReshipException ex) {
            // The write stands locally; the record lets the reconciler re-drive it to the other datacenter.
            metrics.reshipFailed();
            log.warn("Reship did not take {}: {}", write.requestId(), ex.getMessage());
            processingLog.record(write, Stage.RESHIPPED, Outcome.FAILED, ex.getMessage());
            // The intent stays: recovery hands the write to reship again once it is back.
            return false;
        }
    }

    /** A write finished in the stores, to hand to reship. */
    private record Handover(Write write, WriteIntent intent) {
    }

    /** A change of a post's current state into its next state. */
    @FunctionalInterface
    private interface StateChange {

        PostState apply(PostState current);

    }

}
