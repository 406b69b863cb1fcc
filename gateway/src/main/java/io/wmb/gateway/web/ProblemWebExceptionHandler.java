package io.wmb.gateway.web;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

import io.netty.handler.timeout.ReadTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

/**
 * Turns every error that reaches the web layer into {@code application/problem+json}: a failed upstream
 * connection into 502, an upstream timeout into 504, a {@link ResponseStatusException} into its status,
 * anything else into 500 (logged, with no internals in the body).
 */
public class ProblemWebExceptionHandler implements WebExceptionHandler, Ordered {

    private static final Logger logger = LoggerFactory.getLogger(ProblemWebExceptionHandler.class);

    @Override
    public int getOrder() {
        // Before Boot's default handler (-1), which would answer in its own JSON shape.
        return -2;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        exchange.getResponse().getHeaders().clearContentHeaders();
        // The error is this gateway's answer, not the upstream's: X-WMB-Datacenter must not name the upstream.
        exchange.getAttributes().remove(RequestIdWebFilter.SERVED_BY_ATTRIBUTE);
        exchange.getResponse().getHeaders().remove(RequestIdWebFilter.DATACENTER_HEADER);
        if (ex instanceof ResponseStatusException status) {
            HttpStatusCode code = status.getStatusCode();
            exchange.getResponse().getHeaders().addAll(status.getHeaders());
            String detail = (status.getReason() != null) ? status.getReason() : code.toString();
            if (status.getCause() != null && status.getCause().getMessage() != null && code.is4xxClientError()) {
                detail = detail + ": " + status.getCause().getMessage();
            }
            HttpStatus known = HttpStatus.resolve(code.value());
            return Problems.write(exchange, code, (known != null) ? known.getReasonPhrase() : code.toString(), detail);
        }
        if (causedBy(ex, UnknownHostException.class)) {
            RequestIdWebFilter.log(exchange, () -> logger.warn("Upstream name not resolved: {}", ex.getMessage()));
            return Problems.write(exchange, HttpStatus.BAD_GATEWAY, "Bad Gateway",
                    "The upstream server's name could not be resolved");
        }
        if (causedBy(ex, ConnectException.class)) {
            RequestIdWebFilter.log(exchange, () -> logger.warn("Upstream connection failed: {}", ex.getMessage()));
            return Problems.write(exchange, HttpStatus.BAD_GATEWAY, "Bad Gateway",
                    "The upstream server could not be reached");
        }
        // Reactor Netty's response timeout raises Netty's ReadTimeoutException, no java.util.concurrent one.
        if (causedBy(ex, TimeoutException.class) || causedBy(ex, ReadTimeoutException.class)) {
            RequestIdWebFilter.log(exchange, () -> logger.warn("Upstream timed out: {}", ex.getMessage()));
            return Problems.write(exchange, HttpStatus.GATEWAY_TIMEOUT, "Gateway Timeout",
                    "The upstream server did not answer in time");
        }
        RequestIdWebFilter.log(exchange,
                () -> logger.error("Unexpected error on {}", exchange.getRequest().getPath(), ex));
        return Problems.write(exchange, HttpStatus.INTERNAL_SERVER_ERROR, "Internal Server Error",
                "The gateway failed to handle the request; see its log for the request id");
    }

    static boolean causedBy(Throwable ex, Class<? extends Throwable> type) {
        for (Throwable current = ex; current != null; current = current.getCause()) {
            if (type.isInstance(current)) {
                return true;
            }
            if (current.getCause() == current) {
                break;
            }
        }
        return false;
    }

}
