package io.wmb.gateway.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.wmb.gateway.config.GatewayProperties;
import io.wmb.gateway.routing.ClientKeys;
import io.wmb.gateway.web.Problems;
import io.wmb.gateway.web.RequestIdWebFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;

/**
 * {@code ClientRateLimit}: an in-memory token bucket per client (the user id when the request gives one,
 * otherwise the client address). A client over its rate gets 429 with {@code Retry-After}. Buckets live in
 * a bounded cache, so a flood of new client keys cannot exhaust memory; a client whose bucket was evicted
 * starts full again, which errs on the side of serving.
 */
public class ClientRateLimitGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

    private static final Logger logger = LoggerFactory.getLogger(ClientRateLimitGatewayFilterFactory.class);

    private final GatewayProperties.RateLimit settings;

    private final Cache<String, Bucket> buckets;

    private final boolean behindEdge;

    /**
     * @param settings bucket size and rate
     * @param behindEdge whether clients reach this gateway through the edge, so that the client address is
     * the first of {@code X-Forwarded-For} rather than the edge's
     */
    public ClientRateLimitGatewayFilterFactory(GatewayProperties.RateLimit settings, boolean behindEdge) {
        super(Object.class);
        this.settings = settings;
        this.behindEdge = behindEdge;
        this.buckets = Caffeine.newBuilder()
            .maximumSize(settings.maxClients())
            .expireAfterAccess(Duration.ofMinutes(10))
            .build();
    }

    @Override
    public GatewayFilter apply(Object config) {
        return new OrderedGatewayFilter((exchange, chain) -> {
            if (!this.settings.enabled()) {
                return chain.filter(exchange);
            }
            String key = ClientKeys.of(exchange.getRequest(), this.behindEdge);
            Bucket bucket = this.buckets.get(key, (ignored) -> newBucket());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            // Set just before the answer leaves, so that it replaces the one a gateway behind this one sent.
            String remaining = Long.toString(probe.getRemainingTokens());
            exchange.getResponse().beforeCommit(() -> {
                exchange.getResponse().getHeaders().set("X-RateLimit-Remaining", remaining);
                return Mono.empty();
            });
            if (probe.isConsumed()) {
                return chain.filter(exchange);
            }
            long retryAfter = Math.max(1, Duration.ofNanos(probe.getNanosToWaitForRefill()).toSeconds());
            RequestIdWebFilter.log(exchange, () -> logger.info("Rate limit reached for {}", key));
            exchange.getResponse().getHeaders().set("Retry-After", Long.toString(retryAfter));
            return Problems.write(exchange, HttpStatus.TOO_MANY_REQUESTS, "Too Many Requests",
                    "More than " + this.settings.refillPerSecond() + " requests per second (burst "
                            + this.settings.capacity() + ") from this client; retry after " + retryAfter + " s");
        }, Ordered.HIGHEST_PRECEDENCE + 100);
    }

    private Bucket newBucket() {
        return Bucket.builder()
            .addLimit(Bandwidth.builder()
                .capacity(this.settings.capacity())
                .refillGreedy(this.settings.refillPerSecond(), Duration.ofSeconds(1))
                .build())
            .build();
    }

}
