package io.wmb.reship.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Runs the reship's gRPC server with the Spring context: started once every bean is ready, stopped
 * (gracefully, then forcibly) before the beans it calls are destroyed.
 */
public final class GrpcServerLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GrpcServerLifecycle.class);

    private final Server server;

    private volatile boolean running;

    GrpcServerLifecycle(NettyServerBuilder builder) {
        this.server = builder.build();
    }

    static NettyServerBuilder builder(String address, int port) {
        return NettyServerBuilder.forAddress(new InetSocketAddress(address, port));
    }

    @Override
    public void start() {
        try {
            this.server.start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("cannot start the gRPC server", ex);
        }
        this.running = true;
        log.info("gRPC server listening on port {}", this.server.getPort());
    }

    @Override
    public void stop() {
        this.server.shutdown();
        try {
            if (!this.server.awaitTermination(5, TimeUnit.SECONDS)) {
                this.server.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            this.server.shutdownNow();
        }
        this.running = false;
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    /**
     * The port the server listens on, useful when it was configured as {@code 0}.
     * @return the port
     */
    public int getPort() {
        return this.server.getPort();
    }

}
