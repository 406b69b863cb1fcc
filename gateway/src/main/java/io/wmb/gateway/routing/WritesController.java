package io.wmb.gateway.routing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wmb.gateway.config.GatewayProperties;
import io.wmb.gateway.health.HealthRegistry;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /ops/writes} at a datacenter gateway: the topology, where writes entering this datacenter go and
 * whether any of those processors can take one now. The dashboard shows it per datacenter.
 */
@RestController
@ConditionalOnProperty(name = "wmb.gateway.role", havingValue = "datacenter")
class WritesController {

    private final UpstreamRouter router;

    private final HealthRegistry health;

    private final GatewayProperties properties;

    WritesController(UpstreamRouter router, HealthRegistry health, GatewayProperties properties) {
        this.router = router;
        this.health = health;
        this.properties = properties;
    }

    @GetMapping(path = "/ops/writes", produces = "application/json")
    Map<String, Object> writes() {
        List<Target> targets = this.router.writeTargets();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("topology", this.properties.topology().mode().id());
        view.put("master", this.properties.topology().master().id());
        view.put("datacenter", this.properties.datacenter().id());
        // Any key: only whether some upstream qualifies matters here.
        view.put("acceptsWrites", this.router.routeWrite("ops").isPresent());
        view.put("writesGoTo", targets.stream().map(Target::id).toList());
        view.put("available", targets.stream().filter(this.health::isAvailable).map(Target::id).toList());
        return view;
    }

}
