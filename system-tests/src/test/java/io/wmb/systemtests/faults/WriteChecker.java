package io.wmb.systemtests.faults;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import redis.clients.jedis.JedisPooled;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs continuous writes in both datacenters (create, update, delete, like; several keys, some written from both
 * datacenters at once) through the edge with {@code X-Region}, remembers every acknowledged write with its version,
 * and at the end compares, key by key, what both datacenters' MySQL, Redis and API hold with what was acknowledged.
 *
 * <p>Definitions used in the report:
 * <ul>
 * <li><b>acknowledged</b>: the API answered 2xx. A write that timed out or got a 5xx/429 is not acknowledged; it
 * may or may not have been applied, and either is correct.</li>
 * <li><b>lost</b>: after convergence (or at the deadline), some store holds a post older than an acknowledged
 * write to it (per write), fewer likes than were acknowledged (per like), or a live post whose delete was
 * acknowledged.</li>
 * <li><b>stale overwrite</b>: a read from one datacenter returned an older version than that datacenter had
 * already acknowledged or returned for the same post: a newer write was overwritten by an older one.</li>
 * <li><b>time to converge</b>: from the end of the fault and of the writes until every store of both
 * datacenters holds, for every post, the same state, and that state agrees with what was acknowledged.</li>
 * </ul>
 */
public final class WriteChecker {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final int LIVE_KEYS_PER_WRITER = 4;

    private final FaultDemo demo;

    private final String scenario;

    private final int writersPerRegion;

