package io.wmb.processor.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.wmb.processor.ops.MasterOwnership;
import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
import io.wmb.processor.post.WriteKind;
import io.wmb.processor.store.PostCache.Backing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * This datacenter's view of posts: MySQL first where it owns the master, then Redis; elsewhere Redis, with the
 * MySQL replica read on a cache miss. Local writes and writes from the other datacenter are applied the same way:
 * newer version wins, like counters merge by maximum.
 */
public class PostStore {

    private static final Logger log = LoggerFactory.getLogger(PostStore.class);

    /** Pinned posts copied into MySQL per transaction when this datacenter becomes the owner of the master. */
    static final int ADOPTION_PAGE = 500;

    private final PostRepository repository;

    private final PostCache cache;

    private final MasterOwnership ownership;

    private final TransactionTemplate transactions;

    /**
     * Creates the store.
     * @param repository MySQL
     * @param cache Redis
     * @param ownership whether this datacenter writes MySQL
     * @param transactions runs a batch's MySQL statements in one transaction
     */
    public PostStore(PostRepository repository, PostCache cache, MasterOwnership ownership,
            TransactionTemplate transactions) {
        this.repository = repository;
        this.cache = cache;
        this.ownership = ownership;
        this.transactions = transactions;
    }

    /**
     * Applies a write: MySQL if this datacenter owns the master, then Redis.
     * @param write the write
     * @return APPLIED if the stored state changed, DUPLICATE if this write was there already, STALE if newer data
     *     was
     */
    public StoreOutcome apply(Write write) {
        if (ownership.ownsMaster()) {
            return applyToCache(write, applyToDatabase(write));
        }
        return applyToCacheOnly(write);
    }

    /**
     * Applies a batch of writes, in order. Where this datacenter owns the master, the batch goes to MySQL in a few
     * statements ({@link #applyAllToDatabase}) and one transaction (one log flush for the whole batch instead of one
     * per write), and Redis follows after the commit. If the transaction fails, each write is applied on its own so
     * that one bad write cannot fail the rest.
     * @param writes the writes
     * @return one result per write, in order
     */
    public List<BatchResult> applyAll(List<Write> writes) {
        List<BatchResult> results = new ArrayList<>(writes.size());
        if (ownership.ownsMaster() && writes.size() > 1) {
            List<DatabaseResult> database;
            try {
                database = transactions.execute(status -> applyAllToDatabase(writes));
            }
            catch (RuntimeException ex) {
                database = null;
            }
            if (database != null) {
                return applyAllToCache(writes, database);
            }
        }
        if (!ownership.ownsMaster() && writes.size() > 1) {
            try {
                return applyAllToCacheOnly(writes);
            }
            catch (RuntimeException ex) {
                // Redis or the replica failed the batch: one by one below, so that each write gets its own result.
                // What the batch did already is safe to do again: the cache keeps the newest version.
                log.warn("Batch of {} writes failed as a whole, applying them one by one: {}", writes.size(),
                        ex.toString());
            }
        }
        for (Write write : writes) {
            results.add(guarded(write, null));
        }
        return results;
    }

    /**
     * Redis after the batch's transaction, in one pipelined round trip. Where the database found a write stale, the
     * database's newer state of that post goes to the cache instead, read for the whole batch with one query: after a
     * long cut many of the peer's writes are older than this datacenter's, and a read and a Redis call for each
     * (what the one-by-one path below does) were where the first calls after a heal spent their time.
     */
    private List<BatchResult> applyAllToCache(List<Write> writes, List<DatabaseResult> database) {
        List<PostState> states = new ArrayList<>(writes.size());
        List<String> origins = new ArrayList<>(writes.size());
        Set<Long> stale = new LinkedHashSet<>();
        for (int i = 0; i < writes.size(); i++) {
            if (database.get(i).content() != StoreOutcome.STALE) {
                states.add(writes.get(i).state());
                origins.add(writes.get(i).origin());
            }
            else {
                stale.add(writes.get(i).state().id());
            }
        }
        boolean cached;
        try {
            for (PostState current : repository.findAll(stale).values()) {
                states.add(current);
                origins.add("");
            }
            if (!states.isEmpty()) {
                cache.applyAll(states, origins, Backing.DATABASE);
            }
            cached = true;
        }
        catch (RuntimeException ex) {
            log.warn("Cache update of a batch of {} writes failed, retrying them one by one: {}", states.size(),
                    ex.toString());
            cached = false;
        }
        List<BatchResult> results = new ArrayList<>(writes.size());
        for (int i = 0; i < writes.size(); i++) {
            Write write = writes.get(i);
            DatabaseResult stored = database.get(i);
            if (cached) {
                results.add(new BatchResult(outcome(write.kind(), stored.content(), stored.likes()), null));
            }
            else {
                // The database read or the pipeline failed: each write now fails or succeeds on its own.
                results.add(guarded(write, stored));
            }
        }
        return results;
    }

