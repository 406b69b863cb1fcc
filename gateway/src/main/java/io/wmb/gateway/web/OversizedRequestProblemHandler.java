package io.wmb.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Answers a request whose header fields or request line are over the server's limit with an
 * {@code application/problem+json} body (431 or 414) instead of Reactor Netty's empty one.
 *
 * <p>Netty's HTTP decoder rejects such a request before Spring sees it, so no {@code WebFilter} or exception
 * handler can answer it: this handler sits in the channel pipeline between the decoder and Reactor Netty's traffic
 * handler, answers the failed request itself and closes the connection (the rest of what the client sends is not
 * HTTP we can trust any more).
 */
@ChannelHandler.Sharable
public final class OversizedRequestProblemHandler extends ChannelInboundHandlerAdapter {

    private static final String NAME = "wmb.oversizedRequestProblem";

    private static final JsonMapper json = JsonMapper.builder().build();

    private final String servedBy;

    /**
     * A handler answering for one gateway.
     * @param servedBy the value of {@code X-WMB-Datacenter} on its answers, e.g. {@code edge} or {@code unicom}
     */
    public OversizedRequestProblemHandler(String servedBy) {
        this.servedBy = servedBy;
    }

    /** A customizer that puts this handler into every HTTP/1.1 connection of the server. */
    public NettyServerCustomizer customizer() {
        return (HttpServer server) -> server.doOnChannelInit((observer, channel, remoteAddress) -> {
            if (channel.pipeline().get(NettyPipeline.HttpTrafficHandler) != null) {
                channel.pipeline().addBefore(NettyPipeline.HttpTrafficHandler, NAME, this);
            }
        });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest request && request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpHeaderException) {
                answer(ctx, msg, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        "The request's header fields are too large for this gateway: " + reason(cause)
                                + ". Send fewer or shorter headers.");
                return;
            }
            if (cause instanceof TooLongHttpLineException) {
                answer(ctx, msg, HttpResponseStatus.REQUEST_URI_TOO_LONG,
                        "The request line is too long for this gateway: " + reason(cause)
                                + ". Send a shorter path and query.");
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** Netty's message ("HTTP header is larger than 8192 bytes.") without its full stop. */
    private static String reason(Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    private void answer(ChannelHandlerContext ctx, Object request, HttpResponseStatus status, String detail) {
        ReferenceCountUtil.release(request);
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", status.reasonPhrase());
        problem.put("status", status.code());
        problem.put("detail", detail);
        byte[] body = json.writeValueAsString(problem).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers()
            .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
            .set(RequestIdWebFilter.DATACENTER_HEADER, this.servedBy);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

}
