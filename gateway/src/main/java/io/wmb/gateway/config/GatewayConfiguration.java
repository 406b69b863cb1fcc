package io.wmb.gateway.config;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.netty.channel.ChannelOption;
import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.ratelimit.ClientRateLimitGatewayFilterFactory;
import io.wmb.gateway.routing.ProxyHeadersFilter;
import io.wmb.gateway.routing.Region;
import io.wmb.gateway.settings.OperatorAuthenticator;
import io.wmb.gateway.settings.RoutingSettings;
import io.wmb.gateway.settings.SettingsStore;
import io.wmb.gateway.web.OversizedRequestProblemHandler;
import io.wmb.gateway.web.ProblemWebExceptionHandler;
import io.wmb.gateway.web.RequestIdWebFilter;
import io.wmb.gateway.web.WholeRequestHandler;
import io.wmb.gateway.web.WholeResponseFilter;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.filter.headers.RemoveForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveHopByHopHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.RemoveXForwardedHeadersFilter;
import org.springframework.cloud.gateway.filter.headers.TransferEncodingNormalizationHeadersFilter;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Beans both roles share: settings and their store, the operator check, request ids, problem responses,
 * the traffic meter and the rate limiter.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GatewayProperties.class)
class GatewayConfiguration {

    /**
     * Started from the bean definitions Spring AOT generated at build time ({@code -Dspring.aot.enabled=true}),
     * the configuration of a role is there because the build evaluated the role's condition, whatever
     * {@code wmb.gateway.role} says at run time. The build generates them for each role
     * ({@code DatacenterGatewayApplication}) and the gateway picks the set of its role before it starts, but it
     * reads the role from the command line, system properties and environment only: a role set elsewhere (a config
     * file, {@code SPRING_APPLICATION_JSON}) would run one role's routes under the other's settings, so each role's
     * configuration refuses such a start.
     * @param built the role the configuration belongs to
     * @param configured the role the properties name
     */
    static void checkRole(GatewayRole built, GatewayRole configured) {
        if (configured != built) {
            throw new IllegalStateException("wmb.gateway.role=" + configured.name().toLowerCase(Locale.ROOT)
                    + " cannot start from the ahead-of-time bean definitions, which were chosen for the "
                    + built.name().toLowerCase(Locale.ROOT)
                    + ": set the role on the command line or in WMB_GATEWAY_ROLE, or start without"
                    + " -Dspring.aot.enabled=true");
        }
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    SettingsStore settingsStore(GatewayProperties properties, JsonMapper json, Clock clock) {
        GatewayProperties.Edge edge = properties.edge();
        RoutingSettings initial = new RoutingSettings(
                new RoutingSettings.Shift(edge.initialShiftPercent().getOrDefault(Region.NORTH, 0.0),
                        edge.initialShiftPercent().getOrDefault(Region.SOUTH, 0.0)),
                properties.upstreams().initialRemoteWeightPercent(), null, 0);
        return new SettingsStore(properties.dataDir(), initial, json, clock);
    }

    @Bean
    OperatorAuthenticator operatorAuthenticator(GatewayProperties properties) {
        return new OperatorAuthenticator(properties.operators());
    }

    @Bean
    RequestIdWebFilter requestIdWebFilter(GatewayProperties properties) {
        return new RequestIdWebFilter(properties.servedBy());
    }

    @Bean
    ProblemWebExceptionHandler problemWebExceptionHandler() {
        return new ProblemWebExceptionHandler();
    }

    /** Oversized headers get a problem body: Netty answers them before any WebFilter or exception handler. */
    @Bean
    NettyServerCustomizer oversizedRequestProblemCustomizer(GatewayProperties properties) {
        return new OversizedRequestProblemHandler(properties.servedBy()).customizer();
    }

    /** Answers of known, small length leave in one write, head and body together. */
    @Bean
    WholeResponseFilter wholeResponseFilter() {
        return new WholeResponseFilter();
    }

    /** What of the headers crosses a proxy hop, both ways (in place of Spring Cloud Gateway's own filters). */
    @Bean
    ProxyHeadersFilter proxyRequestHeadersFilter(GatewayProperties properties) {
        return ProxyHeadersFilter.requests(properties.role() == GatewayRole.EDGE);
    }

    @Bean
    ProxyHeadersFilter proxyResponseHeadersFilter() {
        return ProxyHeadersFilter.responses();
    }

    /**
     * Takes out Spring Cloud Gateway's header filters that {@link ProxyHeadersFilter} replaces: each copied the
     * whole header map, one after another, on every proxied request (and the hop-by-hop one on every answer).
     * Their beans have no condition to switch them off by, hence the removal of their definitions.
     */
    @Bean
    static BeanFactoryPostProcessor replacedHeaderFilters() {
        return (beanFactory) -> {
            for (Class<?> replaced : List.of(RemoveForwardedHeadersFilter.class, RemoveXForwardedHeadersFilter.class,
                    RemoveHopByHopHeadersFilter.class, TransferEncodingNormalizationHeadersFilter.class)) {
                for (String name : beanFactory.getBeanNamesForType(replaced, true, false)) {
                    ((BeanDefinitionRegistry) beanFactory).removeBeanDefinition(name);
                }
            }
        };
    }

    /**
     * The proxied requests' timeouts, set once on the client: as Spring Cloud Gateway properties they were
     * applied again on every request, with a copy of the client's configuration and a timer on a scheduler
     * thread. The response timeout is Reactor Netty's, a timer on the connection's own event loop.
     */
    @Bean
    HttpClientCustomizer proxyTimeoutsCustomizer(GatewayProperties properties) {
        GatewayProperties.Proxy proxy = properties.proxy();
        return (HttpClient client) -> client
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, proxy.connectTimeout().toMillis()))
            .responseTimeout(proxy.responseTimeout());
    }

    /** Proxied requests with a body of known length leave in one write, head and body together. */
    @Bean
    HttpClientCustomizer wholeRequestCustomizer() {
        return WholeRequestHandler.customizer();
    }

    @Bean
    TrafficMeter trafficMeter(Clock clock) {
        return new TrafficMeter(clock);
    }

    @Bean
    ClientRateLimitGatewayFilterFactory clientRateLimitGatewayFilterFactory(GatewayProperties properties) {
        return new ClientRateLimitGatewayFilterFactory(properties.rateLimit(),
                properties.role() == GatewayRole.DATACENTER);
    }

    /** For health checks: fails fast, so that a dead server is noticed within one round. */
    @Bean
    WebClient healthWebClient(GatewayProperties properties) {
        return webClient(properties.health().timeout());
    }

    /** For the ops overview and the actions the edge passes on. */
    @Bean
    WebClient opsWebClient(GatewayProperties properties) {
        return webClient(properties.ops().timeout().multipliedBy(5));
    }

    static WebClient webClient(Duration timeout) {
        HttpClient http = HttpClient.create()
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
            .responseTimeout(timeout);
        return WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
    }

}
