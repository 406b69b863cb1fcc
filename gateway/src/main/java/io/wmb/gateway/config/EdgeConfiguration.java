package io.wmb.gateway.config;

import java.time.Clock;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wmb.gateway.health.HealthCheckJob;
import io.wmb.gateway.health.HealthRegistry;
import io.wmb.gateway.health.TargetWeights;
import io.wmb.gateway.ops.OverviewService;
import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.ratelimit.ClientRateLimitGatewayFilterFactory;
import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.EdgeRouter;
import io.wmb.gateway.routing.EdgeRoutingGatewayFilterFactory;
import io.wmb.gateway.routing.RegionResolver;
import io.wmb.gateway.routing.Target;
import io.wmb.gateway.settings.SettingsStore;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The edge (GeoDNS role): picks a datacenter per request and serves the ops dashboard.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "wmb.gateway.role", havingValue = "edge", matchIfMissing = true)
class EdgeConfiguration {

    EdgeConfiguration(GatewayProperties properties) {
        GatewayConfiguration.checkRole(GatewayRole.EDGE, properties.role());
    }

    @Bean
    HealthRegistry healthRegistry(GatewayProperties properties, Clock clock) {
        return new HealthRegistry(List.copyOf(gateways(properties).values()), properties.health().fall(),
                properties.health().rise(), clock);
    }

    @Bean
    HealthCheckJob healthCheckJob(HealthRegistry registry, WebClient healthWebClient, GatewayProperties properties) {
        GatewayProperties.Health health = properties.health();
        return new HealthCheckJob(registry, healthWebClient, health.path(), health.interval(), health.timeout());
    }

    @Bean
    RegionResolver regionResolver(GatewayProperties properties) {
        return new RegionResolver(properties.edge().regionTable(), properties.edge().defaultRegion());
    }

    @Bean
    EdgeRouter edgeRouter(GatewayProperties properties, SettingsStore settings, HealthRegistry health) {
        return new EdgeRouter(gateways(properties), settings::current, health::isAvailable);
    }

    @Bean
    TargetWeights targetWeights() {
        // The edge's split is per region, not per gateway: the overview shows it by region.
        return (target) -> Double.NaN;
    }

    @Bean
    EdgeRoutingGatewayFilterFactory edgeRoutingGatewayFilterFactory(RegionResolver regions, EdgeRouter router,
            HealthRegistry health, TrafficMeter meter) {
        return new EdgeRoutingGatewayFilterFactory(regions, router, health, meter);
    }

    @Bean
    OverviewService overviewService(GatewayProperties properties, EdgeRouter router, HealthRegistry health,
            SettingsStore settings, TrafficMeter meter, WebClient opsWebClient, JsonMapper json, Clock clock) {
        return new OverviewService(properties, router, health, settings, meter, opsWebClient, json, clock);
    }

    @Bean
    RouteLocator edgeRoutes(RouteLocatorBuilder builder, ClientRateLimitGatewayFilterFactory rateLimit,
            EdgeRoutingGatewayFilterFactory routing) {
        return builder.routes()
            .route("edge-api", (route) -> route.path("/api/**")
                .filters((filters) -> filters.filter(rateLimit.apply(new Object())).filter(routing.apply(new Object())))
                .uri("no://op"))
            .build();
    }

    /** The edge is up while it runs; which datacenters it can reach is in the details. */
    @Bean
    HealthIndicator datacentersHealthIndicator(HealthRegistry registry) {
        return () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            for (Target target : registry.targets()) {
                details.put(target.id(), registry.state(target).status().name());
            }
            return Health.up().withDetails(details).build();
        };
    }

    private static Map<Datacenter, Target> gateways(GatewayProperties properties) {
        Map<Datacenter, Target> gateways = new EnumMap<>(Datacenter.class);
        properties.edge().gateways().forEach((datacenter, uri) ->
                gateways.put(datacenter, new Target(datacenter.id(), uri, datacenter)));
        return gateways;
    }

}
