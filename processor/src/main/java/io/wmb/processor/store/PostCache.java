package io.wmb.processor.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Posts in this datacenter's Redis: one hash per post ({@code wmb:post:<id>}) and one sorted set per author
 * ({@code wmb:author:<authorId>}, scored by creation time).
 * <p>
 * All writes go through Lua scripts that compare versions atomically: content is replaced only by a newer version,
 * like counters only rise (merge by maximum). The same script fills the cache after a miss, so a fill read from a
 * lagging replica never overwrites a newer cached value. A hash without a version field (only like counters) is a
 * miss for readers.
 */
public class PostCache {

    /** Versions are 64-bit: Lua numbers are doubles, so versions are compared as decimal strings. */
    static final String APPLY_SCRIPT = """
            local function cmp(a, b)
              if #a ~= #b then if #a < #b then return -1 else return 1 end end
              if a == b then return 0 end
              if a < b then return -1 else return 1 end
            end
            local stored = redis.call('HGET', KEYS[1], 'v')
            local content
            if not stored then
              content = 2
            end
            if (not stored) or cmp(stored, ARGV[1]) < 0 then
              redis.call('HSET', KEYS[1], 'v', ARGV[1], 'a', ARGV[2], 'c', ARGV[3], 'd', ARGV[4], 'ca', ARGV[5],
                'ua', ARGV[6])
              if ARGV[4] == '1' then
                redis.call('ZREM', KEYS[2], ARGV[7])
              else
                redis.call('ZADD', KEYS[2], ARGV[5], ARGV[7])
              end
              content = content or 1
            elseif cmp(stored, ARGV[1]) == 0 then
              content = 0
            else
              content = -1
            end
            local likesChanged = 0
            local n = tonumber(ARGV[9])
            for i = 0, n - 1 do
              local field = 'l:' .. ARGV[10 + 2 * i]
              local count = tonumber(ARGV[11 + 2 * i])
              local current = tonumber(redis.call('HGET', KEYS[1], field) or '-1')
              if count > current then
                redis.call('HSET', KEYS[1], field, count)
                likesChanged = 1
              end
            end
            local origin = redis.call('HGET', KEYS[1], 'l:' .. ARGV[8]) or '-1'
            return {content, likesChanged, tonumber(origin)}
            """;

    /** Adds one like to this datacenter's counter of a cached, live post; 0 for a tombstone, nil for a miss. */
    static final String LIKE_SCRIPT = """
            local deleted = redis.call('HGET', KEYS[1], 'd')
            if not deleted then return nil end
            if deleted == '1' then return 0 end
            redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
            return redis.call('HGETALL', KEYS[1])
            """;

    private static final String POST_PREFIX = "wmb:post:";

    private static final String AUTHOR_PREFIX = "wmb:author:";

    private static final String LIKES_PREFIX = "l:";

    private final JedisPooled jedis;

    private final ProcessorMetrics metrics;

    private volatile String applySha;

    private volatile String likeSha;

    /**
     * Creates the cache.
     * @param jedis the pool; shared, not this class's to close
     * @param metrics where latencies go
     */
    public PostCache(JedisPooled jedis, ProcessorMetrics metrics) {
        this.jedis = jedis;
        this.metrics = metrics;
    }

    /**
     * Applies a post's state: content if newer, like counters merged by maximum.
     * @param state the state
     * @param origin the datacenter whose like counter decides between DUPLICATE and STALE for a like
     * @return the result of the content and of the likes
     */
    public CacheResult apply(PostState state, String origin) {
        return toResult(state, origin, (List<?>) eval(true, applyKeys(state), applyArgs(state, origin)));
    }

