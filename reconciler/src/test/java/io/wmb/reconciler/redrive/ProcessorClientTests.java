package io.wmb.reconciler.redrive;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.FetchResponse;
import io.wmb.proto.v1.ProcessorGrpc;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client over real gRPC on loopback, against a processor that answers every Fetch with "not found". */
class ProcessorClientTests {

    private Server processor;

    private ManagedChannel channel;

    @AfterEach
    void tearDown() throws InterruptedException {
        if (this.channel != null) {
            this.channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (this.processor != null) {
            this.processor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * A processor restarted after a few seconds away: the channel's reconnect backoff has grown to seconds by then
     * (1 s, times 1.6 per failed attempt), and a client that waited it out would stop the reconciler's next scan.
     */
    @Test
    void shouldReachAProcessorAtOnceWhenItComesBackAfterAnOutage() throws IOException, InterruptedException {
        this.processor = serve(0);
        int port = this.processor.getPort();
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        ProcessorClient client = new ProcessorClient("unicom", this.channel, Duration.ofSeconds(2));
        assertThat(client.fetch(1)).isEmpty();

        this.processor.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        long outageEnds = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < outageEnds) {
            assertThatThrownBy(() -> client.fetch(1)).isInstanceOfSatisfying(RedriveException.class,
                    (ex) -> assertThat(ex.isUnreachable()).isTrue());
            Thread.sleep(500);
        }
        this.processor = serve(port);

        assertThat(client.fetch(1)).isEmpty();
    }

    private static Server serve(int port) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .addService(new ProcessorGrpc.ProcessorImplBase() {
                @Override
                public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
                    observer.onNext(FetchResponse.newBuilder().setFound(false).build());
                    observer.onCompleted();
                }
            })
            .build()
            .start();
    }

}
