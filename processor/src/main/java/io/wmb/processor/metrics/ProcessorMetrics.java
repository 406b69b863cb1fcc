package io.wmb.processor.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.wmb.processinglog.Outcome;
import io.wmb.processor.post.WriteKind;

import org.springframework.stereotype.Component;

/**
 * The processor's meters, created once so that the request path only looks them up in arrays.
 */
@Component("wmbProcessorMetrics")
public class ProcessorMetrics {

    private final Map<WriteKind, Map<Outcome, Timer>> writes = new EnumMap<>(WriteKind.class);

    private final Map<Outcome, Counter> applies = new EnumMap<>(Outcome.class);

    private final Timer redisTimer;

    private final Timer mysqlTimer;

    private final Counter reshipFailures;

    private final Counter recoveredWrites;

    private final Counter cacheUnpinned;

    private final AtomicLong cacheUnconfirmed = new AtomicLong();

    public ProcessorMetrics(MeterRegistry registry) {
        for (WriteKind kind : WriteKind.values()) {
            Map<Outcome, Timer> byOutcome = new EnumMap<>(Outcome.class);
            for (Outcome outcome : Outcome.values()) {
                byOutcome.put(outcome, Timer.builder("wmb.processor.writes")
                    .description("Local writes taken through the REST API")
                    .tag("kind", kind.name())
                    .tag("outcome", outcome.name())
                    .publishPercentileHistogram()
                    .register(registry));
            }
            writes.put(kind, byOutcome);
        }
        for (Outcome outcome : Outcome.values()) {
            applies.put(outcome, Counter.builder("wmb.processor.applies")
                .description("Writes applied through gRPC Apply, by outcome")
                .tag("outcome", outcome.name())
                .register(registry));
        }
        redisTimer = Timer.builder("wmb.processor.redis")
            .description("Latency of Redis commands")
            .publishPercentileHistogram()
            .register(registry);
        mysqlTimer = Timer.builder("wmb.processor.mysql")
            .description("Latency of MySQL statements")
            .publishPercentileHistogram()
            .register(registry);
        reshipFailures = Counter.builder("wmb.processor.reship.failures")
            .description("Local writes that could not be handed to reship")
            .register(registry);
        recoveredWrites = Counter.builder("wmb.processor.writes.recovered")
            .description("Local writes finished after their processor stopped part-way (write intents)")
            .register(registry);
        cacheUnpinned = Counter.builder("wmb.processor.cache.unpinned")
            .description("Cached posts unpinned once the local database held their writes")
            .register(registry);
        Gauge.builder("wmb.processor.cache.unconfirmed", cacheUnconfirmed, AtomicLong::get)
            .description("Cached posts pinned (not evictable) until the local database holds their writes")
            .register(registry);
    }

    /** The timer of local writes of one kind and outcome. */
    public Timer write(WriteKind kind, Outcome outcome) {
        return writes.get(kind).get(outcome);
    }

    /** Counts one applied remote write. */
    public void applied(Outcome outcome) {
        applies.get(outcome).increment();
    }

    /** Latency of Redis commands. */
    public Timer redis() {
        return redisTimer;
    }

    /** Latency of MySQL statements. */
    public Timer mysql() {
        return mysqlTimer;
    }

    /** Counts a write that reship did not take. */
    public void reshipFailed() {
        reshipFailures.increment();
    }

    /** Counts cached posts unpinned. */
    public void cacheUnpinned(int posts) {
        cacheUnpinned.increment(posts);
    }

    /** Sets how many cached posts are pinned, as last counted. */
    public void cacheUnconfirmed(long posts) {
        cacheUnconfirmed.set(posts);
    }

    /** Counts a write finished by recovery after an interruption. */
    public void writeRecovered() {
        recoveredWrites.increment();
    }

}