    /**
     * Applies many states as {@link #apply} does, one after the other, in one pipelined round trip to Redis: a
     * batch from the other datacenter costs one wait for Redis instead of one per write.
     * @param states the states, in order (later ones see what earlier ones did, as with {@link #apply})
     * @param origins for each state, the datacenter whose like counter decides between DUPLICATE and STALE
     * @return one result per state, in order
     */
    public List<CacheResult> applyAll(List<PostState> states, List<String> origins) {
        if (states.size() != origins.size()) {
            throw new IllegalArgumentException(states.size() + " states but " + origins.size() + " origins");
        }
        if (states.size() == 1) {
            return List.of(apply(states.get(0), origins.get(0)));
        }
        List<Response<Object>> replies = new ArrayList<>(states.size());
        long started = System.nanoTime();
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            String sha = applySha();
            for (int i = 0; i < states.size(); i++) {
                replies.add(pipeline.evalsha(sha, applyKeys(states.get(i)), applyArgs(states.get(i), origins.get(i))));
            }
            pipeline.sync();
        }
        finally {
            metrics.redis().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        List<CacheResult> results = new ArrayList<>(states.size());
        try {
            for (int i = 0; i < states.size(); i++) {
                results.add(toResult(states.get(i), origins.get(i), (List<?>) replies.get(i).get()));
            }
        }
        catch (JedisNoScriptException ex) {
            // Redis lost its scripts between the load and the batch (a restart or SCRIPT FLUSH): none of the batch
            // ran. Applying a state twice changes nothing, so the one-by-one path, which loads the script again,
            // is safe for all of them.
            applySha = null;
            results.clear();
            for (int i = 0; i < states.size(); i++) {
                results.add(apply(states.get(i), origins.get(i)));
            }
        }
        return results;
    }

    private String applySha() {
        String sha = applySha;
        if (sha == null) {
            sha = jedis.scriptLoad(APPLY_SCRIPT);
            applySha = sha;
        }
        return sha;
    }

    private static List<String> applyKeys(PostState state) {
        return List.of(postKey(state.id()), authorKey(state.authorId()));
    }

    private static List<String> applyArgs(PostState state, String origin) {
        List<String> args = new ArrayList<>(9 + 2 * state.likes().size());
        args.add(Long.toString(state.version()));
        args.add(Long.toString(state.authorId()));
        args.add(state.content());
        args.add(state.deleted() ? "1" : "0");
        args.add(Long.toString(state.createdAtMs()));
        args.add(Long.toString(state.updatedAtMs()));
        args.add(Long.toString(state.id()));
        args.add(origin);
        args.add(Integer.toString(state.likes().size()));
        for (Map.Entry<String, Long> entry : state.likes().entrySet()) {
            args.add(entry.getKey());
            args.add(Long.toString(entry.getValue()));
        }
        return args;
    }

    private static CacheResult toResult(PostState state, String origin, List<?> reply) {
        long content = (Long) reply.get(0);
        boolean likesChanged = (Long) reply.get(1) == 1L;
        long originLikes = (Long) reply.get(2);
        StoreOutcome contentOutcome = (content > 0) ? StoreOutcome.APPLIED
                : (content == 0) ? StoreOutcome.DUPLICATE : StoreOutcome.STALE;
        StoreOutcome likesOutcome;
        if (likesChanged) {
            likesOutcome = StoreOutcome.APPLIED;
        }
        else {
            Long mine = state.likes().get(origin);
            likesOutcome = (mine == null || mine == originLikes) ? StoreOutcome.DUPLICATE : StoreOutcome.STALE;
        }
        return new CacheResult(contentOutcome, likesOutcome, content == 2);
    }

