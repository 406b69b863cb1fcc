package io.wmb.gateway.routing;

import java.net.InetSocketAddress;
import java.util.Optional;

import io.wmb.gateway.health.HealthRegistry;
import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.web.Problems;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.RouteToRequestUrlFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpStatus;

/**
 * {@code EdgeRouting}: sends a request to the gateway of the datacenter its region, the shift ratio and its
 * user's hash choose (see {@link EdgeRouter}), and counts it per region and datacenter.
 */
public class EdgeRoutingGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

    /** Request header naming the client's region. */
    public static final String REGION_HEADER = "X-Region";

    private static final Logger logger = LoggerFactory.getLogger(EdgeRoutingGatewayFilterFactory.class);

    private final RegionResolver regions;

    private final EdgeRouter router;

    private final HealthRegistry health;

    private final TrafficMeter meter;

    public EdgeRoutingGatewayFilterFactory(RegionResolver regions, EdgeRouter router, HealthRegistry health,
            TrafficMeter meter) {
        super(Object.class);
        this.regions = regions;
        this.router = router;
        this.health = health;
        this.meter = meter;
    }

    @Override
    public GatewayFilter apply(Object config) {
        // Runs right after the route's URI was merged into the request URL, and replaces its host.
        return new OrderedGatewayFilter((exchange, chain) -> {
            InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
            Region region;
            try {
                region = this.regions.resolve(exchange.getRequest().getHeaders().getFirst(REGION_HEADER),
                        (remote != null) ? remote.getAddress() : null);
            }
            catch (IllegalArgumentException ex) {
                return Problems.write(exchange, HttpStatus.BAD_REQUEST, "Bad Request", ex.getMessage());
            }
            String key = ClientKeys.of(exchange.getRequest(), false);
            Optional<Target> target = this.router.route(region, key);
            if (target.isEmpty()) {
                return Problems.write(exchange, HttpStatus.SERVICE_UNAVAILABLE, "Service Unavailable",
                        "No datacenter can take the request: both are drained or down");
            }
            logger.debug("{} ({}) -> {}", key, region, target.get().id());
            this.meter.record(region.id() + ">" + target.get().datacenter().id());
            return Forwarding.forward(exchange, chain, target.get(), this.health,
                    () -> this.router.route(region, key));
        }, RouteToRequestUrlFilter.ROUTE_TO_URL_FILTER_ORDER + 1);
    }

}
