package io.wmb.gateway.web;

import java.util.UUID;
import java.util.regex.Pattern;

import io.micrometer.context.ContextRegistry;
import org.slf4j.MDC;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;

/**
 * First filter of every request: takes the client's {@code X-Request-Id} or makes one, passes it upstream
 * (a made one marked {@code X-WMB-Request-Id-Generated: true}), puts it in the logging context (MDC key
 * {@code requestId}) and on the response, and makes sure the response says which datacenter served it
 * ({@code X-WMB-Datacenter}): the upstream's answer when it gave one, otherwise the datacenter the request was
 * routed to, otherwise this gateway itself.
 */
public class RequestIdWebFilter implements WebFilter, Ordered {

    /** Request and response header carrying the request id. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    /**
     * Request header sent upstream with a request id this gateway made. The processor takes a client's own
     * {@code X-Request-Id} as its idempotency key and remembers the response for a day; a made id can never come
     * again (the client never saw it, and the gateways do not resend writes), so remembering it would only cost two
     * Redis commands and a day of Redis memory per write. A downstream gateway passes the mark on as it came.
     */
    public static final String GENERATED_HEADER = "X-WMB-Request-Id-Generated";

    /** Response header naming the datacenter that served the request. */
    public static final String DATACENTER_HEADER = "X-WMB-Datacenter";

    /** Exchange attribute with the request id. */
    public static final String REQUEST_ID_ATTRIBUTE = "wmb.requestId";

    /** Exchange attribute a routing filter sets to the datacenter it chose. */
    public static final String SERVED_BY_ATTRIBUTE = "wmb.servedBy";

    /** MDC and Reactor context key. */
    public static final String MDC_KEY = "requestId";

    // Ids travel into logs and the processing log: keep them short and free of control characters.
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    static {
        // Reactor operators that restore thread locals (handle, tap) turn the context entry into the MDC entry.
        ContextRegistry.getInstance()
            .registerThreadLocalAccessor(MDC_KEY, () -> MDC.get(MDC_KEY), (value) -> MDC.put(MDC_KEY, value),
                    () -> MDC.remove(MDC_KEY));
    }

    private final String servedBy;

    /**
     * Runs {@code log} with the exchange's request id in the MDC. The gateway does not restore thread locals on
     * every Reactor operator ({@code spring.reactor.context-propagation=limited}: {@code auto} cost about a third
     * of a proxied request's CPU), so the few per-request log statements set it themselves.
     * @param exchange the exchange
     * @param log the logging call
     */
    public static void log(ServerWebExchange exchange, Runnable log) {
        Object requestId = exchange.getAttribute(REQUEST_ID_ATTRIBUTE);
        if (requestId == null) {
            log.run();
            return;
        }
        try (MDC.MDCCloseable ignored = MDC.putCloseable(MDC_KEY, requestId.toString())) {
            log.run();
        }
    }

    /**
     * @param servedBy what {@code X-WMB-Datacenter} says when nothing else decided it
     */
    public RequestIdWebFilter(String servedBy) {
        this.servedBy = servedBy;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String given = exchange.getRequest().getHeaders().getFirst(REQUEST_ID_HEADER);
        boolean invalid = given != null && !given.isEmpty() && !VALID.matcher(given).matches();
        String requestId = (given == null || given.isEmpty() || invalid) ? UUID.randomUUID().toString() : given;
        exchange.getAttributes().put(REQUEST_ID_ATTRIBUTE, requestId);
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().set(REQUEST_ID_HEADER, requestId);
            if (!exchange.getResponse().getHeaders().containsHeader(DATACENTER_HEADER)) {
                Object routedTo = exchange.getAttribute(SERVED_BY_ATTRIBUTE);
                exchange.getResponse().getHeaders().set(DATACENTER_HEADER,
                        (routedTo != null) ? routedTo.toString() : this.servedBy);
            }
            return Mono.empty();
        });
        if (invalid) {
            return Problems.write(exchange, HttpStatus.BAD_REQUEST, "Bad Request",
                    "X-Request-Id must be 1 to 128 letters, digits or '.', '_', ':', '-'");
        }
        ServerWebExchange forwarded = exchange;
        if (!requestId.equals(given)) {
            ServerHttpRequest request = exchange.getRequest().mutate().headers((headers) -> {
                headers.set(REQUEST_ID_HEADER, requestId);
                headers.set(GENERATED_HEADER, "true");
            }).build();
            forwarded = exchange.mutate().request(request).build();
        }
        return chain.filter(forwarded).contextWrite(Context.of(MDC_KEY, requestId));
    }

}