    /**
     * Adds one like to a datacenter's counter, when the post is cached.
     * @param postId the post
     * @param datacenter the counter to increment (this datacenter's)
     * @return the state after the like; {@link LikeResult#MISS} when the post is not cached
     */
    public LikeResult like(long postId, String datacenter) {
        Object reply = eval(false, List.of(postKey(postId)), List.of(LIKES_PREFIX + datacenter));
        if (reply == null) {
            return LikeResult.MISS;
        }
        if (reply instanceof Long) {
            return LikeResult.DELETED;
        }
        List<?> flat = (List<?>) reply;
        Map<String, String> hash = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            hash.put((String) flat.get(i), (String) flat.get(i + 1));
        }
        return new LikeResult(LikeStatus.COUNTED, toState(postId, hash));
    }

    /**
     * Reads a cached post, tombstones included.
     * @param postId the post
     * @return the post, empty on a miss
     */
    public Optional<PostState> get(long postId) {
        long started = System.nanoTime();
        try {
            return Optional.ofNullable(toState(postId, jedis.hgetAll(postKey(postId))));
        }
        finally {
            metrics.redis().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The newest cached posts of an author (live ones; the set drops a post when its tombstone arrives).
     * @param authorId the author
     * @param limit most posts
     * @return the posts, newest first
     */
    public List<PostState> byAuthor(long authorId, int limit) {
        long started = System.nanoTime();
        try {
            List<String> ids = jedis.zrevrange(authorKey(authorId), 0, limit - 1);
            if (ids.isEmpty()) {
                return List.of();
            }
            List<Response<Map<String, String>>> replies = new ArrayList<>(ids.size());
            try (AbstractPipeline pipeline = jedis.pipelined()) {
                for (String id : ids) {
                    replies.add(pipeline.hgetAll(POST_PREFIX + id));
                }
                pipeline.sync();
            }
            List<PostState> posts = new ArrayList<>(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                PostState post = toState(Long.parseLong(ids.get(i)), replies.get(i).get());
                if (post != null && !post.deleted()) {
                    posts.add(post);
                }
            }
            return posts;
        }
        finally {
            metrics.redis().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Every cached post, tombstones included, a page at a time (Redis {@code SCAN}: no long block of Redis).
     * @param page called with each page of posts
     * @return how many posts were visited
     */
    public long forEachPage(Consumer<List<PostState>> page) {
        long visited = 0;
        ScanParams params = new ScanParams()
            .match(POST_PREFIX + "*").count(500);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> scan = jedis.scan(cursor, params);
            cursor = scan.getCursor();
            List<PostState> posts = new ArrayList<>(scan.getResult().size());
            for (String key : scan.getResult()) {
                long id = Long.parseLong(key.substring(POST_PREFIX.length()));
                get(id).ifPresent(posts::add);
            }
            if (!posts.isEmpty()) {
                page.accept(posts);
                visited += posts.size();
            }
        }
        while (!ScanParams.SCAN_POINTER_START.equals(cursor));
        return visited;
    }

    /** Whether Redis answers; for the health endpoint. */
    public String ping() {
        return jedis.ping();
    }

    private Object eval(boolean apply, List<String> keys, List<String> args) {
        long started = System.nanoTime();
        try {
            String sha = apply ? applySha : likeSha;
            if (sha != null) {
                try {
                    return jedis.evalsha(sha, keys, args);
                }
                catch (JedisNoScriptException ex) {
                    // Redis restarted or flushed its scripts: load again below.
                }
            }
            sha = jedis.scriptLoad(apply ? APPLY_SCRIPT : LIKE_SCRIPT);
            if (apply) {
                applySha = sha;
            }
            else {
                likeSha = sha;
            }
            return jedis.evalsha(sha, keys, args);
        }
        finally {
            metrics.redis().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    private static PostState toState(long postId, Map<String, String> hash) {
        String version = hash.get("v");
        if (version == null) {
            return null;
        }
        Map<String, Long> likes = new HashMap<>(4);
        for (Map.Entry<String, String> entry : hash.entrySet()) {
            if (entry.getKey().startsWith(LIKES_PREFIX)) {
                likes.put(entry.getKey().substring(LIKES_PREFIX.length()), Long.parseLong(entry.getValue()));
            }
        }
        return new PostState(postId, Long.parseLong(hash.get("a")), hash.get("c"), "1".equals(hash.get("d")),
                Long.parseLong(version), Long.parseLong(hash.get("ca")), Long.parseLong(hash.get("ua")), likes);
    }

    static String postKey(long postId) {
        return POST_PREFIX + postId;
    }

    static String authorKey(long authorId) {
        return AUTHOR_PREFIX + authorId;
    }

    /**
     * What applying a state did to the cache.
     *
     * @param content the content's outcome
     * @param likes the like counters' outcome
     * @param wasMissing whether the cache held no content of the post before
     */
    public record CacheResult(StoreOutcome content, StoreOutcome likes, boolean wasMissing) {
    }

    /**
     * What a like did.
     *
     * @param status whether the like was counted
     * @param state the state after the like; {@code null} unless counted
     */
    public record LikeResult(LikeStatus status, PostState state) {

        static final LikeResult MISS = new LikeResult(LikeStatus.MISS, null);

        static final LikeResult DELETED = new LikeResult(LikeStatus.DELETED, null);

    }

    /** Whether a like was counted in the cache. */
    public enum LikeStatus {

        /** Counted. */
        COUNTED,

        /** The post is not cached: fill it and try again. */
        MISS,

        /** The post is a tombstone. */
        DELETED

    }

}
