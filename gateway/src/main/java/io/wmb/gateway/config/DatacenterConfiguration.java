package io.wmb.gateway.config;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.wmb.gateway.health.HealthCheckJob;
import io.wmb.gateway.health.HealthRegistry;
import io.wmb.gateway.health.TargetWeights;
import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.ratelimit.ClientRateLimitGatewayFilterFactory;
import io.wmb.gateway.routing.Datacenter;
import io.wmb.gateway.routing.Target;
import io.wmb.gateway.routing.UpstreamRouter;
import io.wmb.gateway.routing.UpstreamRoutingGatewayFilterFactory;
import io.wmb.gateway.settings.SettingsStore;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A datacenter's gateway (Nginx role): spreads over weighted upstream processors.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "wmb.gateway.role", havingValue = "datacenter")
class DatacenterConfiguration {

    DatacenterConfiguration(GatewayProperties properties) {
        GatewayConfiguration.checkRole(GatewayRole.DATACENTER, properties.role());
    }

    @Bean
    UpstreamRouter upstreamRouter(GatewayProperties properties, SettingsStore settings, HealthRegistry health) {
        Datacenter home = properties.datacenter();
        List<Target> local = new ArrayList<>();
        for (URI uri : properties.upstreams().local()) {
            local.add(target(home, uri));
        }
        URI remoteUri = properties.upstreams().remote();
        Target remote = (remoteUri != null) ? target(home.peer(), remoteUri) : null;
        return new UpstreamRouter(local, remote, settings::current, health::isAvailable,
                properties.topology().writeDatacenter());
    }

    @Bean
    HealthRegistry healthRegistry(GatewayProperties properties, Clock clock) {
        List<Target> targets = new ArrayList<>();
        Datacenter home = properties.datacenter();
        for (URI uri : properties.upstreams().local()) {
            targets.add(target(home, uri));
        }
        if (properties.upstreams().remote() != null) {
            targets.add(target(home.peer(), properties.upstreams().remote()));
        }
        return new HealthRegistry(targets, properties.health().fall(), properties.health().rise(), clock);
    }

    @Bean
    HealthCheckJob healthCheckJob(HealthRegistry registry, WebClient healthWebClient, GatewayProperties properties) {
        GatewayProperties.Health health = properties.health();
        return new HealthCheckJob(registry, healthWebClient, health.path(), health.interval(), health.timeout());
    }

    @Bean
    TargetWeights targetWeights(UpstreamRouter router) {
        return router::weightPercent;
    }

    @Bean
    UpstreamRoutingGatewayFilterFactory upstreamRoutingGatewayFilterFactory(UpstreamRouter router,
            HealthRegistry health, TrafficMeter meter) {
        return new UpstreamRoutingGatewayFilterFactory(router, health, meter);
    }

    @Bean
    RouteLocator datacenterRoutes(RouteLocatorBuilder builder, ClientRateLimitGatewayFilterFactory rateLimit,
            UpstreamRoutingGatewayFilterFactory routing) {
        return builder.routes()
            .route("datacenter-api", (route) -> route.path("/api/**")
                .filters((filters) -> filters.filter(rateLimit.apply(new Object())).filter(routing.apply(new Object())))
                .uri("no://op"))
            .build();
    }

    /**
     * The datacenter is down when none of its own processors is available (or it is drained here): the
     * edge checks this and sends the datacenter's users to the other one.
     */
    @Bean
    HealthIndicator upstreamsHealthIndicator(HealthRegistry registry, SettingsStore settings,
            GatewayProperties properties) {
        return () -> {
            Map<String, Object> details = new LinkedHashMap<>();
            boolean anyLocal = false;
            for (Target target : registry.targets()) {
                details.put(target.id(), registry.state(target).status().name());
                if (target.datacenter() == properties.datacenter() && registry.isAvailable(target)) {
                    anyLocal = true;
                }
            }
            boolean drained = settings.current().drained(properties.datacenter());
            details.put("drained", drained);
            return (anyLocal && !drained) ? Health.up().withDetails(details).build()
                    : Health.down().withDetails(details).build();
        };
    }

    private static Target target(Datacenter datacenter, URI uri) {
        return new Target(datacenter.id() + "@" + uri.getHost() + ":" + uri.getPort(), uri, datacenter);
    }

}
