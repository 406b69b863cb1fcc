package io.wmb.gateway.web;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import reactor.netty.NettyPipeline;
import reactor.netty.http.client.HttpClient;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;

/**
 * Sends a proxied request's head together with its body. Reactor Netty writes and flushes the head of a request
 * whose body is a stream (every proxied {@code POST}) and writes the body only once that write has completed: each
 * such request left as two TCP segments (two {@code sendto} calls), and the upstream woke up twice to read it (a
 * Tomcat worker blocked on reading the body). This handler, next to the client's HTTP codec, completes the head's
 * write at once while keeping the head in the connection's outbound buffer, so that the body's flush sends both
 * in one write. Only for a head announcing a body of known length: a chunked or empty body is sent as before, and
 * so is a request expecting {@code 100 Continue}, whose body must wait for the upstream's answer to the head.
 * <p>
 * Should the write fail after its promise was completed, the body's write on the same connection fails with it,
 * and Reactor Netty reports that as the request's failure and closes the connection.
 */
public class WholeRequestHandler extends ChannelDuplexHandler {

    private static final String NAME = "wmb.wholeRequest";

    /** A head was written and nothing after it yet: the next flush is the head's own, held back for the body's. */
    private boolean holdingHead;

    /**
     * A customizer that puts this handler into every connection of Spring Cloud Gateway's HTTP client.
     * @return the customizer
     */
    public static HttpClientCustomizer customizer() {
        return (HttpClient client) -> client.doOnChannelInit((observer, channel, remoteAddress) -> {
            if (channel.pipeline().get(NettyPipeline.HttpCodec) != null && channel.pipeline().get(NAME) == null) {
                channel.pipeline().addAfter(NettyPipeline.HttpCodec, NAME, new WholeRequestHandler());
            }
        });
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpRequest request && !(msg instanceof FullHttpRequest) && announcesBody(request)
                && !HttpUtil.is100ContinueExpected(request)) {
            this.holdingHead = true;
            ctx.write(msg);
            promise.trySuccess();
            return;
        }
        if (msg instanceof HttpContent) {
            // Body written: whichever flush comes next sends it, and the head with it.
            this.holdingHead = false;
        }
        ctx.write(msg, promise);
    }

    private static boolean announcesBody(HttpRequest request) {
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        try {
            return length != null && Long.parseLong(length.trim()) > 0;
        }
        catch (NumberFormatException ex) {
            return false;
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (this.holdingHead) {
            // The head's own flush: the body's follows, and sends both.
            this.holdingHead = false;
            return;
        }
        ctx.flush();
    }

}
