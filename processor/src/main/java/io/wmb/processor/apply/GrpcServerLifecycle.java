package io.wmb.processor.apply;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the processor's gRPC server with the application context: started after the stores are ready, stopped
 * gracefully before them.
 */
public class GrpcServerLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GrpcServerLifecycle.class);

    private final int port;

    private final int maxInboundMessageSize;

    private final BindableService service;

    private volatile Server server;

    /**
     * Creates the lifecycle.
     * @param port the port, 0 for a free one
     * @param maxInboundMessageSize the largest message accepted, in bytes
     * @param service the service
     */
    public GrpcServerLifecycle(int port, int maxInboundMessageSize, BindableService service) {
        this.port = port;
        this.maxInboundMessageSize = maxInboundMessageSize;
        this.service = service;
    }

    @Override
    public void start() {
        try {
            server = NettyServerBuilder.forPort(port)
                .maxInboundMessageSize(maxInboundMessageSize)
                .addService(service)
                .build()
                .start();
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start the gRPC server on port " + port, ex);
        }
        log.info("gRPC server listening on port {}", server.getPort());
    }

    @Override
    public void stop() {
        Server running = server;
        if (running == null) {
            return;
        }
        running.shutdown();
        try {
            if (!running.awaitTermination(5, TimeUnit.SECONDS)) {
                running.shutdownNow();
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            running.shutdownNow();
        }
        server = null;
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** The port the server listens on; only while running. */
    public int port() {
        Server running = server;
        if (running == null) {
            throw new IllegalStateException("the gRPC server is not running");
        }
        return running.getPort();
    }

}
