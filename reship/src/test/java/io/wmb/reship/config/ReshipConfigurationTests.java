package io.wmb.reship.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

/** The collector channel's readiness, over real gRPC on loopback. */
class ReshipConfigurationTests {

    @Test
    void shouldTellEachTimeTheCollectorChannelBecomesReady() throws IOException, InterruptedException {
        Server collector = serve(0);
        int port = collector.getPort();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
            AtomicInteger ready = new AtomicInteger();
            ReshipConfiguration.whenReady(channel, ready::incrementAndGet);

            channel.getState(true);
            await().atMost(Duration.ofSeconds(5)).until(() -> ready.get() == 1);

            // The connection lost (the collector restarted, or a cut link healed): told again once it is back.
            collector.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            collector = serve(port);
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                channel.getState(true);
                return ready.get() == 2;
            });
        }
        finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            collector.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Server serve(int port) throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).build().start();
    }

}
