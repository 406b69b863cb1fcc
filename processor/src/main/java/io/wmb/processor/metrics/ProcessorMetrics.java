package io.wmb.processor.metrics;

import java.util.EnumMap;
import java.util.Map;

import io.micrometer.core.instrument.Counter;
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

    /** Counts a write finished by recovery after an interruption. */
    public void writeRecovered() {
        recoveredWrites.increment();
    }

}
