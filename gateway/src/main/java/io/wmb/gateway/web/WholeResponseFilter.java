package io.wmb.gateway.web;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.web.server.ServerWebExchange;

/**
 * Passes an upstream's answer on in one write when its length is known and small. Spring Cloud Gateway hands the
 * upstream's body on as a stream, and Reactor Netty sends a streamed body only after the write of the head has
 * completed: each answer left as two TCP segments (two {@code sendto} calls), and the next hop, or the client,
 * woke up twice to read it. Joined into one buffer first, head and body go out in one write. Answers without a
 * {@code Content-Length} (chunked, streams), empty ones, answers to {@code HEAD} and answers above
 * {@value #MAX_JOINED_BYTES} bytes are passed on as before.
 */
public class WholeResponseFilter implements GlobalFilter, Ordered {

    /** Larger answers are streamed: joining them would hold them whole in memory. */
    static final int MAX_JOINED_BYTES = 64 * 1024;

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (HttpMethod.HEAD.equals(exchange.getRequest().getMethod())) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange.mutate().response(new WholeResponse(exchange.getResponse())).build());
    }

    /** Just before {@link NettyWriteResponseFilter}, so that the response it writes to is this one's. */
    @Override
    public int getOrder() {
        return NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;
    }

    private static final class WholeResponse extends ServerHttpResponseDecorator {

        WholeResponse(ServerHttpResponse delegate) {
            super(delegate);
        }

        @Override
        public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            long length = getHeaders().getContentLength();
            if (body instanceof Mono || length <= 0 || length > MAX_JOINED_BYTES) {
                return super.writeWith(body);
            }
            return super.writeWith(DataBufferUtils.join(body, MAX_JOINED_BYTES));
        }

    }

}
