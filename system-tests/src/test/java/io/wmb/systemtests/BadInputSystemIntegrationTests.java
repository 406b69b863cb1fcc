package io.wmb.systemtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

import io.wmb.systemtests.faults.FaultDemo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bad input and abuse through the edge and both gateways, against the running demo: each gets a clear 4xx
 * {@code application/problem+json}, never a 5xx, and nothing is stored (checked in both datacenters' MySQL and
 * Redis). Content that looks like SQL or script is stored verbatim and comes back JSON-escaped.
 */
class BadInputSystemIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static FaultDemo demo;

    @BeforeAll
    static void startBothDatacenters() {
        RunningDemo.shared();
        demo = new FaultDemo(RunningDemo.PORT_OFFSET);
    }

    @Test
    void shouldRefuseMalformedWritesWithA4xxAndStoreNothing() {
        long author = randomAuthor();
        String deepNesting = "[".repeat(5000) + "]".repeat(5000);
        List<BadWrite> bad = List.of(
                new BadWrite("malformed JSON", "POST", "/api/posts", body("{\"authorId\": " + author + ", content}")),
                new BadWrite("truncated JSON", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": \"cut sh")),
                new BadWrite("authorId as text", "POST", "/api/posts",
                        body("{\"authorId\": \"" + author + "x\", \"content\": \"wrong type\"}")),
                new BadWrite("content as number", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": 12}")),
                new BadWrite("content as object", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": {\"a\": 1}}")),
                new BadWrite("empty content", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": \"\"}")),
                new BadWrite("content over 2000 characters", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": \"" + "x".repeat(2001) + "\"}")),
                new BadWrite("unknown field", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": \"x\", \"admin\": true}")),
                new BadWrite("deep nesting", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": \"x\", \"n\": " + deepNesting + "}")),
                new BadWrite("huge body (2 MB)", "POST", "/api/posts",
                        body("{\"authorId\": " + author + ", \"content\": \"" + "y".repeat(2 << 20) + "\"}")),
                new BadWrite("invalid UTF-8", "POST", "/api/posts", invalidUtf8(author)),
                new BadWrite("negative authorId", "POST", "/api/posts",
                        body("{\"authorId\": -" + author + ", \"content\": \"x\"}")),
                new BadWrite("authorId out of range", "POST", "/api/posts",
                        body("{\"authorId\": 99999999999999999999999, \"content\": \"x\"}")),
                new BadWrite("not JSON at all", "POST", "/api/posts", "hello".getBytes(StandardCharsets.UTF_8)),
                new BadWrite("id out of range", "PUT", "/api/posts/99999999999999999999999",
                        body("{\"content\": \"x\"}")),
                new BadWrite("negative id", "PUT", "/api/posts/-5", body("{\"content\": \"x\"}")),
                new BadWrite("id not a number", "DELETE", "/api/posts/abc", null),
                new BadWrite("like of id zero", "POST", "/api/posts/0/likes", null));

        List<String> failures = new ArrayList<>();
        for (URI base : entryPoints()) {
            for (BadWrite write : bad) {
                HttpResponse<String> response = send(base, write.method(), write.path(), write.body(), "north");
                String answer = write.name() + " at " + base + " -> " + response.statusCode() + " "
                        + response.headers().firstValue("Content-Type").orElse("") + " " + abbreviate(response.body());
                if (response.statusCode() < 400 || response.statusCode() >= 500
                        || !response.headers().firstValue("Content-Type").orElse("").startsWith(
                                "application/problem+json")
                        || !JSON.readTree(response.body()).hasNonNull("detail")) {
                    failures.add(answer);
                }
            }
        }
        assertThat(failures).as("answers that are not a 4xx problem with a detail").isEmpty();
        assertNothingStoredFor(author);
    }

    @Test
    void shouldRefuseHugeHeadersWithA431Problem() throws Exception {
        List<URI> targets = new ArrayList<>(entryPoints());
        for (String dc : FaultDemo.DATACENTERS) {
            targets.add(demo.processor(dc, "/"));
        }
        for (URI base : targets) {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("/api/posts/1"))
                .header("X-Region", "north")
                .header("X-Padding", "p".repeat(64 * 1024))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
            HttpResponse<String> response = RunningDemo.shared().send(request);
            assertThat(response.statusCode()).as("64 KB header at %s: %s", base, response.body()).isEqualTo(431);
            assertThat(response.headers().firstValue("Content-Type")).as("%s", base)
                .hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
            assertThat(JSON.readTree(response.body()).get("status").asInt()).as("%s", base).isEqualTo(431);
            assertThat(JSON.readTree(response.body()).get("title").asString()).as("%s", base)
                .isEqualTo("Request Header Fields Too Large");
            assertThat(JSON.readTree(response.body()).get("detail").asString()).as("%s", base)
                .contains("header fields are too large");
        }
    }

    @Test
    void shouldAnswerUnknownRoutesWithA404Problem() {
        for (URI base : entryPoints()) {
            for (String path : List.of("/api/nothing-here", "/api/posts/1/comments", "/../../etc/passwd",
                    "/api/users/abc/posts")) {
                HttpResponse<String> response = send(base, "GET", path, null, "south");
                assertThat(response.statusCode()).as("%s%s: %s", base, path, response.body()).isBetween(400, 499);
                assertThat(response.headers().firstValue("Content-Type")).as("%s%s", base, path)
                    .hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
            }
        }
    }

    @Test
    void shouldStoreInjectionStringsVerbatimAndReturnThemEscaped() throws Exception {
        long author = randomAuthor();
        String content = "'; DROP TABLE posts; -- <script>alert(\"x\")</script> \\\" %s \u202e \u8868\u60c5 \ud83d\ude00";
        HttpResponse<String> created = send(demo.edge("/"), "POST", "/api/posts",
                body("{\"authorId\": " + author + ", \"content\": " + JSON.writeValueAsString(content) + "}"),
                "north");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("application/json"));
        // JSON, never HTML: a browser does not run the script; the string itself is escaped as JSON.
        assertThat(JSON.readTree(created.body()).get("content").asString()).isEqualTo(content);
        long id = JSON.readTree(created.body()).get("id").asLong();
        String stored = content;

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (String dc : FaultDemo.DATACENTERS) {
                HttpResponse<String> read = send(demo.gateway(dc, "/"), "GET", "/api/posts/" + id, null, null);
                assertThat(read.statusCode()).as(dc).isEqualTo(200);
                assertThat(JSON.readTree(read.body()).get("content").asString()).as(dc).isEqualTo(stored);
                try (Connection connection = DriverManager.getConnection(demo.mysqlUrl(dc), "wmb", "wmb");
                        PreparedStatement statement = connection.prepareStatement(
                                "SELECT content FROM posts WHERE id = ?")) {
                    statement.setLong(1, id);
                    try (ResultSet row = statement.executeQuery()) {
                        assertThat(row.next()).as("row in %s", dc).isTrue();
                        assertThat(row.getString(1)).as("MySQL of %s", dc).isEqualTo(stored);
                    }
                }
            }
        });
        try (Connection connection = DriverManager.getConnection(demo.mysqlUrl("unicom"), "wmb", "wmb");
                ResultSet tables = connection.getMetaData().getTables("wmb", null, "posts", null)) {
            assertThat(tables.next()).as("the posts table survived").isTrue();
        }
    }

    @Test
    void shouldAnswerAFloodFromOneClientWith429Problems() {
        // One user floods one gateway: more than the burst (400) at once.
        URI gateway = demo.gateway("unicom", "/api/posts/1");
        String user = Long.toString(randomAuthor());
        List<HttpResponse<String>> limited = new ArrayList<>();
        List<Integer> serverErrors = new ArrayList<>();
        // Waves of concurrent requests until the bucket (200/s, bursts of 400) runs dry: how fast one wave goes
        // depends on the machine, so the flood lasts as long as it takes, up to 20 waves.
        for (int wave = 0; wave < 20 && limited.isEmpty(); wave++) {
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                HttpRequest request = HttpRequest.newBuilder(gateway)
                    .header("X-User-Id", user)
                    .timeout(Duration.ofSeconds(30))
                    .GET()
                    .build();
                responses.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            for (CompletableFuture<HttpResponse<String>> future : responses) {
                HttpResponse<String> response = future.join();
                if (response.statusCode() == 429) {
                    limited.add(response);
                }
                if (response.statusCode() >= 500) {
                    serverErrors.add(response.statusCode());
                }
            }
        }
        assertThat(serverErrors).as("5xx under a flood").isEmpty();
        assertThat(limited).as("429 answers").isNotEmpty();
        HttpResponse<String> first = limited.get(0);
        assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(
                (type) -> assertThat(type).startsWith("application/problem+json"));
        assertThat(first.headers().firstValue("Retry-After")).isPresent();
        assertThat(JSON.readTree(first.body()).get("detail").asString()).isNotBlank();
    }

    /** Nothing of the author's reached either datacenter, while a good write sent after them did. */
    private static void assertNothingStoredFor(long author) {
        HttpResponse<String> good = send(demo.edge("/"), "POST", "/api/posts",
                body("{\"authorId\": " + author + ", \"content\": \"the only good one\"}"), "south");
        assertThat(good.statusCode()).as(good.body()).isEqualTo(201);
        long goodId = JSON.readTree(good.body()).get("id").asLong();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            for (String dc : FaultDemo.DATACENTERS) {
                assertThat(postsInMysql(dc, author)).as("MySQL of %s", dc).containsExactly(goodId);
            }
        });
        for (String dc : FaultDemo.DATACENTERS) {
            try (JedisPooled redis = new JedisPooled(URI.create(demo.redisUrl(dc)))) {
                assertThat(redis.zrange("wmb:author:" + author, 0, -1)).as("Redis of %s", dc)
                    .allMatch((member) -> member.equals(Long.toString(goodId)));
            }
        }
    }

    private static List<Long> postsInMysql(String dc, long author) throws Exception {
        List<Long> ids = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(demo.mysqlUrl(dc), "wmb", "wmb");
                PreparedStatement statement = connection.prepareStatement("SELECT id FROM posts WHERE author_id = ?")) {
            statement.setLong(1, author);
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
        }
        return ids;
    }

    private static List<URI> entryPoints() {
        return List.of(demo.edge("/"), demo.gateway("unicom", "/"), demo.gateway("telecom", "/"));
    }

    private static HttpResponse<String> send(URI base, String method, String path, byte[] body, String region) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
        if (region != null) {
            builder.header("X-Region", region);
        }
        if (body != null) {
            builder.header("Content-Type", "application/json");
        }
        builder.method(method, (body != null) ? HttpRequest.BodyPublishers.ofByteArray(body)
                : HttpRequest.BodyPublishers.noBody());
        return RunningDemo.shared().send(builder.build());
    }

    private static byte[] body(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] invalidUtf8(long author) {
        byte[] prefix = ("{\"authorId\": " + author + ", \"content\": \"bad ").getBytes(StandardCharsets.US_ASCII);
        byte[] bad = { (byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE };
        byte[] suffix = "\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[prefix.length + bad.length + suffix.length];
        System.arraycopy(prefix, 0, all, 0, prefix.length);
        System.arraycopy(bad, 0, all, prefix.length, bad.length);
        System.arraycopy(suffix, 0, all, prefix.length + bad.length, suffix.length);
        return all;
    }

    private static String abbreviate(String text) {
        return (text.length() > 200) ? text.substring(0, 200) + "..." : text;
    }

    private static long randomAuthor() {
        return ThreadLocalRandom.current().nextLong(10_000_000, 20_000_000);
    }

    private record BadWrite(String name, String method, String path, byte[] body) {
    }
}
