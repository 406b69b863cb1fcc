package io.wmb.processor.store;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.wmb.processor.metrics.ProcessorMetrics;
import io.wmb.processor.post.PostState;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Posts in this datacenter's Redis: one hash per post ({@code wmb:post:<id>}) and one sorted set per author
 * ({@code wmb:author:<authorId>}, scored by creation time).
 * <p>
 * All writes go through Lua scripts that compare versions atomically: content is replaced only by a newer version,
 * like counters only rise (merge by maximum). The same script fills the cache after a miss, so a fill read from a
 * lagging replica never overwrites a newer cached value. A hash without a version field (only like counters) is a
 * miss for readers.
 * <p>
 * Redis may evict only what the local MySQL also holds. A post written {@linkplain Backing#DATABASE after the local
 * database} (or filled from it) gets a time to live, which makes it a candidate for Redis' {@code volatile-lru}
 * eviction. A post written {@linkplain Backing#CACHE_ONLY to the cache alone} (in the datacenter without the master,
 * its replica gets the write only after a round trip through the other datacenter) is pinned: no time to live, and
 * listed in {@code wmb:unconfirmed} until {@link #confirmAll} finds the local database has caught up. Evicting such a
 * post would serve the replica's older state and count new likes on older counters, which merge by maximum and would
 * lose the likes in between for good. An author's set is pinned while it lists a pinned post.
 */
public class PostCache {

    /** Versions are 64-bit: Lua numbers are doubles, so versions are compared as decimal strings. */
    private static final String COMPARE_VERSIONS = """
            local function cmp(a, b)
              if #a ~= #b then if #a < #b then return -1 else return 1 end end
              if a == b then return 0 end
              if a < b then return -1 else return 1 end
            end
            """;

    /**
     * Whether two sorted sets share a member. {@code ZINTERCARD ... LIMIT 1} says it in one call, but needs Redis 7,
     * and the launcher falls back to the Redis 6.2 bundled with embedded-redis where the system has no
     * {@code redis-server}. Walks the smaller set. Both callers pass the unconfirmed set second: it is empty outside a
     * failover, and one {@code ZCARD} of it settles the common case.
     */
    private static final String SHARE_A_MEMBER = """
            local function shareAMember(a, b)
              local sizeB = redis.call('ZCARD', b)
              if sizeB == 0 then return false end
              local sizeA = redis.call('ZCARD', a)
              if sizeA == 0 then return false end
              if sizeB < sizeA then a, b = b, a end
              for _, member in ipairs(redis.call('ZRANGE', a, 0, -1)) do
                if redis.call('ZSCORE', b, member) then return true end
              end
              return false
            end
            """;

    /**
     * Applies a state. KEYS: the post, its author's set, the unconfirmed set. ARGV: version, author, content,
     * deleted, created, updated, id, origin, 1 if cache-only (pin) else 0, time to live in seconds, now in ms, number
     * of like counters, then the counters as pairs. A write backed by the database leaves a pinned post pinned, and
     * an author's set that lists a pinned post: only {@link #CONFIRM_SCRIPT} unpins.
     */
    static final String APPLY_SCRIPT = COMPARE_VERSIONS + SHARE_A_MEMBER + """
            local stored = redis.call('HGET', KEYS[1], 'v')
            local content
            local listed = false
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
                listed = true
              end
              content = content or 1
            elseif cmp(stored, ARGV[1]) == 0 then
              content = 0
            else
              content = -1
            end
            local likesChanged = 0
            local n = tonumber(ARGV[12])
            for i = 0, n - 1 do
              local field = 'l:' .. ARGV[13 + 2 * i]
              local count = tonumber(ARGV[14 + 2 * i])
              local current = tonumber(redis.call('HGET', KEYS[1], field) or '-1')
              if count > current then
                redis.call('HSET', KEYS[1], field, count)
                likesChanged = 1
              end
            end
            if ARGV[9] == '1' then
              if content > 0 or likesChanged == 1 then
                redis.call('PERSIST', KEYS[1])
                redis.call('ZADD', KEYS[3], ARGV[11], ARGV[7])
              end
              if listed then redis.call('PERSIST', KEYS[2]) end
            else
              if not redis.call('ZSCORE', KEYS[3], ARGV[7]) then
                redis.call('EXPIRE', KEYS[1], ARGV[10])
              end
              if listed and not shareAMember(KEYS[2], KEYS[3]) then
                redis.call('EXPIRE', KEYS[2], ARGV[10])
              end
            end
            local origin = redis.call('HGET', KEYS[1], 'l:' .. ARGV[8]) or '-1'
            return {content, likesChanged, tonumber(origin)}
            """;

    /**
     * Adds one like to this datacenter's counter of a cached, live post; 0 for a tombstone, nil for a miss. The like
     * is in no database yet: the post is pinned. KEYS: the post, the unconfirmed set. ARGV: the counter, now in ms,
     * the post's id.
     */
    static final String LIKE_SCRIPT = """
            local deleted = redis.call('HGET', KEYS[1], 'd')
            if not deleted then return nil end
            if deleted == '1' then return 0 end
            redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
            redis.call('PERSIST', KEYS[1])
            redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
            return redis.call('HGETALL', KEYS[1])
            """;

    /**
     * Unpins a post once the local database holds its cached version and every cached like counter (or more); else
     * moves it to the back of the unconfirmed set. Its author's set is unpinned with the author's last pinned post.
     * 1 if unpinned, 0 if not. KEYS: the post, the unconfirmed set, the author's set.
     * ARGV: the post's id, the database's version ('' without a row), time to live in seconds, now in ms, number of
     * the database's like counters, then the counters as pairs. Atomic: a write that reached the cache after the
     * database was read makes the cache newer, and the post stays pinned.
     */
    static final String CONFIRM_SCRIPT = COMPARE_VERSIONS + SHARE_A_MEMBER + """
            local fields = redis.call('HGETALL', KEYS[1])
            if #fields == 0 then
              redis.call('ZREM', KEYS[2], ARGV[1])
              return 1
            end
            local database = {}
            local n = tonumber(ARGV[5])
            for i = 0, n - 1 do
              database['l:' .. ARGV[6 + 2 * i]] = tonumber(ARGV[7 + 2 * i])
            end
            local confirmed = ARGV[2] ~= ''
            for i = 1, #fields, 2 do
              local field = fields[i]
              if field == 'v' then
                if not confirmed or cmp(fields[i + 1], ARGV[2]) > 0 then confirmed = false end
              elseif string.sub(field, 1, 2) == 'l:' then
                if (database[field] or 0) < tonumber(fields[i + 1]) then confirmed = false end
              end
            end
            if confirmed then
              redis.call('EXPIRE', KEYS[1], ARGV[3])
              redis.call('ZREM', KEYS[2], ARGV[1])
              if not shareAMember(KEYS[3], KEYS[2]) then
                redis.call('EXPIRE', KEYS[3], ARGV[3])
              end
              return 1
            end
            redis.call('ZADD', KEYS[2], 'XX', ARGV[4], ARGV[1])
            return 0
            """;

    private static final String POST_PREFIX = "wmb:post:";

    private static final String AUTHOR_PREFIX = "wmb:author:";

    private static final String LIKES_PREFIX = "l:";

    /** The posts pinned until the local database confirms them, scored by when they were last written (ms). */
    static final String UNCONFIRMED = "wmb:unconfirmed";

    private final JedisPooled jedis;

    private final ProcessorMetrics metrics;

    private final Clock clock;

    private final String ttlSeconds;

    private final Script applyScript = new Script(APPLY_SCRIPT);

    private final Script likeScript = new Script(LIKE_SCRIPT);

    private final Script confirmScript = new Script(CONFIRM_SCRIPT);

    /**
     * Creates the cache.
     * @param jedis the pool; shared, not this class's to close
     * @param metrics where latencies go
     * @param clock when a post was pinned
     * @param ttl the time to live of what the local database also holds: a candidate for eviction, and read again
     *     from MySQL once expired
     */
    public PostCache(JedisPooled jedis, ProcessorMetrics metrics, Clock clock, Duration ttl) {
        if (ttl.toSeconds() < 1) {
            throw new IllegalArgumentException("ttl must be at least 1s, but was " + ttl);
        }
        this.jedis = jedis;
        this.metrics = metrics;
        this.clock = clock;
        this.ttlSeconds = Long.toString(ttl.toSeconds());
    }

    /**
     * Applies a post's state: content if newer, like counters merged by maximum.
     * @param state the state
     * @param origin the datacenter whose like counter decides between DUPLICATE and STALE for a like
     * @param backing whether the local database holds this state already
     * @return the result of the content and of the likes
     */
    public CacheResult apply(PostState state, String origin, Backing backing) {
        return toResult(state, origin, (List<?>) eval(applyScript, applyKeys(state),
                applyArgs(state, origin, backing)));
    }

    /**
     * Applies many states as {@link #apply} does, one after the other, in one pipelined round trip to Redis: a
     * batch from the other datacenter costs one wait for Redis instead of one per write.
     * @param states the states, in order (later ones see what earlier ones did, as with {@link #apply})
     * @param origins for each state, the datacenter whose like counter decides between DUPLICATE and STALE
     * @return one result per state, in order
     */
    public List<CacheResult> applyAll(List<PostState> states, List<String> origins, Backing backing) {
        if (states.size() != origins.size()) {
            throw new IllegalArgumentException(states.size() + " states but " + origins.size() + " origins");
        }
        if (states.size() == 1) {
            return List.of(apply(states.get(0), origins.get(0), backing));
        }
        List<Response<Object>> replies = new ArrayList<>(states.size());
        long started = System.nanoTime();
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            String sha = applyScript.sha(jedis);
            for (int i = 0; i < states.size(); i++) {
                replies.add(pipeline.evalsha(sha, applyKeys(states.get(i)),
                        applyArgs(states.get(i), origins.get(i), backing)));
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
            applyScript.forget();
            results.clear();
            for (int i = 0; i < states.size(); i++) {
                results.add(apply(states.get(i), origins.get(i), backing));
            }
        }
        return results;
    }

    private static List<String> applyKeys(PostState state) {
        return List.of(postKey(state.id()), authorKey(state.authorId()), UNCONFIRMED);
    }

    private List<String> applyArgs(PostState state, String origin, Backing backing) {
        List<String> args = new ArrayList<>(12 + 2 * state.likes().size());
        args.add(Long.toString(state.version()));
        args.add(Long.toString(state.authorId()));
        args.add(state.content());
        args.add(state.deleted() ? "1" : "0");
        args.add(Long.toString(state.createdAtMs()));
        args.add(Long.toString(state.updatedAtMs()));
        args.add(Long.toString(state.id()));
        args.add(origin);
        args.add((backing == Backing.CACHE_ONLY) ? "1" : "0");
        args.add(ttlSeconds);
        args.add(Long.toString(clock.millis()));
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
        Object reply = eval(likeScript, List.of(postKey(postId), UNCONFIRMED),
                List.of(LIKES_PREFIX + datacenter, Long.toString(clock.millis()), Long.toString(postId)));
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
            List<Long> ids = new ArrayList<>();
            for (String id : jedis.zrevrange(authorKey(authorId), 0, limit - 1)) {
                ids.add(Long.parseLong(id));
            }
            List<PostState> posts = new ArrayList<>(ids.size());
            for (PostState post : readAll(ids)) {
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
     * Reads many cached posts, tombstones included, in one pipelined round trip.
     * @param ids the posts
     * @return the cached ones by id; a miss is left out
     */
    public Map<Long, PostState> getAll(List<Long> ids) {
        long started = System.nanoTime();
        try {
            Map<Long, PostState> posts = new HashMap<>();
            for (PostState post : readAll(ids)) {
                if (post != null) {
                    posts.put(post.id(), post);
                }
            }
            return posts;
        }
        finally {
            metrics.redis().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /** One state per id, in order, {@code null} for a miss. */
    private List<PostState> readAll(List<Long> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<Response<Map<String, String>>> replies = new ArrayList<>(ids.size());
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            for (Long id : ids) {
                replies.add(pipeline.hgetAll(postKey(id)));
            }
            pipeline.sync();
        }
        List<PostState> posts = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            posts.add(toState(ids.get(i), replies.get(i).get()));
        }
        return posts;
    }

    /** Whether Redis answers; for the health endpoint. */
    public String ping() {
        return jedis.ping();
    }

    /**
     * The pinned posts whose last write is at least {@code age} old, oldest first.
     * @param age how long ago a post was last written
     * @param limit most posts
     * @return their ids
     */
    public List<Long> unconfirmed(Duration age, int limit) {
        long before = clock.millis() - age.toMillis();
        List<Long> ids = new ArrayList<>();
        for (String member : jedis.zrangeByScore(UNCONFIRMED, Double.NEGATIVE_INFINITY, before, 0, limit)) {
            ids.add(Long.parseLong(member));
        }
        return ids;
    }

    /** How many posts are pinned until the local database confirms them. */
    public long unconfirmedCount() {
        return jedis.zcard(UNCONFIRMED);
    }

    /**
     * Unpins each post whose cached state the local database holds (its version and every like counter, or newer);
     * the others stay pinned and go to the back of the line. One pipelined round trip.
     * @param ids the pinned posts
     * @param database what the local database holds of them; a post without a row stays pinned
     * @return how many were unpinned
     */
    public int confirmAll(List<Long> ids, Map<Long, PostState> database) {
        if (ids.isEmpty()) {
            return 0;
        }
        String now = Long.toString(clock.millis());
        List<Response<Object>> replies = new ArrayList<>(ids.size());
        long started = System.nanoTime();
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            String sha = confirmScript.sha(jedis);
            for (Long id : ids) {
                PostState row = database.get(id);
                List<String> args = new ArrayList<>(5 + ((row == null) ? 0 : 2 * row.likes().size()));
                args.add(Long.toString(id));
                args.add((row == null) ? "" : Long.toString(row.version()));
                args.add(ttlSeconds);
                args.add(now);
                args.add(Integer.toString((row == null) ? 0 : row.likes().size()));
                if (row != null) {
                    row.likes().forEach((datacenter, count) -> {
                        args.add(datacenter);
                        args.add(Long.toString(count));
                    });
                }
                // Without a row the post stays pinned, and no author's set is touched.
                String author = (row == null) ? postKey(id) : authorKey(row.authorId());
                replies.add(pipeline.evalsha(sha, List.of(postKey(id), UNCONFIRMED, author), args));
            }
            pipeline.sync();
        }
        finally {
            metrics.redis().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        int confirmed = 0;
        try {
            for (Response<Object> reply : replies) {
                confirmed += ((Long) reply.get()).intValue();
            }
        }
        catch (JedisNoScriptException ex) {
            // Redis restarted meanwhile: nothing of this pass ran; the posts stay pinned for the next one.
            confirmScript.forget();
        }
        return confirmed;
    }

    /**
     * The eviction policy Redis runs with, when it answers {@code CONFIG GET} (a managed Redis may refuse it).
     * @return the policy, empty if unknown
     */
    public Optional<String> evictionPolicy() {
        try {
            List<?> reply = (List<?>) jedis.sendCommand(Protocol.Command.CONFIG, "GET", "maxmemory-policy");
            return (reply.size() < 2) ? Optional.empty()
                    : Optional.of(SafeEncoder.encode((byte[]) reply.get(1)));
        }
        catch (RuntimeException ex) {
            return Optional.empty();
        }
    }

    private Object eval(Script script, List<String> keys, List<String> args) {
        long started = System.nanoTime();
        try {
            try {
                return jedis.evalsha(script.sha(jedis), keys, args);
            }
            catch (JedisNoScriptException ex) {
                // Redis restarted or flushed its scripts: load again.
                script.forget();
                return jedis.evalsha(script.sha(jedis), keys, args);
            }
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

    /** Whether the local database holds what is written to the cache. */
    public enum Backing {

        /** The local database holds this state or a newer one: Redis may evict it, MySQL has it. */
        DATABASE,

        /**
         * The local database may not hold it yet (the datacenter without the master, or a post only its cache
         * knows): pinned until {@link #confirmAll} finds the database has caught up.
         */
        CACHE_ONLY

    }

    /** A Lua script and its SHA once loaded into Redis. */
    private static final class Script {

        private final String source;

        private volatile String sha;

        Script(String source) {
            this.source = source;
        }

        String sha(JedisPooled jedis) {
            String loaded = sha;
            if (loaded == null) {
                loaded = jedis.scriptLoad(source);
                sha = loaded;
            }
            return loaded;
        }

        void forget() {
            sha = null;
        }

    }

}
