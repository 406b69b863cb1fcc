package io.wmb.bench.demo;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A running local demo at a port offset: its URLs (docs/design.md's ports plus the offset), its supervisor's
 * status, the link's round trip, and scrapes of the services' metrics.
 */
public final class Demo {

    private final int offset;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final ObjectMapper json = new ObjectMapper();

    /**
     * The demo whose ports are moved by {@code offset} ({@code WMB_PORT_OFFSET}).
     * @param offset 0 to 30000
     */
    public Demo(int offset) {
        this.offset = offset;
    }

    /** The edge (GeoDNS role). */
    public String edgeUrl() {
        return url(8080);
    }

    /** A datacenter's gateway: {@code unicom} or {@code telecom}. */
    public String gatewayUrl(String datacenter) {
        return url(8081 + number(datacenter) - 1);
    }

    /** A datacenter's processor HTTP. */
    public String processorUrl(String datacenter) {
        return url(8101 + number(datacenter) - 1);
    }

    /** A datacenter's reship HTTP (health and metrics). */
    public String reshipUrl(String datacenter) {
        return url(8111 + number(datacenter) - 1);
    }

    /** A datacenter's collector management HTTP (metrics). */
    public String collectorManagementUrl(String datacenter) {
        return url(8121 + number(datacenter) - 1);
    }

    /** A datacenter's reconciler HTTP (its API and metrics). */
    public String reconcilerUrl(String datacenter) {
        return url(8131 + number(datacenter) - 1);
    }

    /** The supervisor's control API (status, link). */
    public String controlUrl() {
        return url(8090);
    }

    /** Every component the supervisor knows, with pid and health. */
    public List<Component> components() throws IOException {
        JsonNode status = this.json.readTree(get(controlUrl() + "/status"));
        List<Component> components = new ArrayList<>();
        for (JsonNode component : status.path("components")) {
            components.add(new Component(component.path("name").asText(), component.path("kind").asText(),
                    component.path("pid").asLong(-1), component.path("healthy").asBoolean()));
        }
        return components;
    }

    /** Whether the supervisor answers and every component is healthy. */
    public boolean healthy() {
        try {
            List<Component> components = components();
            return !components.isEmpty() && components.stream().allMatch(Component::healthy);
        }
        catch (IOException ex) {
            return false;
        }
    }

    /** Sets the simulated link's round trip. */
    public void setRoundTrip(Duration rtt) throws IOException {
        send(HttpRequest.newBuilder(URI.create(controlUrl() + "/link/latency?rttMs=" + rtt.toMillis()))
            .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** A Prometheus scrape of a service's management port. */
    public String prometheus(String managementUrl) throws IOException {
        return get(managementUrl + "/actuator/prometheus");
    }

    /** GET as text; an answer other than 2xx is an error. */
    public String get(String url) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    /**
     * Resident memory of a process, from {@code /proc/<pid>/status} (Linux).
     * @return kibibytes, or -1 if unknown
     */
    public static long residentKib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        }
        catch (IOException | NumberFormatException ex) {
            return -1;
        }
        return -1;
    }

    private String send(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = this.client.send(HttpRequest.newBuilder(request, (name, value) -> true)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode()
                        + ": " + response.body());
            }
            return response.body();
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ex);
        }
    }

    private String url(int unicomPort) {
        return "http://127.0.0.1:" + (unicomPort + this.offset);
    }

    private static int number(String datacenter) {
        return switch (datacenter) {
            case "unicom" -> 1;
            case "telecom" -> 2;
            default -> throw new IllegalArgumentException("datacenter must be unicom or telecom, but was " + datacenter);
        };
    }

    /**
     * One server or service of the demo.
     * @param name e.g. {@code processor-unicom}
     * @param kind e.g. {@code processor}, {@code Redis}
     * @param pid its process, -1 if unknown
     * @param healthy whether its health check passes
     */
    public record Component(String name, String kind, long pid, boolean healthy) {
    }
}