    /**
     * Redis only, where this datacenter does not own the master: the batch in one pipelined round trip, then one
     * query of the replica for the posts the cache did not know (as {@link #applyToCacheOnly} does per write).
     */
    private List<BatchResult> applyAllToCacheOnly(List<Write> writes) {
        List<PostState> states = new ArrayList<>(writes.size());
        List<String> origins = new ArrayList<>(writes.size());
        for (Write write : writes) {
            states.add(write.state());
            origins.add(write.origin());
        }
        List<PostCache.CacheResult> cached = cache.applyAll(states, origins, Backing.CACHE_ONLY);
        // The replica's version of every post that was missing, where it is newer than the write that missed.
        Map<Long, Long> missedAt = new HashMap<>();
        for (int i = 0; i < writes.size(); i++) {
            if (cached.get(i).wasMissing()) {
                missedAt.putIfAbsent(states.get(i).id(), states.get(i).version());
            }
        }
        Map<Long, PostState> newer = new HashMap<>();
        repository.findAll(missedAt.keySet()).forEach((id, replica) -> {
            if (replica.version() > missedAt.get(id)) {
                newer.put(id, replica);
            }
        });
        if (!newer.isEmpty()) {
            List<PostState> fills = new ArrayList<>(newer.values());
            cache.applyAll(fills, Collections.nCopies(fills.size(), ""), Backing.DATABASE);
        }
        List<BatchResult> results = new ArrayList<>(writes.size());
        for (int i = 0; i < writes.size(); i++) {
            PostState state = states.get(i);
            PostState replica = newer.get(state.id());
            StoreOutcome content = (replica != null && replica.version() > state.version()) ? StoreOutcome.STALE
                    : cached.get(i).content();
            results.add(new BatchResult(outcome(writes.get(i).kind(), content, cached.get(i).likes()), null));
        }
        return results;
    }

    private BatchResult guarded(Write write, DatabaseResult database) {
        try {
            return new BatchResult((database != null) ? applyToCache(write, database) : apply(write), null);
        }
        catch (RuntimeException ex) {
            return new BatchResult(null, ex);
        }
    }

    /**
     * A batch's MySQL statements, a handful however long the batch: the contents in one multi-row upsert, the like
     * counters that come with them in one merge. A like's outcome is its counter's, so each like merges on its own.
     */
    private List<DatabaseResult> applyAllToDatabase(List<Write> writes) {
        List<PostState> contents = new ArrayList<>(writes.size());
        for (Write write : writes) {
            if (write.kind() != WriteKind.LIKE) {
                contents.add(write.state());
            }
        }
        List<StoreOutcome> stored = repository.upsertAll(contents);
        repository.mergeAllLikes(contents);
        List<DatabaseResult> results = new ArrayList<>(writes.size());
        int content = 0;
        for (Write write : writes) {
            if (write.kind() == WriteKind.LIKE) {
                results.add(applyToDatabase(write));
            }
            else {
                // Only a like's outcome comes from its counters (outcome below): these need none.
                results.add(new DatabaseResult(stored.get(content++), StoreOutcome.DUPLICATE));
            }
        }
        return results;
    }

    private DatabaseResult applyToDatabase(Write write) {
        PostState state = write.state();
        // A like does not move the content version: only its counters need the database.
        StoreOutcome content = (write.kind() == WriteKind.LIKE) ? StoreOutcome.DUPLICATE : repository.upsert(state);
        StoreOutcome likes = repository.mergeLikes(state.id(), state.likes(), write.origin());
        return new DatabaseResult(content, likes);
    }

    private StoreOutcome applyToCache(Write write, DatabaseResult database) {
        PostState state = write.state();
        if (database.content() != StoreOutcome.STALE) {
            // The database now holds exactly this version (applied or a duplicate): the cache may take it.
            cache.apply(state, write.origin(), Backing.DATABASE);
        }
        else {
            // The database holds a newer version: put that into the cache, never this write's older content.
            repository.find(state.id()).ifPresent(current -> cache.apply(current, write.origin(), Backing.DATABASE));
        }
        return outcome(write.kind(), database.content(), database.likes());
    }

