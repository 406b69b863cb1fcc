package io.wmb.gateway.ops;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.wmb.gateway.config.GatewayProperties;
import io.wmb.gateway.health.HealthRegistry;
import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.EdgeRouter;
import io.wmb.gateway.routing.Region;
import io.wmb.gateway.routing.Target;
import io.wmb.gateway.settings.SettingsStore;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClientRequest;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Collects what the ops dashboard shows, from this edge and from every other service, all at once and each
 * with a short timeout: a service that is down or slow shows as {@code {"available": false}} and never
 * holds up the rest.
 */
public class OverviewService {

    // Prometheus text lines: name, optional {labels}, value.
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+).*$");

    // What says how far replication is behind: reship's outbox backlog and age, batches in flight, what it
    // accepted and got acknowledged; the collector's replication lag and writes by outcome.
    private static final Pattern REPLICATION_METRIC = Pattern.compile("^wmb_(reship_outbox_depth"
            + "|reship_outbox_oldest_age\\w*|reship_inflight_batches|reship_writes_(accepted|acknowledged)_total"
            + "|collector_replication_lag_seconds_(max|sum|count)|collector_writes_total)$");

    private static final int MAX_METRICS = 40;

    private final GatewayProperties properties;

    private final EdgeRouter router;

    private final HealthRegistry health;

    private final SettingsStore settings;

    private final TrafficMeter meter;

    private final WebClient client;

    private final JsonMapper json;

    private final Clock clock;

    public OverviewService(GatewayProperties properties, EdgeRouter router, HealthRegistry health,
            SettingsStore settings, TrafficMeter meter, WebClient client, JsonMapper json, Clock clock) {
        this.properties = properties;
        this.router = router;
        this.health = health;
        this.settings = settings;
        this.meter = meter;
        this.client = client;
        this.json = json;
        this.clock = clock;
    }

    /**
     * The whole overview, as JSON-ready maps.
     * @param operatorAuthorization the caller's verified {@code Authorization} header, or {@code null}: the
     * reconcilers show dead letters to operators only, so they are fetched with it or not at all
     */
    public Mono<Map<String, Object>> overview(String operatorAuthorization) {
        Map<String, Mono<Object>> remote = new LinkedHashMap<>();
        GatewayProperties.Ops ops = this.properties.ops();
        if (ops.link() != null) {
            remote.put("link", fetchJson(ops.link().resolve("/link")));
        }
        for (Datacenter datacenter : Datacenter.values()) {
            URI gateway = this.router.gateway(datacenter).uri();
            remote.put(datacenter.id() + ".settings", fetchJson(gateway.resolve("/ops/settings")));
            remote.put(datacenter.id() + ".upstreams", fetchJson(gateway.resolve("/ops/targets")));
            remote.put(datacenter.id() + ".writes", fetchJson(gateway.resolve("/ops/writes")));
            URI reconciler = ops.reconcilers().get(datacenter);
            if (reconciler != null) {
                remote.put(datacenter.id() + ".reconciler", fetchJson(reconciler.resolve("/api/reconciler/status")));
                remote.put(datacenter.id() + ".deadLetters", (operatorAuthorization != null)
                        ? fetchJson(reconciler.resolve("/api/reconciler/dead-letters"), operatorAuthorization)
                        : Mono.just(unavailable("enter the operator token to see dead letters")));
            }
            URI reship = ops.reships().get(datacenter);
            if (reship != null) {
                remote.put(datacenter.id() + ".reship", fetchMetrics(reship.resolve("/actuator/prometheus")));
            }
            URI collector = ops.collectors().get(datacenter);
            if (collector != null) {
                remote.put(datacenter.id() + ".collector", fetchMetrics(collector.resolve("/actuator/prometheus")));
            }
        }
        return Flux.fromIterable(remote.entrySet())
            .flatMap((entry) -> entry.getValue().map((value) -> Map.entry(entry.getKey(), value)))
            .collectMap(Map.Entry::getKey, Map.Entry::getValue)
            .map(this::assemble);
    }

    private Map<String, Object> assemble(Map<String, Object> remote) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("at", this.clock.instant());
        result.put("settings", this.settings.current());
        Map<String, Object> topology = new LinkedHashMap<>();
        topology.put("mode", this.properties.topology().mode().id());
        topology.put("master", this.properties.topology().master().id());
        result.put("topology", topology);
        Map<String, Double> rates = this.meter.ratePerSecond(3);
        List<Map<String, Object>> regions = new ArrayList<>();
        for (Region region : Region.values()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", region.id());
            row.put("home", region.home().id());
            row.put("shiftPercent", this.settings.current().shiftPercent(region));
            row.put("requestsPerSecond", sum(rates, region.id() + ">", null));
            regions.add(row);
        }
        result.put("regions", regions);
        List<Map<String, Object>> datacenters = new ArrayList<>();
        for (Datacenter datacenter : Datacenter.values()) {
            Target gateway = this.router.gateway(datacenter);
            HealthRegistry.State state = this.health.state(gateway);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", datacenter.id());
            row.put("gateway", gateway.uri().toString());
            row.put("status", state.status().name());
            row.put("since", state.since());
            row.put("detail", state.detail());
            row.put("drained", this.settings.current().drained(datacenter));
            row.put("requestsPerSecond", sum(rates, null, ">" + datacenter.id()));
            for (String part : List.of("settings", "upstreams", "writes", "reconciler", "deadLetters", "reship",
                    "collector")) {
                row.put(part, remote.getOrDefault(datacenter.id() + "." + part, unavailable("not configured or no answer")));
            }
            datacenters.add(row);
        }
        result.put("datacenters", datacenters);
        Map<String, Object> traffic = new LinkedHashMap<>();
        traffic.put("seconds", TrafficMeter.SECONDS);
        traffic.put("series", this.meter.history(TrafficMeter.SECONDS));
        result.put("traffic", traffic);
        result.put("link", remote.getOrDefault("link", unavailable("not configured or no answer")));
        return result;
    }

    private static double sum(Map<String, Double> rates, String prefix, String suffix) {
        double total = 0;
        for (Map.Entry<String, Double> entry : rates.entrySet()) {
            if ((prefix == null || entry.getKey().startsWith(prefix))
                    && (suffix == null || entry.getKey().endsWith(suffix))) {
                total += entry.getValue();
            }
        }
        return total;
    }

    private Mono<Object> fetchJson(URI uri) {
        return fetchJson(uri, null);
    }

    private Mono<Object> fetchJson(URI uri, String authorization) {
        return fetch(uri, MediaType.APPLICATION_JSON, authorization).map((body) -> (Object) this.json.readTree(body))
            .onErrorResume((ex) -> Mono.just(unavailable(ex)));
    }

    private Mono<Object> fetchMetrics(URI uri) {
        return fetch(uri, MediaType.TEXT_PLAIN, null).map((body) -> {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("available", true);
            result.put("metrics", replicationMetrics(body));
            return (Object) result;
        }).onErrorResume((ex) -> Mono.just(unavailable(ex)));
    }

    private Mono<String> fetch(URI uri, MediaType accept, String authorization) {
        Duration timeout = this.properties.ops().timeout();
        // reactor-netty's own response timeout ends a slow answer cleanly; the outer one is a backstop for a
        // connection that never completes.
        return this.client.get()
            .uri(uri)
            .accept(accept)
            .headers((headers) -> {
                if (authorization != null) {
                    headers.set(HttpHeaders.AUTHORIZATION, authorization);
                }
            })
            .httpRequest((request) -> request.<HttpClientRequest>getNativeRequest().responseTimeout(timeout))
            .retrieve()
            .bodyToMono(String.class)
            .timeout(timeout.multipliedBy(3));
    }

    /** The samples of a Prometheus text page that say something about replication progress. */
    static List<Map<String, Object>> replicationMetrics(String page) {
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (String line : page.split("\n")) {
            if (line.startsWith("#") || metrics.size() >= MAX_METRICS) {
                continue;
            }
            Matcher matcher = SAMPLE.matcher(line.trim());
            if (matcher.matches() && REPLICATION_METRIC.matcher(matcher.group(1)).matches()) {
                Map<String, Object> sample = new LinkedHashMap<>();
                sample.put("name", matcher.group(1));
                sample.put("labels", (matcher.group(2) != null) ? matcher.group(2) : "");
                try {
                    sample.put("value", Double.parseDouble(matcher.group(3)));
                }
                catch (NumberFormatException ex) {
                    sample.put("value", matcher.group(3));
                }
                metrics.add(sample);
            }
        }
        addMeanLag(metrics);
        return metrics;
    }

    /** Replaces the lag timer's sum and count by their mean, which is what a person wants to read. */
    private static void addMeanLag(List<Map<String, Object>> metrics) {
        Object sum = null;
        Object count = null;
        for (Map<String, Object> sample : metrics) {
            if ("wmb_collector_replication_lag_seconds_sum".equals(sample.get("name"))) {
                sum = sample.get("value");
            }
            if ("wmb_collector_replication_lag_seconds_count".equals(sample.get("name"))) {
                count = sample.get("value");
            }
        }
        metrics.removeIf((sample) -> sample.get("name").toString().matches(".*_lag_seconds_(sum|count)$"));
        if (sum instanceof Double total && count instanceof Double samples && samples > 0) {
            Map<String, Object> mean = new LinkedHashMap<>();
            mean.put("name", "wmb_collector_replication_lag_seconds_mean");
            mean.put("labels", "");
            mean.put("value", total / samples);
            metrics.add(mean);
        }
    }

    private static Map<String, Object> unavailable(Object reason) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("available", false);
        String text = String.valueOf(reason);
        if (reason instanceof Throwable ex) {
            // The wrapping client exception rarely says what happened; its innermost cause does.
            Throwable cause = ex;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            text = cause.getClass().getSimpleName() + ((cause.getMessage() != null) ? ": " + cause.getMessage() : "");
        }
        result.put("error", (text.length() > 200) ? text.substring(0, 200) : text);
        return result;
    }

}
