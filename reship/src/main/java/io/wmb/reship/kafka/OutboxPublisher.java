package io.wmb.reship.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wmb.proto.v1.PostWrite;
import io.wmb.reship.config.ReshipProperties;
import io.wmb.reship.forward.ExponentialBackoff;
import io.wmb.reship.outbox.Outbox;
import io.wmb.reship.outbox.OutboxEntry;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox to this datacenter's Kafka topic (the first hop of the message-queue transport).
 *
 * <p>The outbox stays the durable intake: a write leaves it only once the broker acknowledged it ({@code acks=all},
 * idempotent producer), so a broker that is down or slow costs latency, never a write. Records are keyed by post
 * id, so one post's writes stay in one partition, in order. A round that fails is sent again, whole, from the
 * oldest write still in the outbox after a backoff; the copies it may leave in the topic are duplicates that the
 * peer's collector drops by requestId.
 *
 * <p>One thread does everything; the outbox wakes it after each group commit.
 */
public final class OutboxPublisher implements AutoCloseable {

    /** Header carrying the write's requestId, so that a record can be traced without decoding it. */
    public static final String REQUEST_ID_HEADER = "wmb-request-id";

    private static final Logger log = LoggerFactory.getLogger(OutboxPublisher.class);

    private final Outbox outbox;

    private final Producer<Long, byte[]> producer;

    private final String topic;

    private final int batchSize;

    private final Duration deliveryTimeout;

    private final Clock clock;

    private final ExponentialBackoff backoff;

    private final Semaphore wakeUp = new Semaphore(0);

    private final Thread thread;

    private final Counter published;

    private final Counter failedRounds;

    private final Timer publishLatency;

    private volatile boolean closed;

    /** When the broker last acknowledged a round (epoch millis, 0 = never); read by the health endpoint. */
    private volatile long lastPublishedMillis;

    /**
     * Creates the publisher; {@link #start()} starts it.
     * @param outbox the outbox to drain
     * @param producer the producer to this datacenter's broker; owned (closed) by this publisher
     * @param datacenter this datacenter's name, which names the topic
     * @param settings batch size, timeouts and backoff
     * @param meterRegistry where rates and latencies are measured
     * @param clock the time of the health details
     */
    public OutboxPublisher(Outbox outbox, Producer<Long, byte[]> producer, String datacenter,
            ReshipProperties.Kafka settings, MeterRegistry meterRegistry, Clock clock) {
        this.outbox = outbox;
        this.producer = producer;
        this.topic = KafkaTopics.outbound(datacenter);
        this.batchSize = settings.batchSize();
        this.deliveryTimeout = settings.deliveryTimeout();
        this.clock = clock;
        this.backoff = new ExponentialBackoff(settings.initialBackoff(), settings.maxBackoff());
        this.thread = new Thread(this::run, "reship-kafka-publisher");
        this.thread.setDaemon(true);
        this.published = Counter.builder("wmb.reship.kafka.published")
            .description("Writes this datacenter's broker acknowledged (then deleted from the outbox)")
            .register(meterRegistry);
        this.failedRounds = Counter.builder("wmb.reship.kafka.publish.failures")
            .description("Rounds of publishing to this datacenter's broker that failed and were sent again")
            .register(meterRegistry);
        this.publishLatency = Timer.builder("wmb.reship.kafka.publish.latency")
            .description("From sending a round of writes to this datacenter's broker to its acknowledgement")
            .publishPercentileHistogram()
            .register(meterRegistry);
    }

    /** Starts publishing what the outbox holds and receives from now on. */
    public void start() {
        this.outbox.onAppend(() -> {
            if (this.wakeUp.availablePermits() == 0) {
                this.wakeUp.release();
            }
        });
        this.thread.start();
    }

    private void run() {
        while (!this.closed) {
            try {
                List<OutboxEntry> entries = this.outbox.readAfter(-1, this.batchSize);
                if (entries.isEmpty()) {
                    // Woken by the next group commit; the timeout only guards against a lost wake-up.
                    this.wakeUp.tryAcquire(1, TimeUnit.SECONDS);
                    this.wakeUp.drainPermits();
                    continue;
                }
                if (publish(entries)) {
                    this.backoff.reset();
                }
                else {
                    this.failedRounds.increment();
                    Duration delay = this.backoff.next();
                    log.warn("Publishing {} writes to {} failed; {} writes wait in the outbox, again in {} ms",
                            entries.size(), this.topic, this.outbox.depth(), delay.toMillis());
                    Thread.sleep(delay.toMillis());
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
            catch (RuntimeException ex) {
                // The thread must survive: a dead publisher would leave every later write in the outbox.
                log.error("Publishing to {} failed unexpectedly", this.topic, ex);
                sleepQuietly(this.backoff.next());
            }
        }
    }

    /** Sends one round and waits for the broker; deletes it from the outbox only when all of it was acknowledged. */
    private boolean publish(List<OutboxEntry> entries) throws InterruptedException {
        long started = System.nanoTime();
        List<Future<RecordMetadata>> acks = new ArrayList<>(entries.size());
        try {
            for (OutboxEntry entry : entries) {
                PostWrite write = entry.write();
                ProducerRecord<Long, byte[]> record = new ProducerRecord<>(this.topic, write.getPostId(),
                        write.toByteArray());
                record.headers().add(REQUEST_ID_HEADER, write.getRequestId().getBytes(StandardCharsets.UTF_8));
                acks.add(this.producer.send(record));
            }
            // The producer fails what it could not deliver within the delivery timeout; this only guards against a hang.
            long deadline = System.nanoTime() + 2 * this.deliveryTimeout.toNanos();
            for (Future<RecordMetadata> ack : acks) {
                ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        }
        catch (InterruptedException ex) {
            throw ex;
        }
        catch (Exception ex) {
            log.debug("Round of {} writes not acknowledged by the broker: {}", entries.size(), ex.toString());
            return false;
        }
        this.publishLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        this.outbox.delete(entries.stream().map(OutboxEntry::sequence).toList());
        this.published.increment(entries.size());
        this.lastPublishedMillis = this.clock.millis();
        return true;
    }

    private static void sleepQuietly(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * When this datacenter's broker last acknowledged a round.
     * @return epoch milliseconds, 0 if never since start
     */
    public long lastPublishedAtMillis() {
        return this.lastPublishedMillis;
    }

    /** Stops publishing; what the broker has not acknowledged stays in the outbox for the next start. */
    @Override
    public void close() {
        this.closed = true;
        this.thread.interrupt();
        try {
            this.thread.join(5_000);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.producer.close(Duration.ofSeconds(5));
    }

}