    private StoreOutcome applyToCacheOnly(Write write) {
        PostState state = write.state();
        PostCache.CacheResult result = cache.apply(state, write.origin(), Backing.CACHE_ONLY);
        if (result.wasMissing()) {
            // The cache knew nothing of the post (new, or evicted): the replica may hold a newer version than this
            // write (a replay, a late retry). Put the newer one in the cache; the compare-and-set keeps the newest.
            Optional<PostState> newer = repository.find(state.id())
                .filter(replica -> replica.version() > state.version());
            if (newer.isPresent()) {
                cache.apply(newer.get(), "", Backing.DATABASE);
                return outcome(write.kind(), StoreOutcome.STALE, result.likes());
            }
        }
        return outcome(write.kind(), result.content(), result.likes());
    }

    private static StoreOutcome outcome(WriteKind kind, StoreOutcome content, StoreOutcome likes) {
        // A like only moves a counter; every other write is about the content (its like snapshot may still raise
        // counters, which the merge above took care of).
        return (kind == WriteKind.LIKE) ? likes : content;
    }

    /**
     * Reads a post, tombstones included: Redis, else MySQL (the replica where this datacenter does not own the
     * master), filling Redis with what MySQL had without overwriting anything newer.
     * @param postId the post
     * @return the post, empty if this datacenter has never seen it
     */
    public Optional<PostState> read(long postId) {
        Optional<PostState> cached = cache.get(postId);
        if (cached.isPresent()) {
            return cached;
        }
        Optional<PostState> stored = repository.find(postId);
        stored.ifPresent(state -> cache.apply(state, "", Backing.DATABASE));
        // Re-read: a newer write may have reached the cache between the miss and the fill.
        return stored.isPresent() ? cache.get(postId).or(() -> stored) : stored;
    }

    /**
     * Copies into MySQL what the cache took while this datacenter did not own the master, newer version wins and like
     * counters by maximum: run when it becomes the owner. Until then it wrote its writes (and the other datacenter's)
     * to Redis only, counting on the old master; those that the old master had not committed, or whose binlog had
     * not reached this replica before the failover, exist only in this cache. Only pinned posts can be ahead of the
     * local database ({@link PostCache}), so this walks {@code wmb:unconfirmed}, oldest first, a page at a time
     * ({@link #confirmCache}), until a page unpins nothing: the cost follows what the old master missed, not how
     * much Redis caches.
     * @return how many pinned posts were looked at
     */
    public long adoptCache() {
        long checked = 0;
        Confirmation page;
        do {
            page = confirmCache(Duration.ZERO, ADOPTION_PAGE);
            checked += page.checked();
        }
        while (page.checked() == ADOPTION_PAGE && page.unpinned() > 0);
        return checked;
    }

    /**
     * Reads a post from MySQL and the cache and makes the cache hold the newer of the two: the cache may have missed
     * the last write (a processor killed between its MySQL commit and the cache). MySQL is read whether or not this
     * datacenter owns the master now: a write committed while it did stays in its database after a failover, which
     * makes it a replica, and the cache alone would still answer the state before that write.
     * @param postId the post
     * @return the post, tombstones included; empty if this datacenter has never stored it
     */
    public Optional<PostState> refresh(long postId) {
        Optional<PostState> stored = repository.find(postId);
        if (stored.isPresent()) {
            cache.apply(stored.get(), "", Backing.DATABASE);
            // The cache keeps the newest version: a write that arrived meanwhile stays, and wins here too.
            return cache.get(postId).or(() -> stored);
        }
        return read(postId);
    }

    /**
     * Unpins the cached posts that the local database has caught up with ({@link PostCache}): in the datacenter
     * without the master, once the replica has received their writes back from the master's binlog. In the datacenter
     * that owns the master, a pinned post was written before it did, and is copied into MySQL first.
     * @param age how long ago a post must have been written: younger ones are most likely still on their way
     * @param limit most posts looked at
     * @return how many posts were unpinned and how many were looked at
     */
    public Confirmation confirmCache(Duration age, int limit) {
        List<Long> ids = cache.unconfirmed(age, limit);
        if (ids.isEmpty()) {
            return new Confirmation(0, 0);
        }
        if (ownership.ownsMaster()) {
            // Pinned in the datacenter that owns the master: written to the cache alone before it did. Normally
            // adoptCache copied it at the failover; this catches a write that was under way as ownership changed.
            copyToDatabase(cache.getAll(ids).values());
        }
        return new Confirmation(cache.confirmAll(ids, repository.findAll(ids)), ids.size());
    }