    private final Duration pause;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<Post> posts = new CopyOnWriteArrayList<>();

    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());

    private final AtomicLong made = new AtomicLong();

    private final AtomicLong acknowledged = new AtomicLong();

    private final AtomicLong staleOverwrites = new AtomicLong();

    private final List<Thread> writers = new ArrayList<>();

    /** When the calling writer's last request started (nanoTime). */
    private final ThreadLocal<Long> requestStarted = ThreadLocal.withInitial(() -> 0L);

    private volatile boolean running;

    /**
     * A checker that has not started writing yet.
     * @param demo the running demo
     * @param scenario the scenario's name, for the report
     * @param writersPerRegion writer threads per region (north writes to unicom, south to telecom)
     * @param pause pause of each writer between two writes
     */
    public WriteChecker(FaultDemo demo, String scenario, int writersPerRegion, Duration pause) {
        if (writersPerRegion < 1 || writersPerRegion > 16) {
            throw new IllegalArgumentException("writersPerRegion must be between 1 and 16, but was "
                    + writersPerRegion);
        }
        this.demo = demo;
        this.scenario = scenario;
        this.writersPerRegion = writersPerRegion;
        this.pause = pause;
    }

    /** Starts the writers. */
    public void start() {
        this.running = true;
        long seed = System.nanoTime();
        for (String region : List.of("north", "south")) {
            for (int i = 0; i < this.writersPerRegion; i++) {
                Random random = new Random(seed + this.writers.size());
                long userId = 9_000_000L + (seed % 100_000) * 100 + this.writers.size();
                Thread writer = new Thread(() -> write(region, userId, random), "checker-" + region + "-" + i);
                writer.setDaemon(true);
                this.writers.add(writer);
                writer.start();
            }
        }
    }

    /** Stops the writers and waits for the writes under way. */
    public void stop() {
        this.running = false;
        for (Thread writer : this.writers) {
            try {
                writer.join(30_000);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Acknowledged writes so far. */
    public long acknowledged() {
        return this.acknowledged.get();
    }

    /**
     * Waits until every store of both datacenters agrees with what was acknowledged, or the deadline passes, and
     * reports. Call after {@link #stop()} and after the fault is over.
     */
    public Result awaitConvergence(Duration deadline) {
        long started = System.nanoTime();
        long until = started + deadline.toNanos();
        Comparison last;
        try (Stores stores = new Stores(this.demo)) {
            while (true) {
                last = compare(stores);
                if (last.converged() || System.nanoTime() > until) {
                    break;
                }
                sleep(Duration.ofMillis(500));
            }
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        List<String> details = new ArrayList<>(this.problems);
        details.addAll(last.problems());
        return new Result(this.scenario, this.made.get(), this.acknowledged.get(), this.posts.size(), last.lost(),
                this.staleOverwrites.get(), last.converged() ? took : null, List.copyOf(
                        details.subList(0, Math.min(details.size(), 20))));
    }

    private void write(String region, long userId, Random random) {
        List<Post> own = new ArrayList<>();
        while (this.running) {
            try {
                own.removeIf((post) -> post.deleting);
                int dice = random.nextInt(100);
                if (own.size() < LIVE_KEYS_PER_WRITER || dice < 5) {
                    create(region, userId, own, random);
                }
                else if (dice < 45) {
                    // Any live post, also those of the other region: concurrent writes to one post from both
                    // datacenters, decided by "newer version wins".
                    update(region, userId, pick(random, own), random);
                }
                else if (dice < 75) {
                    like(region, userId, pick(random, own));
                }
                else if (dice < 82) {
                    Post post = own.get(random.nextInt(own.size()));
                    delete(region, userId, post);
                }
                else {
                    read(pick(random, own), FaultDemo.DATACENTERS.get(random.nextInt(2)));
                }
            }
            catch (RuntimeException ex) {
                this.problems.add("writer " + region + ": " + ex);
            }
            sleep(this.pause);
        }
    }

    private Post pick(Random random, List<Post> own) {
        List<Post> all = this.posts;
        if (random.nextBoolean() && all.size() > 0) {
            Post post = all.get(random.nextInt(all.size()));
            if (!post.deleting) {
                return post;
            }
        }
        return own.get(random.nextInt(own.size()));
    }

    private void create(String region, long userId, List<Post> own, Random random) {
        long author = 1 + random.nextInt(1_000_000);
        String content = this.scenario + " created in the " + region + " " + random.nextLong();
        HttpResponse<String> response = send(region, userId, "POST", "/api/posts",
                "{\"authorId\":" + author + ",\"content\":" + JSON.writeValueAsString(content) + "}");
        if (response != null && response.statusCode() == 201) {
            JsonNode post = JSON.readTree(response.body());
            Post created = new Post(post.get("id").asLong());
            created.acknowledgeContent(post.get("version").asLong(), content);
            seen(created, response, post.get("version").asLong());
            this.acknowledged.incrementAndGet();
            this.posts.add(created);
            own.add(created);
        }
    }

    private void update(String region, long userId, Post post, Random random) {
        String content = this.scenario + " edited in the " + region + " " + random.nextLong();
        post.lock.readLock().lock();
        try {
            if (post.deleting) {
                return;
            }
            HttpResponse<String> response = send(region, userId, "PUT", "/api/posts/" + post.id,
                    "{\"content\":" + JSON.writeValueAsString(content) + "}");
            if (response != null && response.statusCode() == 200) {
                long version = JSON.readTree(response.body()).get("version").asLong();
                post.acknowledgeContent(version, content);
                seen(post, response, version);
                this.acknowledged.incrementAndGet();
            }
        }
        finally {
            post.lock.readLock().unlock();
        }
    }

    private void like(String region, long userId, Post post) {
        post.lock.readLock().lock();
        try {
            if (post.deleting) {
                return;
            }
            HttpResponse<String> response = send(region, userId, "POST", "/api/posts/" + post.id + "/likes", null);
            if (response != null && response.statusCode() == 200) {
                synchronized (post) {
                    post.likes++;
                }
                this.acknowledged.incrementAndGet();
            }
        }
        finally {
            post.lock.readLock().unlock();
        }
    }

    private void delete(String region, long userId, Post post) {
        // No new write to the post starts, and those under way finish first: the delete is the post's last write,
        // so that "deleted" is the only correct final state.
        post.deleting = true;
        post.lock.writeLock().lock();
        try {
            HttpResponse<String> response = send(region, userId, "DELETE", "/api/posts/" + post.id, null);
            if (response != null && response.statusCode() == 204) {
                synchronized (post) {
                    post.deleteAcknowledged = true;
                }
                this.acknowledged.incrementAndGet();
            }
        }
        finally {
            post.lock.writeLock().unlock();
        }
    }

    /** A read through a datacenter's gateway, checking that what it holds never goes back in version. */
    private void read(Post post, String datacenter) {
        HttpRequest request = HttpRequest.newBuilder(this.demo.gateway(datacenter, "/api/posts/" + post.id))
            .timeout(Duration.ofSeconds(3))
            .GET()
            .build();
        HttpResponse<String> response = call(request);
        if (response != null && response.statusCode() == 200) {
            seen(post, response, JSON.readTree(response.body()).get("version").asLong());
        }
    }

    /**
     * Notes a version a datacenter answered with, and counts a stale overwrite when it is older than a version the
     * same datacenter answered with in a request that had completed before this one started. (A read that started
     * before a write completed may rightly return the older version.)
     */
    private void seen(Post post, HttpResponse<String> response, long version) {
        String servedBy = response.headers().firstValue("X-WMB-Datacenter").orElse("?");
        long started = this.requestStarted.get();
        long completed = System.nanoTime();
        synchronized (post) {
            List<long[]> history = post.seen.computeIfAbsent(servedBy, (dc) -> new ArrayList<>());
            for (long[] earlier : history) {
                if (earlier[1] < started && earlier[0] > version) {
                    this.staleOverwrites.incrementAndGet();
                    this.problems.add("stale overwrite: post " + post.id + " in " + servedBy + " answered version "
                            + version + " after it had answered " + earlier[0]);
                    break;
                }
            }
            history.add(new long[] { version, completed });
        }
    }

    private HttpResponse<String> send(String region, long userId, String method, String path, String body) {
        this.made.incrementAndGet();
        HttpRequest.Builder builder = HttpRequest.newBuilder(this.demo.edge(path))
            .timeout(Duration.ofSeconds(5))
            .header("X-Region", region)
            .header("X-User-Id", Long.toString(userId));
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
                : HttpRequest.BodyPublishers.noBody());
        return call(builder.build());
    }

    private HttpResponse<String> call(HttpRequest request) {
        this.requestStarted.set(System.nanoTime());
        try {
            return this.http.send(request, HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            // Not acknowledged: the write may or may not have happened, and either is correct.
            return null;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private Comparison compare(Stores stores) {
        long lost = 0;
        boolean converged = true;
        List<String> found = new ArrayList<>();
        for (Post post : this.posts) {
            Map<String, Held> views = stores.read(post.id, this.http);
            Held first = null;
            boolean agree = true;
            long worstVersion = Long.MAX_VALUE;
            long worstLikes = Long.MAX_VALUE;
            boolean anyLive = false;
            boolean deleteUnknown;
            synchronized (post) {
                deleteUnknown = post.deleting && !post.deleteAcknowledged;
            }
            for (Held held : views.values()) {
                agree &= (first == null) || held.equals(first);
                first = (first == null) ? held : first;
                boolean live = held.present() && !held.deleted();
                // After a delete that was sent but not acknowledged, a deleted view has lost nothing acknowledged.
                if (!(deleteUnknown && held.present() && held.deleted())) {
                    worstVersion = Math.min(worstVersion, live ? held.version() : 0);
                }
                if (live) {
                    anyLive = true;
                    worstLikes = Math.min(worstLikes, held.likes());
                }
            }
            long lostHere = 0;
            synchronized (post) {
                // A delete that was sent but not acknowledged may or may not have happened: both are correct, as
                // long as every store agrees.
                boolean matches;
                if (post.deleteAcknowledged) {
                    lostHere += anyLive ? 1 : 0;
                    matches = !anyLive;
                }
                else if (deleteUnknown && !anyLive) {
                    matches = true;
                }
                else {
                    final long worst = worstVersion;
                    lostHere += post.versions.stream().filter((v) -> v > worst).count();
                    if (anyLive && worstLikes != Long.MAX_VALUE) {
                        lostHere += Math.max(0, post.likes - worstLikes);
                    }
                    matches = first != null && first.present() && !first.deleted()
                            && (first.version() > post.maxVersion || (first.version() == post.maxVersion
                                    && first.content().equals(post.maxContent)))
                            && first.likes() >= post.likes;
                }
                if (!agree || !matches) {
                    converged = false;
                    if (found.size() < 10) {
                        found.add("post " + post.id + " (acknowledged: version " + post.maxVersion
                                + (post.deleteAcknowledged ? ", deleted" : "") + ", " + post.likes + " likes): "
                                + views);
                    }
                }
            }
            lost += lostHere;
        }
        return new Comparison(converged, lost, found);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * What one scenario showed.
     * @param scenario its name
     * @param writesMade requests sent by the writers (reads excluded)
     * @param writesAcknowledged of those, answered 2xx
     * @param posts posts created and followed
     * @param lost acknowledged writes missing from some store at the end
     * @param staleOverwrites reads that went back in version
     * @param converged how long both datacenters took to agree with what was acknowledged; {@code null} if they
     * did not within the deadline
     * @param details the first problems found
     */
    public record Result(String scenario, long writesMade, long writesAcknowledged, int posts, long lost,
            long staleOverwrites, Duration converged, List<String> details) {

        /** Whether nothing was lost, nothing went back, and both datacenters agreed in time. */
        public boolean ok() {
            return this.lost == 0 && this.staleOverwrites == 0 && this.converged != null;
        }
    }

    private record Comparison(boolean converged, long lost, List<String> problems) {
    }

    /**
     * What one store holds for a post.
     * @param present whether it holds the post at all (a tombstone counts)
     * @param deleted whether it is a tombstone
     * @param version the content version
     * @param content the content
     * @param likes total likes
     */
    record Held(boolean present, boolean deleted, long version, String content, long likes) {

        static final Held ABSENT = new Held(false, false, 0, "", 0);

        /** The API answers 404 for a tombstone and for an unknown post alike: compare as deleted-or-absent. */
        Held asSeenByApi() {
            return (!this.present || this.deleted) ? new Held(true, true, 0, "", 0) : this;
        }

        @Override
        public String toString() {
            return !this.present ? "absent" : this.deleted ? "deleted@" + this.version
                    : "v" + this.version + "/" + this.likes + " likes";
        }
    }

    /** One post the checker wrote, and what was acknowledged for it. */
    private static final class Post {

        final long id;

        final ReadWriteLock lock = new ReentrantReadWriteLock();

        final List<Long> versions = new ArrayList<>();

        /** Per datacenter that answered: {version, when the answer arrived (nanoTime)}. */
        final Map<String, List<long[]>> seen = new HashMap<>();

        volatile boolean deleting;

        long maxVersion = Long.MIN_VALUE;

        String maxContent = "";

        long likes;

        boolean deleteAcknowledged;

        Post(long id) {
            this.id = id;
        }

        synchronized void acknowledgeContent(long version, String content) {
            this.versions.add(version);
            if (version > this.maxVersion) {
                this.maxVersion = version;
                this.maxContent = content;
            }
        }
    }

    /** Direct connections to both datacenters' MySQL and Redis, and their APIs. */
    private static final class Stores implements AutoCloseable {

        private final FaultDemo demo;

        private final Map<String, Connection> mysql = new LinkedHashMap<>();

        private final Map<String, JedisPooled> redis = new LinkedHashMap<>();

        Stores(FaultDemo demo) {
            this.demo = demo;
            for (String dc : FaultDemo.DATACENTERS) {
                this.redis.put(dc, new JedisPooled(java.net.URI.create(demo.redisUrl(dc))));
            }
        }

        Map<String, Held> read(long id, HttpClient http) {
            Map<String, Held> views = new LinkedHashMap<>();
            for (String dc : FaultDemo.DATACENTERS) {
                views.put("mysql-" + dc, mysql(dc, id));
                views.put("redis-" + dc, redis(dc, id));
            }
            for (String dc : FaultDemo.DATACENTERS) {
                views.put("api-" + dc, api(dc, id, http));
            }
            // The API shows a tombstone as 404; compare the other views the same way for a deleted post.
            boolean anyDeleted = views.values().stream().anyMatch(Held::deleted);
            if (anyDeleted) {
                views.replaceAll((name, held) -> held.asSeenByApi());
            }
            return views;
        }

        private Held mysql(String dc, long id) {
            try {
                Connection connection = this.mysql.get(dc);
                if (connection == null || !connection.isValid(1)) {
                    connection = DriverManager.getConnection(this.demo.mysqlUrl(dc) + "?connectTimeout=2000"
                            + "&socketTimeout=5000", "wmb", "wmb");
                    this.mysql.put(dc, connection);
                }
                try (PreparedStatement statement = connection.prepareStatement(
                        "SELECT p.deleted, p.version, p.content, (SELECT COALESCE(SUM(l.likes), 0) FROM post_likes l"
                                + " WHERE l.post_id = p.id) AS likes FROM posts p WHERE p.id = ?")) {
                    statement.setLong(1, id);
                    try (ResultSet row = statement.executeQuery()) {
                        if (!row.next()) {
                            return Held.ABSENT;
                        }
                        return new Held(true, row.getBoolean(1), row.getLong(2), row.getString(3), row.getLong(4));
                    }
                }
            }
            catch (SQLException ex) {
                return new Held(false, false, -1, "mysql error: " + ex.getMessage(), 0);
            }
        }

        private Held redis(String dc, long id) {
            Map<String, String> hash = this.redis.get(dc).hgetAll("wmb:post:" + id);
            if (hash.get("v") == null) {
                return Held.ABSENT;
            }
            long likes = hash.entrySet().stream().filter((e) -> e.getKey().startsWith("l:"))
                .mapToLong((e) -> Long.parseLong(e.getValue())).sum();
            return new Held(true, "1".equals(hash.get("d")), Long.parseLong(hash.get("v")),
                    hash.getOrDefault("c", ""), likes);
        }

        private Held api(String dc, long id, HttpClient http) {
            HttpRequest request = HttpRequest.newBuilder(this.demo.processor(dc, "/api/posts/" + id))
                .timeout(Duration.ofSeconds(3))
                .GET()
                .build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 404) {
                    return new Held(true, true, 0, "", 0);
                }
                if (response.statusCode() != 200) {
                    return new Held(false, false, -1, "HTTP " + response.statusCode(), 0);
                }
                JsonNode post = JSON.readTree(response.body());
                return new Held(true, false, post.get("version").asLong(), post.get("content").asString(),
                        post.get("likes").asLong());
            }
            catch (IOException ex) {
                return new Held(false, false, -1, ex.toString(), 0);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return new Held(false, false, -1, "interrupted", 0);
            }
        }

        @Override
        public void close() {
            for (Connection connection : this.mysql.values()) {
                try {
                    connection.close();
                }
                catch (SQLException ex) {
                    // Only a read-only check connection: nothing to recover.
                    continue;
                }
            }
            this.redis.values().forEach(JedisPooled::close);
        }
    }
}
