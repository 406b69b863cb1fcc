package io.wmb.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class WholeResponseFilterTests {

    private final WholeResponseFilter filter = new WholeResponseFilter();

    /** What the server's response was given to write: whether one whole buffer, and its text. */
    private final List<Publisher<? extends DataBuffer>> written = new ArrayList<>();

    @Test
    void shouldHandOnAStreamedAnswerOfKnownSmallLengthAsOneBuffer() {
        String body = writeThroughFilter(Flux.just("{\"id\": 1, ", "\"content\": \"hi\"}"), 31);

        assertThat(this.written).singleElement().isInstanceOf(Mono.class);
        assertThat(body).isEqualTo("{\"id\": 1, \"content\": \"hi\"}");
    }

    @Test
    void shouldStreamAnAnswerWithoutLength() {
        String body = writeThroughFilter(Flux.just("data: 1\n\n", "data: 2\n\n"), -1);

        assertThat(this.written).singleElement().isNotInstanceOf(Mono.class);
        assertThat(body).isEqualTo("data: 1\n\ndata: 2\n\n");
    }

    @Test
    void shouldPassOnAnEmptyAnswerAsBefore() {
        writeThroughFilter(Flux.empty(), 0);

        assertThat(this.written).singleElement().isNotInstanceOf(Mono.class);
    }

    @Test
    void shouldStreamAnAnswerTooLargeToHoldWhole() {
        writeThroughFilter(Flux.just("x"), WholeResponseFilter.MAX_JOINED_BYTES + 1L);

        assertThat(this.written).singleElement().isNotInstanceOf(Mono.class);
    }

    @Test
    void shouldRunJustBeforeTheFilterThatWritesTheUpstreamsAnswer() {
        assertThat(this.filter.getOrder()).isEqualTo(NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1);
    }

    /** Runs the filter with a chain that writes the chunks as Spring Cloud Gateway does (a stream). */
    private String writeThroughFilter(Flux<String> chunks, long contentLength) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/posts/1"));
        // Records what reaches the server's response, then lets the mock response collect it.
        ServerWebExchange recording = exchange.mutate().response(new ServerHttpResponseDecorator(exchange.getResponse()) {
            @Override
            public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
                WholeResponseFilterTests.this.written.add(body);
                return super.writeWith(body);
            }
        }).build();
        if (contentLength >= 0) {
            recording.getResponse().getHeaders().setContentLength(contentLength);
        }
        DefaultDataBufferFactory buffers = DefaultDataBufferFactory.sharedInstance;
        this.filter.filter(recording, (filtered) -> filtered.getResponse()
            .writeWith(chunks.map((chunk) -> buffers.wrap(chunk.getBytes(StandardCharsets.UTF_8)))))
            .block();
        return exchange.getResponse().getBodyAsString().block();
    }

}
