package io.wmb.processor.post;

import java.util.HashMap;
import java.util.Map;

/**
 * The full state of a post as stored in MySQL and Redis, tombstones included.
 *
 * @param id the post's id
 * @param authorId its author
 * @param content its content (empty for a tombstone)
 * @param deleted whether it is a tombstone
 * @param version the content version (a hybrid logical clock reading)
 * @param createdAtMs creation time, epoch milliseconds
 * @param updatedAtMs last content change, epoch milliseconds
 * @param likes like counters by datacenter; each only grows, and only its own datacenter increments it
 */
public record PostState(long id, long authorId, String content, boolean deleted, long version, long createdAtMs,
        long updatedAtMs, Map<String, Long> likes) {

    public PostState {
        if (content == null) {
            throw new IllegalArgumentException("content must not be null");
        }
        likes = (likes == null) ? Map.of() : Map.copyOf(likes);
    }

    /** The like count shown to users: the sum of all datacenters' counters. */
    public long totalLikes() {
        long total = 0;
        for (Long count : likes.values()) {
            total += count;
        }
        return total;
    }

    /** This state with new content at a new version. */
    public PostState withContent(String newContent, long newVersion, long atMs) {
        return new PostState(id, authorId, newContent, false, newVersion, createdAtMs, atMs, likes);
    }

    /** This state as a tombstone at a new version. */
    public PostState asTombstone(long newVersion, long atMs) {
        return new PostState(id, authorId, "", true, newVersion, createdAtMs, atMs, likes);
    }

    /** This state with one datacenter's like counter raised to at least {@code count}. */
    public PostState withLikes(String datacenter, long count) {
        HashMap<String, Long> merged = new HashMap<>(likes);
        merged.merge(datacenter, count, Math::max);
        return new PostState(id, authorId, content, deleted, version, createdAtMs, updatedAtMs, merged);
    }

    /**
     * The newer of two states of this post (this one at the same version), with each like counter at the higher of
     * the two, as the cache applies a write: a like does not move the version, so the older state may hold the
     * higher counter.
     */
    public PostState mergedWith(PostState other) {
        PostState newer = (other.version > version) ? other : this;
        PostState older = (newer == this) ? other : this;
        for (Map.Entry<String, Long> counter : older.likes.entrySet()) {
            newer = newer.withLikes(counter.getKey(), counter.getValue());
        }
        return newer;
    }

}
