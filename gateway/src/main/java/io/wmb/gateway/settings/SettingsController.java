package io.wmb.gateway.settings;

import java.util.List;
import java.util.concurrent.Callable;

import io.wmb.gateway.config.GatewayProperties;
import io.wmb.gateway.config.GatewayRole;
import io.wmb.gateway.routing.ClientKeys;
import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Region;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The ops API for routing settings: anyone may read them and the audit log; changing them needs an
 * operator token. A change is in force for the next request and persisted before the answer.
 */
@RestController
@RequestMapping(path = "/ops", produces = "application/json")
class SettingsController {

    private final SettingsStore store;

    private final OperatorAuthenticator authenticator;

    private final GatewayRole role;

    SettingsController(SettingsStore store, OperatorAuthenticator authenticator, GatewayProperties properties) {
        this.store = store;
        this.authenticator = authenticator;
        this.role = properties.role();
    }

    @GetMapping("/settings")
    RoutingSettings settings() {
        return this.store.current();
    }

    @GetMapping("/audit")
    Mono<List<AuditEntry>> audit(@RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > 10_000) {
            throw badRequest("limit must be between 1 and 10000, but was " + limit);
        }
        return blocking(() -> this.store.audit(limit));
    }

    /** Edge only: the share of a region's users sent to the other datacenter. */
    @PutMapping("/regions/{region}/shift")
    Mono<RoutingSettings> shift(@PathVariable String region, @RequestBody PercentChange body,
            ServerHttpRequest request) {
        SettingsStore.Change change = authorize(request);
        requireRole(GatewayRole.EDGE, "the shift of a region is set at the edge");
        Region parsed = parse(() -> Region.of(region));
        double percent = percent(body);
        return blocking(() -> this.store.setShiftPercent(parsed, percent, change));
    }

    /** Datacenter gateway only: the share of traffic sent to the other datacenter's processor. */
    @PutMapping("/remote-weight")
    Mono<RoutingSettings> remoteWeight(@RequestBody PercentChange body, ServerHttpRequest request) {
        SettingsStore.Change change = authorize(request);
        requireRole(GatewayRole.DATACENTER, "upstream weights are set at a datacenter gateway "
                + "(or through the edge at /ops/datacenters/{datacenter}/remote-weight)");
        double percent = percent(body);
        return blocking(() -> this.store.setRemoteWeightPercent(percent, change));
    }

    /** Takes a datacenter out of rotation (or puts it back) at this gateway. */
    @PutMapping("/datacenters/{datacenter}/drain")
    Mono<RoutingSettings> drain(@PathVariable String datacenter, @RequestBody DrainChange body,
            ServerHttpRequest request) {
        SettingsStore.Change change = authorize(request);
        Datacenter parsed = parse(() -> Datacenter.of(datacenter));
        if (body == null || body.drained() == null) {
            throw badRequest("body must be {\"drained\": true|false}");
        }
        return blocking(() -> this.store.setDrained(parsed, body.drained(), change));
    }

    private SettingsStore.Change authorize(ServerHttpRequest request) {
        String operator = this.authenticator.authenticate(request);
        String address = ClientKeys.address(request);
        String forwardedFor = request.getHeaders().getFirst("X-Forwarded-For");
        return new SettingsStore.Change(operator,
                (forwardedFor != null) ? forwardedFor + " via " + address : address);
    }

    private void requireRole(GatewayRole wanted, String reason) {
        if (this.role != wanted) {
            throw new ResponseStatusException(HttpStatus.NOT_FOUND, "Not available on this gateway: " + reason);
        }
    }

    private static double percent(PercentChange body) {
        if (body == null || body.percent() == null) {
            throw badRequest("body must be {\"percent\": <0-100>}");
        }
        double percent = body.percent();
        if (!(percent >= 0 && percent <= 100)) {
            throw badRequest("percent must be between 0 and 100, but was " + percent);
        }
        return percent;
    }

    private static <T> T parse(Callable<T> parser) {
        try {
            return parser.call();
        }
        catch (Exception ex) {
            throw badRequest(ex.getMessage());
        }
    }

    private static ResponseStatusException badRequest(String reason) {
        return new ResponseStatusException(HttpStatus.BAD_REQUEST, reason);
    }

    // File writes and reads stay off the event loop.
    private static <T> Mono<T> blocking(Callable<T> work) {
        return Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
    }

    /**
     * Body of a ratio or weight change.
     *
     * @param percent the new share, 0 to 100
     */
    record PercentChange(Double percent) {

    }

    /**
     * Body of a drain change.
     *
     * @param drained whether the datacenter is drained
     */
    record DrainChange(Boolean drained) {

    }

}
