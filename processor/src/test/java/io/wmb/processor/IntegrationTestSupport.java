package io.wmb.processor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.wmb.infra.Datacenter;
import io.wmb.processor.TwoDatacenters.Processor;
import redis.clients.jedis.JedisPooled;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.BeforeAll;

/**
 * What the processor's integration tests share: both datacenters' processors on the real servers, and small
 * helpers to call them and to look into MySQL, Redis and Elasticsearch.
 */
abstract class IntegrationTestSupport {

    static final JsonMapper JSON = JsonMapper.builder().build();

    static TwoDatacenters datacenters;

    static Processor unicom;

    static Processor telecom;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startDatacenters() {
        datacenters = TwoDatacenters.shared();
        unicom = datacenters.unicom;
        telecom = datacenters.telecom;
    }

    /** An author id no other test uses. */
    static long newAuthor() {
        return ThreadLocalRandom.current().nextLong(1_000_000, Long.MAX_VALUE / 2);
    }

    static HttpResponse<String> call(Processor processor, String method, String path, String json) {
        return datacenters.send(processor, method, path, json, Map.of());
    }

    static HttpResponse<String> call(Processor processor, String method, String path, String json,
            Map<String, String> headers) {
        return datacenters.send(processor, method, path, json, headers);
    }

    static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    /** Creates a post and returns its JSON. */
    static JsonNode createPost(Processor processor, long authorId, String content) {
        HttpResponse<String> response = call(processor, "POST", "/api/posts",
                "{\"authorId\": " + authorId + ", \"content\": " + JSON.writeValueAsString(content) + "}");
        if (response.statusCode() != 201) {
            throw new AssertionError("create failed: " + response.statusCode() + " " + response.body());
        }
        return json(response);
    }

    /** Rows of an author in the master's posts table, tombstones included. */
    static int rowsOfAuthor(long authorId) {
        return (int) queryMaster("SELECT COUNT(*) FROM posts WHERE author_id = ?", 1, authorId);
    }

    /** A counter of the master's server status, over all its connections. */
    static long masterStatus(String name) {
        return queryMaster("SHOW GLOBAL STATUS LIKE ?", 2, name);
    }

    /** A number in the first row of a query of the master. */
    private static long queryMaster(String sql, int column, Object parameter) {
        try (Connection connection = DriverManager.getConnection(
                datacenters.infrastructure.mysqlUrl(Datacenter.UNICOM), datacenters.infrastructure.mysqlUser(),
                datacenters.infrastructure.mysqlPassword());
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setObject(1, parameter);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return rs.getLong(column);
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Whether unicom's Redis remembers a response under an idempotency key. */
    static boolean remembersIdempotencyKey(String key) {
        try (JedisPooled redis = new JedisPooled(URI.create(datacenters.infrastructure.redisUrl(Datacenter.UNICOM)))) {
            return redis.exists("wmb:idem:" + key);
        }
    }

    /** The processing-log records of a request id, as {@code datacenter:stage:outcome}. */
    static List<String> processingLog(String requestId) {
        List<String> records = new ArrayList<>();
        for (JsonNode record : processingLogRecords(requestId)) {
            records.add(record.path("datacenter").asString() + ":" + record.path("stage").asString() + ":"
                    + record.path("outcome").asString());
        }
        return records;
    }

    /** When a stage of a request happened in a datacenter, as its record says (epoch ms), or -1 without one. */
    static long processingLogAt(String requestId, String datacenter, String stage) {
        for (JsonNode record : processingLogRecords(requestId)) {
            if (record.path("datacenter").asString().equals(datacenter) && record.path("stage").asString()
                .equals(stage)) {
                return record.path("at").asLong();
            }
        }
        return -1;
    }

    private static List<JsonNode> processingLogRecords(String requestId) {
        String query = "{\"size\": 50, \"query\": {\"term\": {\"requestId\": " + JSON.writeValueAsString(requestId)
                + "}}}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(datacenters.infrastructure.elasticsearchUrl()
                + "/wmb-processing-log-*/_search?ignore_unavailable=true&allow_no_indices=true"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(query))
            .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            List<JsonNode> records = new ArrayList<>();
            for (JsonNode hit : JSON.readTree(response.body()).path("hits").path("hits")) {
                records.add(hit.path("_source"));
            }
            return records;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

}
