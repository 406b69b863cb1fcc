package io.wmb.gateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Reactor Netty's event loops on epoll, for a gateway told not to use io_uring ({@code WMB_GATEWAY_IO_URING=false}).
 * Reactor Netty takes io_uring whenever the kernel offers it and has no switch of its own to prefer epoll; its
 * channels follow the group they are registered with, so a group of epoll loops is all it takes.
 */
final class EpollLoopResources implements LoopResources {

    private final EventLoopGroup loops;

    /**
     * Starts the loops.
     * @param workers how many event loops (the server and the proxy client share them)
     * @throws IllegalStateException where epoll is not available (not Linux, or its native library did not load)
     */
    EpollLoopResources(int workers) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("WMB_GATEWAY_IO_URING=false asks for epoll, which this system does not "
                    + "offer (" + Epoll.unavailabilityCause() + "); unset it to let Reactor Netty choose");
        }
        this.loops = new MultiThreadIoEventLoopGroup(workers, new DefaultThreadFactory("reactor-http-epoll", true),
                EpollIoHandler.newFactory());
    }

    @Override
    public EventLoopGroup onServer(boolean useNative) {
        return this.loops;
    }

    @Override
    public boolean daemon() {
        return true;
    }

    @Override
    public boolean isDisposed() {
        return this.loops.isShutdown();
    }

    @Override
    public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
        return Mono.create((sink) -> this.loops
            .shutdownGracefully(quietPeriod.toMillis(), timeout.toMillis(), TimeUnit.MILLISECONDS)
            .addListener((done) -> sink.success()));
    }

}
