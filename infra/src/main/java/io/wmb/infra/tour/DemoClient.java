package io.wmb.infra.tour;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import io.wmb.infra.Datacenter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The running demo as the tour talks to it, over plain HTTP: the public API through the edge, the edge's ops API,
 * the supervisor's control API, the reconcilers and the processing log. Every call has a timeout; a refused
 * connection is an answer with status 0, so that a check can say what it saw instead of throwing. {@code ./wmb up}
 * uses it too, to wait for the routers ({@link #routersNotUp()}).
 */
public final class DemoClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** The edge and the datacenters' gateways, by their service names. */
    private static final List<String> ROUTERS = List.of("edge", "gateway-unicom", "gateway-telecom");

    private final TourSettings settings;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public DemoClient(TourSettings settings) {
        this.settings = settings;
    }

    /** {@code POST /api/posts} through the edge, as a user of the region. */
    Answer createPost(String region, String userId, long authorId, String content) {
        String body = "{\"authorId\":" + authorId + ",\"content\":" + JSON.writeValueAsString(content) + "}";
        return send(api("/api/posts", region, userId).POST(HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json"));
    }

    /** {@code GET /api/posts/{id}} through the edge. */
    Answer getPost(String region, String userId, long id) {
        return send(api("/api/posts/" + id, region, userId).GET());
    }

    /** {@code POST /api/posts/{id}/likes} through the edge. */
    Answer like(String region, String userId, long id) {
        return send(api("/api/posts/" + id + "/likes", region, userId).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code GET /api/users/{authorId}/posts} through the edge: a cheap read that shows where a user lands. */
    Answer userPosts(String region, String userId, long authorId) {
        return send(api("/api/users/" + authorId + "/posts?limit=1", region, userId).GET());
    }

    /** The edge's routing settings ({@code GET /ops/settings}). */
    Answer edgeSettings() {
        return send(HttpRequest.newBuilder(url(8080, "/ops/settings")).GET());
    }

    /** A datacenter gateway's routing settings: its weight for the other datacenter's processor. */
    Answer gatewaySettings(Datacenter dc) {
        return send(HttpRequest.newBuilder(url(8080 + dc.number(), "/ops/settings")).GET());
    }

    /** {@code GET /ops/targets} of the edge: the two gateways, with the health it last saw for each. */
    Answer edgeTargets() {
        return send(HttpRequest.newBuilder(url(8080, "/ops/targets")).GET());
    }

    /** {@code GET /ops/targets} of a datacenter's gateway: its processors, with the health it last saw. */
    Answer gatewayTargets(Datacenter dc) {
        return send(HttpRequest.newBuilder(url(8080 + dc.number(), "/ops/targets")).GET());
    }

    /**
     * What the edge and the two gateways do not see up: {@link #routersNotUp(Collection)} of all three.
     * @return empty when every router sees all its targets up
     */
    public List<String> routersNotUp() {
        return routersNotUp(ROUTERS);
    }

    /**
     * What the given routers do not see up, from their {@code GET /ops/targets}, one line per target
     * ({@code gateway-telecom sees unicom@127.0.0.1:18101 DOWN (why)}); a router that does not answer 200, or not
     * with JSON, is a line too. A router routes only to targets its own checks found up, whatever the supervisor's
     * checks say of them: one started before a processor listened routes around it until its next check round.
     * @param routers some of {@code edge}, {@code gateway-unicom} and {@code gateway-telecom}
     * @return empty when each of them sees all its targets up
     */
    public List<String> routersNotUp(Collection<String> routers) {
        List<String> notUp = new ArrayList<>();
        for (String router : routers) {
            addNotUp(router, router.equals("edge") ? edgeTargets()
                    : gatewayTargets(Datacenter.of(router.substring("gateway-".length()))), notUp);
        }
        return notUp;
    }

    private static void addNotUp(String router, Answer targets, List<String> notUp) {
        if (targets.status() != 200) {
            notUp.add(router + ": " + targets.describe());
            return;
        }
        try {
            for (JsonNode target : targets.json()) {
                if (!target.path("status").asString("").equals("UP")) {
                    notUp.add(router + " sees " + target.path("id").asString("?") + " "
                            + target.path("status").asString("?") + " (" + target.path("detail").asString("") + ")");
                }
            }
        }
        catch (JacksonException ex) {
            notUp.add(router + ": " + targets.describe() + " (not JSON: " + ex.getOriginalMessage() + ")");
        }
    }

    /** {@code PUT /ops/regions/{region}/shift} on the edge, with the given token ({@code null}: none). */
    Answer shift(String region, double percent, String token) {
        return send(operator(HttpRequest.newBuilder(url(8080, "/ops/regions/" + region + "/shift")), token)
            .PUT(HttpRequest.BodyPublishers.ofString(percentBody(percent)))
            .header("Content-Type", "application/json"));
    }

    /** {@code PUT /ops/datacenters/{dc}/remote-weight} on the edge, passed on to that datacenter's gateway. */
    Answer remoteWeight(Datacenter dc, double percent) {
        return send(operator(HttpRequest.newBuilder(url(8080, "/ops/datacenters/" + dc.id() + "/remote-weight")),
                this.settings.operatorToken())
            .PUT(HttpRequest.BodyPublishers.ofString(percentBody(percent)))
            .header("Content-Type", "application/json"));
    }

    /** {@code POST /ops/link/{cut|heal}} on the edge: what an operator presses on the dashboard. */
    Answer link(String action) {
        return send(operator(HttpRequest.newBuilder(url(8080, "/ops/link/" + action)), this.settings.operatorToken())
            .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code GET /ops/writes} of a datacenter's gateway: the topology and whether writes entering it are taken. */
    Answer writes(Datacenter dc) {
        return send(HttpRequest.newBuilder(url(8080 + dc.number(), "/ops/writes")).GET());
    }

    /** {@code GET /link} of the supervisor's control API: whether the link is cut. */
    Answer linkState() {
        return send(HttpRequest.newBuilder(url(8090, "/link")).GET());
    }

    /** {@code POST /services/{name}/stop|start} of the supervisor's control API. */
    Answer service(String name, String action) {
        return send(HttpRequest.newBuilder(url(8090, "/services/" + name + "/" + action))
            .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code GET /status} of the supervisor's control API. */
    Answer supervisorStatus() {
        return send(HttpRequest.newBuilder(url(8090, "/status")).GET());
    }

    /** {@code GET /api/reconciler/status} of a datacenter's reconciler. */
    Answer reconcilerStatus(Datacenter dc) {
        return send(HttpRequest.newBuilder(url(8130 + dc.number(), "/api/reconciler/status")).GET());
    }

    /** {@code POST /api/reconciler/scan} on a datacenter's reconciler; only the lease holder scans. */
    Answer scan(Datacenter dc) {
        return send(operator(HttpRequest.newBuilder(url(8130 + dc.number(), "/api/reconciler/scan")),
                this.settings.operatorToken())
            .POST(HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * How many processing-log records a request has at a stage, in a datacenter ({@code null}: either), or -1
     * when Elasticsearch does not answer.
     */
    long processingLogRecords(String requestId, String stage, String datacenter) {
        String query = "{\"size\":0,\"track_total_hits\":true,\"query\":{\"bool\":{\"filter\":["
                + "{\"term\":{\"requestId\":" + JSON.writeValueAsString(requestId) + "}},"
                + "{\"term\":{\"stage\":\"" + stage + "\"}}"
                + ((datacenter != null) ? ",{\"term\":{\"datacenter\":\"" + datacenter + "\"}}" : "")
                + "]}}}";
        // The daily indices refresh every 5 s; a refresh first shows records written since.
        send(HttpRequest.newBuilder(url(9200, "/wmb-processing-log-*/_refresh?ignore_unavailable=true"
                + "&allow_no_indices=true")).POST(HttpRequest.BodyPublishers.noBody()));
        Answer answer = send(HttpRequest.newBuilder(url(9200,
                "/wmb-processing-log-*/_search?ignore_unavailable=true&allow_no_indices=true"))
            .POST(HttpRequest.BodyPublishers.ofString(query))
            .header("Content-Type", "application/json"));
        if (answer.status() != 200) {
            return -1;
        }
        return answer.json().path("hits").path("total").path("value").asLong(-1);
    }

    private HttpRequest.Builder api(String path, String region, String userId) {
        return HttpRequest.newBuilder(url(8080, path)).header("X-Region", region).header("X-User-Id", userId);
    }

    private static HttpRequest.Builder operator(HttpRequest.Builder builder, String token) {
        return (token != null) ? builder.header("Authorization", "Bearer " + token) : builder;
    }

    private static String percentBody(double percent) {
        return String.format(Locale.ROOT, "{\"percent\": %s}", percent);
    }

    private URI url(int demoPort, String path) {
        return URI.create("http://127.0.0.1:" + this.settings.port(demoPort) + path);
    }

    private Answer send(HttpRequest.Builder builder) {
        HttpRequest request = builder.timeout(TIMEOUT).build();
        try {
            HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(request.method() + " " + request.uri().getPath(), response.statusCode(),
                    response.headers().firstValue("X-WMB-Datacenter").orElse(""),
                    response.headers().firstValue("X-Request-Id").orElse(""), response.body());
        }
        catch (IOException ex) {
            return new Answer(request.method() + " " + request.uri().getPath(), 0, "", "", ex.toString());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + request.method() + " " + request.uri(), ex);
        }
    }

    /**
     * An HTTP answer.
     * @param call method and path, for messages
     * @param status the status code, 0 when the connection failed
     * @param datacenter {@code X-WMB-Datacenter}: which datacenter served it
     * @param requestId {@code X-Request-Id}
     * @param body the body as text (the error when the connection failed)
     */
    record Answer(String call, int status, String datacenter, String requestId, String body) {

        JsonNode json() {
            return JSON.readTree(this.body);
        }

        /** For failure messages: {@code POST /api/posts -> 503 (telecom): {...}}. */
        String describe() {
            String text = (this.body.length() > 300) ? this.body.substring(0, 300) + "..." : this.body;
            return this.call + " -> " + this.status + (this.datacenter.isEmpty() ? "" : " (" + this.datacenter + ")")
                    + ": " + text;
        }
    }
}
