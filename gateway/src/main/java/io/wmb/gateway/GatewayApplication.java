package io.wmb.gateway;

import io.netty.channel.socket.SocketChannel;
import io.wmb.gateway.config.GatewayRole;
import io.wmb.secretsguard.SecretsGuard;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.aot.AotDetector;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Entry point of the gateway.
 */
@SpringBootApplication
public class GatewayApplication {

    /** Environment variable with the number of Reactor Netty event loops; unset keeps Reactor Netty's default. */
    static final String IO_WORKERS_ENV = "WMB_GATEWAY_IO_WORKERS";

    /** The system property Reactor Netty sizes its event loops from, once, when its classes load. */
    static final String IO_WORKERS_PROPERTY = "reactor.netty.ioWorkerCount";

    /** Environment variable that turns io_uring off ({@code false}): the event loops then run on epoll. */
    static final String IO_URING_ENV = "WMB_GATEWAY_IO_URING";

    private static final Logger log = LoggerFactory.getLogger(GatewayApplication.class);

    public static void main(String[] args) {
        start(AotDetector.useGeneratedArtifacts() && role(args) == GatewayRole.DATACENTER
                ? DatacenterGatewayApplication.class : GatewayApplication.class, args);
    }

    /**
     * Starts the gateway.
     * @param mainClass whose generated bean definitions a start ahead of time ({@code -Dspring.aot.enabled=true})
     *     uses: {@code <mainClass>__ApplicationContextInitializer}, one per role (see
     *     {@link DatacenterGatewayApplication})
     * @param args the command line
     */
    static void start(Class<?> mainClass, String[] args) {
        applyIoWorkers(System.getenv(IO_WORKERS_ENV));
        applyIoUring(System.getenv(IO_URING_ENV));
        SpringApplication application = new SpringApplication(GatewayApplication.class);
        application.setMainApplicationClass(mainClass);
        SecretsGuard.protect(application).run(args);
        log.info("Proxying on {} event loop(s) of {}", LoopResources.DEFAULT_IO_WORKER_COUNT, transport());
    }

    /**
     * The role as the command line, system properties and environment give it ({@code WMB_GATEWAY_ROLE}), read
     * before the application starts, to choose its ahead-of-time bean definitions. A role set only in a config
     * file is not seen here; the configuration then refuses the mismatched start ({@code GatewayConfiguration}).
     */
    static GatewayRole role(String[] args) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        // Bound as GatewayProperties binds it (relaxed names and enum values), not parsed by hand.
        return Binder.get(environment).bind("wmb.gateway.role", GatewayRole.class).orElse(GatewayRole.EDGE);
    }

    /**
     * Sizes Reactor Netty's event loops (server and proxy client share them) before anything loads Reactor Netty,
     * unless the system property is set already. Its default, one per core and at least four, suits a machine of
     * its own; where a dozen services share two cores (the local demo), one loop spent 12-15% less CPU per proxied
     * request than four, at the same throughput.
     * @param workers how many event loops, or {@code null} or blank for Reactor Netty's default
     * @throws IllegalArgumentException if {@code workers} is not a positive number
     */
    static void applyIoWorkers(String workers) {
        if (workers == null || workers.isBlank() || System.getProperty(IO_WORKERS_PROPERTY) != null) {
            return;
        }
        int count;
        try {
            count = Integer.parseInt(workers.trim());
        }
        catch (NumberFormatException ex) {
            count = 0;
        }
        if (count < 1) {
            throw new IllegalArgumentException(IO_WORKERS_ENV + " must be a positive number, not '" + workers + "'");
        }
        System.setProperty(IO_WORKERS_PROPERTY, Integer.toString(count));
    }

    /**
     * Keeps Reactor Netty off io_uring if told so. Left alone, Reactor Netty runs its event loops on io_uring
     * wherever the kernel offers it (Linux 5.9 or later, Netty's minimum, not disabled by
     * {@code kernel.io_uring_disabled} or a seccomp profile such as Docker's default) and on epoll otherwise. On the
     * local demo, side by side, io_uring proxied reads through the edge and a gateway 33% faster with 28% less of
     * their CPU per read, and writes at the same rate. The switch is there for kernels where io_uring misbehaves,
     * and to measure one against the other.
     * @param enabled {@code false} for epoll; {@code null}, blank or {@code true} for Reactor Netty's choice
     * @throws IllegalArgumentException for any other value
     */
    static void applyIoUring(String enabled) {
        if (enabled == null || enabled.isBlank() || enabled.trim().equalsIgnoreCase("true")) {
            return;
        }
        if (!enabled.trim().equalsIgnoreCase("false")) {
            throw new IllegalArgumentException(IO_URING_ENV + " must be true or false, not '" + enabled + "'");
        }
        // Before Spring Boot starts: its server and the proxy's client take the global resources set here.
        HttpResources.set(new EpollLoopResources(LoopResources.DEFAULT_IO_WORKER_COUNT));
    }

    /** The transport Reactor Netty's global event loops run on: io_uring, epoll or nio. */
    static String transport() {
        LoopResources loops = HttpResources.get();
        String channel = loops.onChannelClass(SocketChannel.class, loops.onServer(true)).getSimpleName();
        if (channel.startsWith("IoUring")) {
            return "io_uring";
        }
        return channel.startsWith("Epoll") ? "epoll" : "nio";
    }

}
