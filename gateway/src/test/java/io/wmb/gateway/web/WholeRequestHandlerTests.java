package io.wmb.gateway.web;

import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WholeRequestHandlerTests {

    private static final String BODY = "{\"authorId\": 1, \"content\": \"hi\"}";

    private final EmbeddedChannel channel = new EmbeddedChannel(new HttpClientCodec(), new WholeRequestHandler());

    @AfterEach
    void close() {
        this.channel.finishAndReleaseAll();
    }

    @Test
    void shouldCompleteTheHeadsWriteAtOnceButSendItOnlyWithTheBody() {
        HttpRequest head = post();
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, BODY.length());

        // Reactor Netty writes the body only once the head's write has completed.
        ChannelFuture headWritten = this.channel.writeAndFlush(head);

        assertThat(headWritten.isSuccess()).isTrue();
        assertThat(this.channel.outboundMessages()).isEmpty();

        this.channel.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer(BODY, StandardCharsets.UTF_8)));

        assertThat(sent()).startsWith("POST /api/posts HTTP/1.1\r\n").endsWith("\r\n\r\n" + BODY);
    }

    @Test
    void shouldSendTheHeadAtOnceWhenTheRequestWaitsForContinueBeforeItsBody() {
        HttpRequest head = post();
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, BODY.length());
        head.headers().set(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE);

        this.channel.writeAndFlush(head);

        assertThat(sent()).startsWith("POST /api/posts HTTP/1.1\r\n");
    }

    @Test
    void shouldSendTheBodyWhenItsFlushIsTheFirstAfterTheHead() {
        HttpRequest head = post();
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, BODY.length());

        this.channel.write(head);
        this.channel.writeAndFlush(new DefaultLastHttpContent(Unpooled.copiedBuffer(BODY, StandardCharsets.UTF_8)));

        assertThat(sent()).startsWith("POST /api/posts HTTP/1.1\r\n").endsWith("\r\n\r\n" + BODY);
    }

    @Test
    void shouldSendAChunkedRequestsHeadAtOnce() {
        HttpRequest head = post();
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);

        this.channel.writeAndFlush(head);

        assertThat(sent()).startsWith("POST /api/posts HTTP/1.1\r\n");
    }

    @Test
    void shouldSendARequestWithoutBodyAtOnce() {
        this.channel.writeAndFlush(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/api/posts/1"));

        assertThat(sent()).startsWith("GET /api/posts/1 HTTP/1.1\r\n");
    }

    private static HttpRequest post() {
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/api/posts");
    }

    /** Everything flushed to the socket so far, as text. */
    private String sent() {
        StringBuilder text = new StringBuilder();
        ByteBuf buffer;
        while ((buffer = this.channel.readOutbound()) != null) {
            text.append(buffer.toString(StandardCharsets.UTF_8));
            buffer.release();
        }
        return text.toString();
    }

}
