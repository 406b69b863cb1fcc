package io.wmb.processor.topology;

import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /ops/topology}: the topology and whether this datacenter takes writes, for the dashboard and the tour.
 */
@RestController
class TopologyController {

    private final WriteTopology topology;

    TopologyController(WriteTopology topology) {
        this.topology = topology;
    }

    @GetMapping("/ops/topology")
    Map<String, Object> topology() {
        return this.topology.describe();
    }

}
