package io.wmb.processor.store;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.stereotype.Repository;

/**
 * Posts in MySQL: the master where this datacenter owns it, the binlog replica otherwise (read only).
 * <p>
 * Every write is one conditional statement, "newer version wins": a duplicate, a late retry or a replayed old write
 * changes nothing. The connection reports affected rows (not matched rows), so 0 means nothing changed.
 */
@Repository
public class PostRepository {

    // The version is assigned last: MariaDB evaluates the assignments left to right, so the IFs above it still
    // compare against the stored version.
    private static final String UPSERT = """
            INSERT INTO posts (id, author_id, content, deleted, version, created_at_ms, updated_at_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE
              author_id = IF(VALUES(version) > version, VALUES(author_id), author_id),
              content = IF(VALUES(version) > version, VALUES(content), content),
              deleted = IF(VALUES(version) > version, VALUES(deleted), deleted),
              created_at_ms = IF(VALUES(version) > version, LEAST(created_at_ms, VALUES(created_at_ms)), created_at_ms),
              updated_at_ms = IF(VALUES(version) > version, VALUES(updated_at_ms), updated_at_ms),
              version = GREATEST(version, VALUES(version))
            """;

    private static final String VERSIONS_PREFIX = "SELECT id, version FROM posts WHERE id IN (";

    private static final String MERGE_LIKES_PREFIX = "INSERT INTO post_likes (post_id, datacenter, likes) VALUES ";

    private static final String MERGE_LIKES_SUFFIX = " ON DUPLICATE KEY UPDATE likes = GREATEST(likes, VALUES(likes))";

    private static final String MERGE_LIKE = MERGE_LIKES_PREFIX + "(?, ?, ?)" + MERGE_LIKES_SUFFIX;

    private static final String INCREMENT_LIKES = """
            INSERT INTO post_likes (post_id, datacenter, likes) VALUES (?, ?, 1)
            ON DUPLICATE KEY UPDATE likes = likes + 1
            """;

    private static final String COLUMNS = "p.id, p.author_id, p.content, p.deleted, p.version, p.created_at_ms, "
            + "p.updated_at_ms, l.datacenter, l.likes";

    private static final String FIND = "SELECT " + COLUMNS
            + " FROM posts p LEFT JOIN post_likes l ON l.post_id = p.id WHERE p.id = ?";

    private static final String FIND_ALL_PREFIX = "SELECT " + COLUMNS
            + " FROM posts p LEFT JOIN post_likes l ON l.post_id = p.id WHERE p.id IN (";

    private static final String FIND_BY_AUTHOR = "SELECT " + COLUMNS + " FROM (SELECT * FROM posts"
            + " WHERE author_id = ? AND deleted = FALSE ORDER BY created_at_ms DESC, id DESC LIMIT ?) p"
            + " LEFT JOIN post_likes l ON l.post_id = p.id ORDER BY p.created_at_ms DESC, p.id DESC";

    private static final ResultSetExtractor<List<PostState>> POSTS = PostRepository::readPosts;

    private final JdbcTemplate jdbc;

    private final ProcessorMetrics metrics;

    public PostRepository(JdbcTemplate jdbc, ProcessorMetrics metrics) {
        this.jdbc = jdbc;
        this.metrics = metrics;
    }

