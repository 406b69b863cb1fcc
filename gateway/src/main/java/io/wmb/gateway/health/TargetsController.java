package io.wmb.gateway.health;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.routing.Target;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /ops/targets}: what this gateway forwards to (the datacenter gateways at the edge, the
 * processors at a datacenter gateway), with health, weight and current requests per second.
 */
@RestController
class TargetsController {

    private final HealthRegistry health;

    private final TrafficMeter meter;

    private final TargetWeights weight;

    /**
     * @param weight a target's share under the current settings, in percent (NaN when it has none)
     */
    TargetsController(HealthRegistry health, TrafficMeter meter, TargetWeights weight) {
        this.health = health;
        this.meter = meter;
        this.weight = weight;
    }

    @GetMapping(path = "/ops/targets", produces = "application/json")
    List<Map<String, Object>> targets() {
        Map<String, Double> rates = this.meter.ratePerSecond(5);
        List<Map<String, Object>> result = new ArrayList<>();
        for (Target target : this.health.targets()) {
            HealthRegistry.State state = this.health.state(target);
            double rate = 0;
            for (Map.Entry<String, Double> series : rates.entrySet()) {
                // Edge series are "region>datacenter"; a datacenter gateway's are the upstream's id.
                if (series.getKey().equals(target.id()) || series.getKey().endsWith(">" + target.id())) {
                    rate += series.getValue();
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("id", target.id());
            row.put("uri", target.uri().toString());
            row.put("datacenter", target.datacenter().id());
            row.put("status", state.status().name());
            row.put("since", state.since());
            row.put("detail", state.detail());
            double share = this.weight.weightPercent(target);
            row.put("weightPercent", Double.isNaN(share) ? null : share);
            row.put("requestsPerSecond", rate);
            result.add(row);
        }
        return result;
    }

}
