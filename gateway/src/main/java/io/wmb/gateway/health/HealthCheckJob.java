package io.wmb.gateway.health;

import java.time.Duration;

import io.wmb.gateway.routing.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.context.SmartLifecycle;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Checks every target's health path in rounds, all targets of a round at once, and feeds the results to
 * the {@link HealthRegistry}. A check that does not answer 2xx within the timeout is a failure.
 */
public class HealthCheckJob implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(HealthCheckJob.class);

    private final HealthRegistry registry;

    private final WebClient client;

    private final String path;

    private final Duration interval;

    private final Duration timeout;

    private volatile Disposable running;

    public HealthCheckJob(HealthRegistry registry, WebClient client, String path, Duration interval,
            Duration timeout) {
        this.registry = registry;
        this.client = client;
        this.path = path;
        this.interval = interval;
        this.timeout = timeout;
    }

    @Override
    public void start() {
        logger.info("Checking {} every {} at {}", this.registry.targets().stream().map(Target::uri).toList(),
                this.interval, this.path);
        this.running = Flux.interval(Duration.ZERO, this.interval)
            .onBackpressureDrop()
            .concatMap((tick) -> checkAll(), 1)
            .subscribe();
    }

    /** One round: every target once, in parallel. */
    Mono<Void> checkAll() {
        return Flux.fromIterable(this.registry.targets()).flatMap(this::check).then();
    }

    private Mono<Void> check(Target target) {
        // The client's own connect and response timeouts end a slow check; the outer timeout is only a
        // backstop, because cancelling a response that already arrived leaks a warning from reactor-netty.
        return this.client.get()
            .uri(target.uri().resolve(this.path))
            .exchangeToMono((response) -> response.releaseBody().thenReturn(response.statusCode()))
            .timeout(this.timeout.multipliedBy(3))
            .doOnNext((status) -> {
                if (status.is2xxSuccessful()) {
                    this.registry.success(target);
                }
                else {
                    this.registry.failure(target, "health answered " + status.value());
                }
            })
            .onErrorResume((ex) -> {
                this.registry.failure(target, describe(ex));
                return Mono.empty();
            })
            .then();
    }

    private static String describe(Throwable ex) {
        String message = ex.getMessage();
        return ex.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
    }

    @Override
    public void stop() {
        Disposable current = this.running;
        if (current != null) {
            current.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        Disposable current = this.running;
        return current != null && !current.isDisposed();
    }

}
