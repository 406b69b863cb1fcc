package io.wmb.collector.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.collector.apply.BatchApplier;
import io.wmb.collector.apply.InvalidBatchException;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector's end of the message-queue transport: consumes this datacenter's inbound topic (the peer's writes,
 * put there by the peer's bridge) and applies them through the same {@link BatchApplier} as the gRPC stream:
 * de-duplicated by requestId, newer version wins, recorded as {@code COLLECTED}, never handed to reship.
 *
 * <p>Offsets are committed only after the apply, and only up to the first write the processor could not apply;
 * the consumer then seeks back to it and tries again after a backoff, so nothing is skipped and each partition (each
 * post) is applied in order. A record redelivered after a crash is a duplicate the applier recognises.
 *
 * <p>One thread does everything (a Kafka consumer is not thread-safe).
 */
public final class InboundConsumer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InboundConsumer.class);

    private final Consumer<Long, byte[]> consumer;

    private final BatchApplier applier;

    private final String topic;

    private final Duration initialBackoff;

    private final Duration maxBackoff;

    private final Clock clock;

    private final Thread thread;

    private final Counter malformed;

    private Duration nextBackoff;

    private volatile boolean closed;

    /** When a batch was last applied and committed (epoch millis, 0 = never); read by the health endpoint. */
    private volatile long lastAppliedMillis;

    /** Whether the last batch failed to apply; read by the health endpoint. */
    private volatile boolean failing;

    /**
     * Creates the consumer; {@link #start()} starts it.
     * @param consumer a consumer of this datacenter's broker (no auto-commit); owned by this class
     * @param applier applies the writes
     * @param topic the inbound topic ({@code wmb-inbound-<peer>})
     * @param initialBackoff the first wait after a batch that could not be applied
     * @param maxBackoff the longest wait
     * @param meterRegistry where malformed records are counted
     * @param clock the time of the health details
     */
    public InboundConsumer(Consumer<Long, byte[]> consumer, BatchApplier applier, String topic,
            Duration initialBackoff, Duration maxBackoff, MeterRegistry meterRegistry, Clock clock) {
        if (maxBackoff.compareTo(initialBackoff) < 0 || initialBackoff.isZero() || initialBackoff.isNegative()) {
            throw new IllegalArgumentException("backoff must be positive and at most " + maxBackoff + ", but was "
                    + initialBackoff);
        }
        this.consumer = consumer;
        this.applier = applier;
        this.topic = topic;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.nextBackoff = initialBackoff;
        this.clock = clock;
        this.thread = new Thread(this::run, "collector-kafka-consumer");
        this.thread.setDaemon(true);
        this.malformed = Counter.builder("wmb.collector.kafka.malformed")
            .description("Records of the inbound topic that were not a valid write of the peer, skipped")
            .register(meterRegistry);
    }

    /** Starts consuming from the last committed offset (the beginning, the first time). */
    public void start() {
        this.thread.start();
    }

    private void run() {
        try {
            this.consumer.subscribe(List.of(this.topic));
            while (!this.closed) {
                try {
                    ConsumerRecords<Long, byte[]> records = this.consumer.poll(Duration.ofMillis(500));
                    boolean allApplied = true;
                    for (TopicPartition partition : records.partitions()) {
                        allApplied &= applyPartition(partition, records.records(partition));
                    }
                    if (allApplied) {
                        this.failing = false;
                        this.nextBackoff = this.initialBackoff;
                    }
                    else {
                        this.failing = true;
                        Thread.sleep(backoff().toMillis());
                    }
                }
                catch (WakeupException ex) {
                    // close() woke the consumer up: the loop ends.
                }
                catch (RuntimeException ex) {
                    // The thread must survive (a failed poll or commit): what is not committed comes again.
                    log.error("Consuming {} failed unexpectedly", this.topic, ex);
                    Thread.sleep(backoff().toMillis());
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            // close() interrupted this thread to end a backoff: clear the flag, or the consumer refuses to close.
            Thread.interrupted();
            this.consumer.close(Duration.ofSeconds(5));
        }
    }

    /**
     * Applies one partition's records in order and commits what was applied.
     * @return whether all of them were applied (or skipped as malformed)
     */
    private boolean applyPartition(TopicPartition partition, List<ConsumerRecord<Long, byte[]>> records) {
        List<PostWrite> writes = new ArrayList<>(records.size());
        List<Long> offsets = new ArrayList<>(records.size());
        for (ConsumerRecord<Long, byte[]> record : records) {
            try {
                writes.add(PostWrite.parseFrom(record.value()));
                offsets.add(record.offset());
            }
            catch (InvalidProtocolBufferException ex) {
                this.malformed.increment();
                log.error("Skipped record at offset {} of {}: not a write ({})", record.offset(), partition,
                        ex.getMessage());
            }
        }
        long next = records.get(records.size() - 1).offset() + 1;
        int failedAt = apply(writes, records.get(0).offset());
        if (failedAt >= 0) {
            next = offsets.get(failedAt);
            // Everything from the first failure on is consumed again; what was applied after it is then a duplicate.
            this.consumer.seek(partition, next);
        }
        if (next > records.get(0).offset()) {
            this.consumer.commitSync(Map.of(partition, new OffsetAndMetadata(next)));
            this.lastAppliedMillis = this.clock.millis();
        }
        return failedAt < 0;
    }

    /** Applies writes; returns the index of the first the processor could not apply, or -1. */
    private int apply(List<PostWrite> writes, long firstOffset) {
        if (writes.isEmpty()) {
            return -1;
        }
        BatchAck ack;
        try {
            ack = this.applier.apply(WriteBatch.newBuilder().setBatchId(firstOffset).addAllWrites(writes).build());
        }
        catch (InvalidBatchException ex) {
            // One bad write must not hold the queue up: apply them one by one and skip the bad ones.
            return applyOneByOne(writes, firstOffset);
        }
        for (int i = 0; i < ack.getResultsCount(); i++) {
            if (ack.getResults(i).getOutcome() == ApplyOutcome.APPLY_OUTCOME_FAILED) {
                return i;
            }
        }
        return -1;
    }

    private int applyOneByOne(List<PostWrite> writes, long firstOffset) {
        for (int i = 0; i < writes.size(); i++) {
            try {
                BatchAck ack = this.applier.apply(WriteBatch.newBuilder().setBatchId(firstOffset + i)
                    .addWrites(writes.get(i)).build());
                if (ack.getResults(0).getOutcome() == ApplyOutcome.APPLY_OUTCOME_FAILED) {
                    return i;
                }
            }
            catch (InvalidBatchException ex) {
                this.malformed.increment();
                log.error("Skipped a write of {}: {}", this.topic, ex.getMessage());
            }
        }
        return -1;
    }

    private Duration backoff() {
        Duration current = this.nextBackoff;
        this.nextBackoff = current.multipliedBy(2).compareTo(this.maxBackoff) > 0 ? this.maxBackoff
                : current.multipliedBy(2);
        return current;
    }

    /**
     * When a batch was last applied.
     * @return epoch milliseconds, 0 if never since start
     */
    public long lastAppliedAtMillis() {
        return this.lastAppliedMillis;
    }

    /**
     * Whether the last batch could not be applied (the local processor is down, for example).
     * @return true while batches fail
     */
    public boolean isFailing() {
        return this.failing;
    }

    /** Stops consuming; what is not committed is consumed again at the next start. */
    @Override
    public void close() {
        this.closed = true;
        this.consumer.wakeup();
        this.thread.interrupt();
        try {
            this.thread.join(10_000);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

}
