package io.wmb.gateway.config;

import java.time.Clock;
import java.time.Duration;

import io.netty.channel.ChannelOption;
import io.wmb.gateway.ops.TrafficMeter;
import io.wmb.gateway.ratelimit.ClientRateLimitGatewayFilterFactory;
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

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
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
