package io.wmb.processor.reship;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;

import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ReshipClientTests {

    private Server server;

    private ManagedChannel channel;

    private ReshipClient client;

    private final List<WriteBatch> received = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void startReship(Function<WriteBatch, BatchAck> answer, Duration deadline) throws IOException {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new ReshipGrpc.ReshipImplBase() {
            @Override
            public void submit(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
                received.add(request);
                try {
                    responseObserver.onNext(answer.apply(request));
                    responseObserver.onCompleted();
                }
                catch (RuntimeException ex) {
                    responseObserver.onError(Status.UNAVAILABLE.withDescription(ex.getMessage()).asRuntimeException());
                }
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        client = new ReshipClient(channel, deadline, 50, 1);
    }

    private static BatchAck allOk(WriteBatch batch) {
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(batch.getBatchId());
        for (PostWrite write : batch.getWritesList()) {
            ack.addResults(WriteResult.newBuilder().setRequestId(write.getRequestId())
                .setOutcome(ApplyOutcome.APPLY_OUTCOME_OK));
        }
        return ack.build();
    }

    private static PostWrite write(int n) {
        return PostWrite.newBuilder().setRequestId("r-" + n).setPostId(n).setVersion(n).build();
    }

    @Test
    void shouldSubmitOneWriteAndWaitForTheAcknowledgement() throws IOException {
        startReship(ReshipClientTests::allOk, Duration.ofSeconds(2));
        client.await(client.submit(write(1)));
        assertThat(received).hasSize(1);
        assertThat(received.get(0).getWrites(0).getRequestId()).isEqualTo("r-1");
    }

    @Test
    void shouldGroupWritesArrivingWhileACallIsUnderWay() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        startReship(batch -> {
            if (batch.getBatchId() == 1) {
                try {
                    release.await(5, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            return allOk(batch);
        }, Duration.ofSeconds(5));
        // The server blocks the first call (direct executor), so the next writes queue up behind it.
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> client.await(client.submit(write(0))));
        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 1);
        List<CompletableFuture<Void>> rest = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            rest.add(client.submit(write(i)));
        }
        release.countDown();
        first.get(5, TimeUnit.SECONDS);
        CompletableFuture.allOf(rest.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
        assertThat(received).hasSize(2);
        assertThat(received.get(1).getWritesCount()).isEqualTo(10);
    }

    @Test
    void shouldFailWhenReshipIsUnavailable() throws IOException {
        startReship(batch -> {
            throw new IllegalStateException("disk full");
        }, Duration.ofSeconds(2));
        assertThatThrownBy(() -> client.await(client.submit(write(1)))).isInstanceOf(ReshipException.class)
            .hasMessageContaining("UNAVAILABLE")
            .hasMessageContaining("disk full");
    }

    @Test
    void shouldFailWhenReshipRefusesTheWrite() throws IOException {
        startReship(batch -> BatchAck.newBuilder().setBatchId(batch.getBatchId())
            .addResults(WriteResult.newBuilder().setOutcome(ApplyOutcome.APPLY_OUTCOME_FAILED).setDetail("no room"))
            .build(), Duration.ofSeconds(2));
        assertThatThrownBy(() -> client.await(client.submit(write(1)))).isInstanceOf(ReshipException.class)
            .hasMessageContaining("no room");
    }

    @Test
    void shouldFailWhenNoReshipListens() {
        channel = InProcessChannelBuilder.forName("nobody-" + System.nanoTime()).build();
        client = new ReshipClient(channel, Duration.ofMillis(500), 10, 1);
        assertThatThrownBy(() -> client.await(client.submit(write(1)))).isInstanceOf(ReshipException.class);
    }

    @Test
    void shouldRejectBadSettings() {
        channel = InProcessChannelBuilder.forName("unused").build();
        assertThatThrownBy(() -> new ReshipClient(channel, Duration.ofSeconds(1), 0, 1))
            .hasMessage("maxBatch must be between 1 and 10000, but was 0");
    }

}