    /**
     * Cached posts into MySQL in one short transaction of a few statements ({@link PostRepository#upsertAll}); if it
     * fails (a deadlock with the writes going on meanwhile), one statement at a time.
     */
    private void copyToDatabase(Collection<PostState> posts) {
        List<PostState> states = new ArrayList<>(posts);
        if (states.isEmpty()) {
            return;
        }
        try {
            transactions.executeWithoutResult(status -> {
                repository.upsertAll(states);
                repository.mergeAllLikes(states);
            });
        }
        catch (RuntimeException ex) {
            log.warn("Copying {} cached posts into MySQL failed as a whole, one by one: {}", states.size(),
                    ex.toString());
            for (PostState post : states) {
                repository.upsert(post);
                repository.mergeLikes(post.id(), post.likes(), "");
            }
        }
    }

    /**
     * Adds one like to this datacenter's counter.
     * @param postId the post
     * @param datacenter this datacenter
     * @return the state after the like, empty if the post does not exist or is deleted
     */
    public Optional<PostState> like(long postId, String datacenter) {
        if (ownership.ownsMaster()) {
            Optional<PostState> current = read(postId);
            if (current.isEmpty() || current.get().deleted()) {
                return Optional.empty();
            }
            repository.incrementLikes(postId, datacenter);
            Optional<PostState> stored = repository.find(postId);
            if (stored.isEmpty()) {
                // Known to the cache only (written before this datacenter owned the master): count it there.
                return likeInCache(postId, datacenter);
            }
            PostState after = stored.get();
            // The database holds the authority for this datacenter's counter; merge the cache's view of the other's.
            for (Map.Entry<String, Long> entry : current.get().likes().entrySet()) {
                after = after.withLikes(entry.getKey(), entry.getValue());
            }
            cache.apply(after, datacenter, Backing.DATABASE);
            return Optional.of(after);
        }
        return likeInCache(postId, datacenter);
    }

    private Optional<PostState> likeInCache(long postId, String datacenter) {
        PostCache.LikeResult result = cache.like(postId, datacenter);
        if (result.status() == PostCache.LikeStatus.MISS) {
            Optional<PostState> filled = read(postId);
            if (filled.isEmpty() || filled.get().deleted()) {
                return Optional.empty();
            }
            result = cache.like(postId, datacenter);
        }
        return (result.status() == PostCache.LikeStatus.COUNTED) ? Optional.of(result.state()) : Optional.empty();
    }

    /**
     * An author's live posts, newest first: the cache's and the database's, newest version of each with the higher
     * of each like counter.
     * @param authorId the author
     * @param limit most posts
     * @return the posts
     */
    public List<PostState> byAuthor(long authorId, int limit) {
        Map<Long, PostState> merged = new HashMap<>();
        for (PostState post : cache.byAuthor(authorId, limit)) {
            merged.put(post.id(), post);
        }
        for (PostState post : repository.findByAuthor(authorId, limit)) {
            PostState cached = merged.get(post.id());
            if (cached == null) {
                // Not in the cache's set (it drops deleted posts, and Redis may have evicted it): the cache may still
                // hold the post, a newer tombstone, or likes that have not reached this database yet.
                cached = cache.get(post.id()).orElse(null);
            }
            merged.put(post.id(), (cached != null) ? cached.mergedWith(post) : post);
        }
        List<PostState> posts = new ArrayList<>(merged.size());
        for (PostState post : merged.values()) {
            if (!post.deleted()) {
                posts.add(post);
            }
        }
        posts.sort((a, b) -> (a.createdAtMs() != b.createdAtMs()) ? Long.compare(b.createdAtMs(), a.createdAtMs())
                : Long.compare(b.id(), a.id()));
        return (posts.size() > limit) ? posts.subList(0, limit) : posts;
    }

    /**
     * The result of one write of a batch.
     *
     * @param outcome how it was applied; {@code null} if it failed
     * @param failure why it failed; {@code null} if it was applied
     */
    public record BatchResult(StoreOutcome outcome, RuntimeException failure) {
    }

    /**
     * What one pass of {@link #confirmCache} did.
     *
     * @param unpinned posts the database had caught up with
     * @param checked posts looked at
     */
    public record Confirmation(int unpinned, int checked) {
    }

    private record DatabaseResult(StoreOutcome content, StoreOutcome likes) {
    }

}
