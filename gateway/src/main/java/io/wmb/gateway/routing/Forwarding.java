package io.wmb.gateway.routing;

import java.net.ConnectException;
import java.net.URI;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import io.wmb.gateway.health.HealthRegistry;
import io.wmb.gateway.web.RequestIdWebFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.http.HttpMethod;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Points an exchange at a chosen target and, when the target refuses the connection, marks it down at once
 * (not waiting for the next health check) and retries a request without a body once on the next choice.
 * A request with a body is not retried: its body can be read only once.
 */
final class Forwarding {

    private static final Logger logger = LoggerFactory.getLogger(Forwarding.class);

    private static final Set<HttpMethod> RETRYABLE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);

    private Forwarding() {
    }

    static Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, Target target,
            HealthRegistry health, Supplier<Optional<Target>> reroute) {
        pointAt(exchange, target);
        return chain.filter(exchange).onErrorResume((ex) -> isConnectFailure(ex) && !exchange.getResponse().isCommitted(),
                (ex) -> {
                    health.markDown(target, "request failed: " + ex.getMessage());
                    Optional<Target> next = reroute.get();
                    if (!RETRYABLE.contains(exchange.getRequest().getMethod()) || next.isEmpty()
                            || next.get().equals(target)) {
                        return Mono.error(ex);
                    }
                    RequestIdWebFilter.log(exchange, () -> logger.info("{} refused the connection; retrying on {}",
                            target.id(), next.get().id()));
                    ServerWebExchangeUtils.reset(exchange);
                    pointAt(exchange, next.get());
                    return chain.filter(exchange);
                });
    }

    private static void pointAt(ServerWebExchange exchange, Target target) {
        URI current = exchange.getRequiredAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR);
        URI base = target.uri();
        URI next = UriComponentsBuilder.fromUri(current)
            .scheme(base.getScheme())
            .host(base.getHost())
            .port(base.getPort())
            .build(true)
            .toUri();
        exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR, next);
        exchange.getAttributes().put(RequestIdWebFilter.SERVED_BY_ATTRIBUTE, target.datacenter().id());
    }

    private static boolean isConnectFailure(Throwable ex) {
        for (Throwable current = ex; current != null; current = current.getCause()) {
            if (current instanceof ConnectException) {
                return true;
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return false;
    }

}
