package io.wmb.infra.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the demo's gateways see of their targets, from their {@code GET /ops/targets}: a gateway routes only to
 * targets its own health checks have not found down, whatever the supervisor's checks say of them.
 */
final class GatewayTargets {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Duration POLL = Duration.ofMillis(250);

    private final HttpClient http;

    GatewayTargets(HttpClient http) {
        this.http = http;
    }

    /**
     * Polls until no gateway sees a target down, or the timeout passes.
     * @param gateways each gateway's name and HTTP port on 127.0.0.1
     * @return what is still down at the end, one line per target ("gateway sees target down: why"); empty when none
     */
    List<String> awaitNoneDown(Map<String, Integer> gateways, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> down = new ArrayList<>();
            gateways.forEach((gateway, port) -> down.addAll(down(gateway, port)));
            if (down.isEmpty() || System.nanoTime() - deadline > 0) {
                return down;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** What one gateway lists as down; a gateway that cannot answer counts as one line too. */
    List<String> down(String gateway, int port) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ops/targets"))
            .timeout(Duration.ofSeconds(3))
            .GET()
            .build();
        try {
            HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return List.of(gateway + ": GET /ops/targets answered " + response.statusCode());
            }
            List<String> down = new ArrayList<>();
            for (JsonNode target : JSON.readTree(response.body())) {
                if (target.path("status").asString("").equals("DOWN")) {
                    down.add(gateway + " sees " + target.path("id").asString("?") + " down: "
                            + target.path("detail").asString(""));
                }
            }
            return down;
        }
        catch (IOException | JacksonException ex) {
            return List.of(gateway + ": GET /ops/targets failed: " + ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return List.of(gateway + ": interrupted");
        }
    }

}