    /**
     * Stores a post's content if its version is newer than the stored one (inserting it if absent).
     * @param state the state to store; its likes are not touched here
     * @return APPLIED, DUPLICATE (same version stored) or STALE (newer version stored)
     */
    public StoreOutcome upsert(PostState state) {
        long started = System.nanoTime();
        try {
            int changed = jdbc.update(UPSERT, state.id(), state.authorId(), state.content(), state.deleted(),
                    state.version(), state.createdAtMs(), state.updatedAtMs());
            if (changed > 0) {
                return StoreOutcome.APPLIED;
            }
            // Rare path: tell a duplicate from a stale write.
            List<Long> stored = jdbc.queryForList("SELECT version FROM posts WHERE id = ?", Long.class, state.id());
            // No row visible: a concurrent transaction holds it and this one's snapshot predates it; it is not older.
            return (stored.size() == 1 && stored.get(0) == state.version()) ? StoreOutcome.DUPLICATE
                    : StoreOutcome.STALE;
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Stores many posts' content, each where its version is newer than the stored one, in three statements however
     * many there are: the stored versions, then every upsert in one multi-row statement (Connector/J rewrites the
     * batch, {@code rewriteBatchedStatements}), then the versions again, locked. One statement per write made the
     * master the slowest part of catching up after a long cut. Each outcome follows from the versions before
     * and the writes ahead of it in the list, as if applied one by one; the second read finds where a transaction
     * committed a newer version in between, which makes every write of that post stale. Run it in a transaction.
     * <p>
     * Unlike {@link #upsert}, two transactions storing the same version at the same moment may both answer APPLIED
     * (the first read cannot see the other's uncommitted row); the stored state is the same either way.
     * @param states the states, in order; a post may come more than once
     * @return one outcome per state, in order: APPLIED, DUPLICATE or STALE as {@link #upsert} answers them
     */
    public List<StoreOutcome> upsertAll(List<PostState> states) {
        if (states.isEmpty()) {
            return List.of();
        }
        Set<Long> ids = new LinkedHashSet<>();
        List<Object[]> rows = new ArrayList<>(states.size());
        for (PostState state : states) {
            ids.add(state.id());
            rows.add(new Object[] { state.id(), state.authorId(), state.content(), state.deleted(), state.version(),
                state.createdAtMs(), state.updatedAtMs() });
        }
        Map<Long, Long> versions = versions(ids, "");
        long started = System.nanoTime();
        try {
            jdbc.batchUpdate(UPSERT, rows);
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        List<StoreOutcome> outcomes = new ArrayList<>(states.size());
        for (PostState state : states) {
            Long stored = versions.get(state.id());
            if (stored == null || state.version() > stored) {
                outcomes.add(StoreOutcome.APPLIED);
                versions.put(state.id(), state.version());
            }
            else {
                outcomes.add((state.version() == stored) ? StoreOutcome.DUPLICATE : StoreOutcome.STALE);
            }
        }
        Map<Long, Long> after = versions(ids, " FOR UPDATE");
        for (int i = 0; i < states.size(); i++) {
            long id = states.get(i).id();
            Long found = after.get(id);
            if (found == null || found < versions.get(id)) {
                throw new IllegalStateException("Post " + id + " holds version " + found + " after an upsert of "
                        + versions.get(id));
            }
            if (found > versions.get(id)) {
                outcomes.set(i, StoreOutcome.STALE);
            }
        }
        return outcomes;
    }

    private Map<Long, Long> versions(Collection<Long> ids, String lock) {
        long started = System.nanoTime();
        try {
            String sql = VERSIONS_PREFIX + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")" + lock;
            Map<Long, Long> versions = new HashMap<>();
            jdbc.query(sql, (RowCallbackHandler) rs -> versions.put(rs.getLong(1), rs.getLong(2)), ids.toArray());
            return versions;
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Merges the like counters of many states by maximum, in one multi-row statement, without telling what changed.
     * @param states the states whose counters to merge; a post may come more than once
     */
    public void mergeAllLikes(List<PostState> states) {
        List<Object[]> rows = new ArrayList<>();
        for (PostState state : states) {
            state.likes().forEach((datacenter, count) -> rows.add(new Object[] { state.id(), datacenter, count }));
        }
        if (rows.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        try {
            jdbc.batchUpdate(MERGE_LIKE, rows);
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Merges like counters by maximum.
     * @param postId the post
     * @param likes counters by datacenter
     * @param origin the datacenter whose counter decides between DUPLICATE and STALE when nothing changed
     * @return APPLIED if a counter rose, DUPLICATE if the origin's counter was already equal, STALE if higher
     */
    public StoreOutcome mergeLikes(long postId, Map<String, Long> likes, String origin) {
        if (likes.isEmpty()) {
            return StoreOutcome.DUPLICATE;
        }
        long started = System.nanoTime();
        try {
            StringBuilder sql = new StringBuilder(MERGE_LIKES_PREFIX);
            Object[] args = new Object[likes.size() * 3];
            int i = 0;
            for (Map.Entry<String, Long> entry : likes.entrySet()) {
                sql.append(i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)");
                args[i++] = postId;
                args[i++] = entry.getKey();
                args[i++] = entry.getValue();
            }
            sql.append(MERGE_LIKES_SUFFIX);
            if (jdbc.update(sql.toString(), args) > 0) {
                return StoreOutcome.APPLIED;
            }
            Long mine = likes.get(origin);
            if (mine == null) {
                return StoreOutcome.DUPLICATE;
            }
            Long stored = jdbc.queryForObject("SELECT likes FROM post_likes WHERE post_id = ? AND datacenter = ?",
                    Long.class, postId, origin);
            return (stored != null && stored.longValue() == mine) ? StoreOutcome.DUPLICATE : StoreOutcome.STALE;
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Adds one like to a datacenter's counter; only that datacenter's processor calls this.
     * @param postId the post
     * @param datacenter the counter's datacenter
     */
    public void incrementLikes(long postId, String datacenter) {
        long started = System.nanoTime();
        try {
            jdbc.update(INCREMENT_LIKES, postId, datacenter);
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Reads a post, tombstone included.
     * @param id the post
     * @return the post, empty if this database has never seen it
     */
    public Optional<PostState> find(long id) {
        long started = System.nanoTime();
        try {
            List<PostState> found = jdbc.query(FIND, POSTS, id);
            return (found == null || found.isEmpty()) ? Optional.empty() : Optional.of(found.get(0));
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Several posts at once, tombstones included, in one query.
     * @param ids the posts
     * @return the posts found, by id; absent ids are missing from the map
     */
    public Map<Long, PostState> findAll(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        long started = System.nanoTime();
        try {
            String sql = FIND_ALL_PREFIX + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")";
            List<PostState> found = jdbc.query(sql, POSTS, ids.toArray());
            Map<Long, PostState> byId = new HashMap<>();
            if (found != null) {
                found.forEach(post -> byId.put(post.id(), post));
            }
            return byId;
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * An author's posts that are not deleted, newest first.
     * @param authorId the author
     * @param limit most posts returned
     * @return the posts
     */
    public List<PostState> findByAuthor(long authorId, int limit) {
        long started = System.nanoTime();
        try {
            List<PostState> found = jdbc.query(FIND_BY_AUTHOR, POSTS, authorId, limit);
            return (found == null) ? List.of() : found;
        }
        finally {
            metrics.mysql().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /** Folds the joined rows (one per like counter) into posts, keeping the query's order. */
    private static List<PostState> readPosts(ResultSet rs) throws SQLException {
        Map<Long, PostState> posts = new LinkedHashMap<>();
        Map<Long, Map<String, Long>> likes = new HashMap<>();
        while (rs.next()) {
            long id = rs.getLong(1);
            if (!posts.containsKey(id)) {
                posts.put(id, new PostState(id, rs.getLong(2), rs.getString(3), rs.getBoolean(4), rs.getLong(5),
                        rs.getLong(6), rs.getLong(7), Map.of()));
            }
            String datacenter = rs.getString(8);
            if (datacenter != null) {
                likes.computeIfAbsent(id, key -> new HashMap<>()).put(datacenter, rs.getLong(9));
            }
        }
        List<PostState> result = new ArrayList<>(posts.size());
        for (PostState post : posts.values()) {
            Map<String, Long> counters = likes.get(post.id());
            result.add(counters == null ? post : new PostState(post.id(), post.authorId(), post.content(),
                    post.deleted(), post.version(), post.createdAtMs(), post.updatedAtMs(), counters));
        }
        return result;
    }

}
