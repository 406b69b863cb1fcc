package io.wmb.gateway.routing;

import java.util.Optional;
import java.util.Set;

import io.wmb.gateway.health.HealthRegistry;
import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.web.Problems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;

/**
 * {@code UpstreamRouting}: sends a request to the processor the weights and the user's hash choose (see
 * {@link UpstreamRouter}), and counts it per upstream.
 */
public class UpstreamRoutingGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

    private static final Logger logger = LoggerFactory.getLogger(UpstreamRoutingGatewayFilterFactory.class);

    /** What is not one of these is a write (POST, PUT, DELETE, PATCH). */
    private static final Set<HttpMethod> READS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private final UpstreamRouter router;

    private final HealthRegistry health;

    private final TrafficMeter meter;

    public UpstreamRoutingGatewayFilterFactory(UpstreamRouter router, HealthRegistry health, TrafficMeter meter) {
        super(Object.class);
        this.router = router;
        this.health = health;
        this.meter = meter;
    }

    @Override
    public GatewayFilter apply(Object config) {
        return new OrderedGatewayFilter((exchange, chain) -> {
            // Behind the edge every request comes from the edge's address: spread on the original client.
            String key = ClientKeys.of(exchange.getRequest(), true);
            boolean write = !READS.contains(exchange.getRequest().getMethod());
            Optional<Target> target = write ? this.router.routeWrite(key) : this.router.route(key);
            if (target.isEmpty()) {
                Datacenter master = this.router.writeDatacenter();
                String detail = (write && master != null)
                        ? "Writes go to the master datacenter (" + master.id() + ") in master-slave mode, and no "
                                + "processor of it can be reached from here now: the write was not taken. Reads are "
                                + "still served; retry the write later"
                        : "No processor can take the request: every upstream is drained or down";
                return Problems.write(exchange, HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable", detail);
            }
            logger.debug("{} -> {}", key, target.get().id());
            this.meter.record(target.get().id());
            return Forwarding.forward(exchange, chain, target.get(), this.health,
                    () -> write ? this.router.routeWrite(key) : this.router.route(key));
        }, RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1);
    }

}
