package io.wmb.reship.kafka;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.google.protobuf.InvalidProtocolBufferException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.proto.v1.PostWrite;
import io.wmb.reship.config.ReshipProperties;
import io.wmb.reship.forward.ExponentialBackoff;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The forwarder of the message-queue transport: consumes this datacenter's outbound topic and produces every record
 * into the peer datacenter's inbound topic, through the inter-datacenter link.
 *
 * <p>At least once: the consumer's offsets are committed only after the peer's broker acknowledged the records
 * ({@code acks=all}), and then the writes are recorded as {@code RESHIPPED}. A round the peer's broker did not
 * acknowledge (a cut link, a broker down) is consumed again from its first record after a backoff, with a fresh
 * producer; meanwhile the backlog waits in this datacenter's topic, as long as its retention allows. Copies a
 * retried round leaves in the peer's topic are duplicates that the peer's collector drops by requestId, and as the
 * key (the post id) picks the partition, each post's writes keep their order in the peer's topic.
 *
 * <p>One thread does everything (a Kafka consumer is not thread-safe).
 */
public final class PeerBridge implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerBridge.class);

    private final Consumer<Long, byte[]> consumer;

    private final Supplier<Producer<Long, byte[]>> peerProducers;

    private final String sourceTopic;

    private final String targetTopic;

    private final String datacenter;

    private final Duration deliveryTimeout;

    private final ProcessingLog processingLog;

    private final Clock clock;

    private final ExponentialBackoff backoff;

    private final Thread thread;

    private final Counter bridged;

    private final Counter failedRounds;

    private final Timer peerAckLatency;

    private Producer<Long, byte[]> producer;

    private volatile boolean closed;

    /** When the peer's broker last acknowledged a round (epoch millis, 0 = never); read by the health endpoint. */
    private volatile long lastBridgedMillis;

    /** Whether the last round failed; read by the health endpoint. */
    private volatile boolean failing;

    /** Records of this datacenter's topic not yet bridged, as of the last poll; read by the gauge and health. */
    private volatile long backlog;

    /**
     * Creates the bridge; {@link #start()} starts it.
     * @param consumer a consumer of this datacenter's broker (no auto-commit); owned by the bridge
     * @param peerProducers makes producers to the peer's broker; the bridge owns what it makes, and makes a new one
     *     after a failed round
     * @param datacenter this datacenter's name, which names both topics
     * @param settings timeouts and backoff
     * @param processingLog where {@code RESHIPPED} is recorded
     * @param meterRegistry where rates and latencies are measured
     * @param clock the time of processing-log records
     */
    public PeerBridge(Consumer<Long, byte[]> consumer, Supplier<Producer<Long, byte[]>> peerProducers,
            String datacenter, ReshipProperties.Kafka settings, ProcessingLog processingLog,
            MeterRegistry meterRegistry, Clock clock) {
        this.consumer = consumer;
        this.peerProducers = peerProducers;
        this.sourceTopic = KafkaTopics.outbound(datacenter);
        this.targetTopic = KafkaTopics.inbound(datacenter);
        this.datacenter = datacenter;
        this.deliveryTimeout = settings.peerDeliveryTimeout();
        this.processingLog = processingLog;
        this.clock = clock;
        this.backoff = new ExponentialBackoff(settings.initialBackoff(), settings.maxBackoff());
        this.thread = new Thread(this::run, "reship-kafka-bridge");
        this.thread.setDaemon(true);
        this.bridged = Counter.builder("wmb.reship.kafka.bridged")
            .description("Writes the peer's broker acknowledged (then committed and recorded RESHIPPED)")
            .register(meterRegistry);
        this.failedRounds = Counter.builder("wmb.reship.kafka.bridge.failures")
            .description("Rounds the peer's broker did not acknowledge, consumed and sent again")
            .register(meterRegistry);
        this.peerAckLatency = Timer.builder("wmb.reship.kafka.bridge.latency")
            .description("From producing a round into the peer's broker to its acknowledgement")
            .publishPercentileHistogram()
            .register(meterRegistry);
        Gauge.builder("wmb.reship.kafka.bridge.backlog", this, PeerBridge::backlog)
            .description("Writes waiting in this datacenter's topic for the peer's broker (the outbox of this "
                    + "transport while the link is cut), as of the last poll")
            .register(meterRegistry);
    }

    /** Starts bridging from the last committed offset (the beginning, the first time). */
    public void start() {
        this.thread.start();
    }

    private void run() {
        try {
            this.consumer.subscribe(List.of(this.sourceTopic));
            while (!this.closed) {
                try {
                    round();
                }
                catch (WakeupException ex) {
                    // close() woke the consumer up: the loop ends.
                }
                catch (RuntimeException ex) {
                    // The thread must survive (a failed poll or commit): what is not committed comes again.
                    log.error("Bridging to the peer failed unexpectedly", ex);
                    Thread.sleep(this.backoff.next().toMillis());
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            // close() interrupted this thread to end a backoff: clear the flag, or the clients refuse to close.
            Thread.interrupted();
            closeProducer();
            this.consumer.close(Duration.ofSeconds(5));
        }
    }

    private void round() throws InterruptedException {
        ConsumerRecords<Long, byte[]> records = this.consumer.poll(Duration.ofMillis(500));
        long behind = lag();
        if (records.isEmpty()) {
            this.backlog = behind;
            return;
        }
        if (forward(records)) {
            this.backlog = behind;
            this.failing = false;
            this.backoff.reset();
            return;
        }
        // The round's records are not bridged either: they count, until a round with them succeeds.
        this.backlog = behind + records.count();
        this.failing = true;
        this.failedRounds.increment();
        rewind(records);
        Duration delay = this.backoff.next();
        log.warn("The peer's broker did not acknowledge {} writes; they wait in {}, again in {} ms",
                records.count(), this.sourceTopic, delay.toMillis());
        Thread.sleep(delay.toMillis());
    }

    /** Produces one round into the peer's topic; commits and records it when all of it was acknowledged. */
    private boolean forward(ConsumerRecords<Long, byte[]> records) throws InterruptedException {
        long started = System.nanoTime();
        List<Future<RecordMetadata>> acks = new ArrayList<>(records.count());
        try {
            if (this.producer == null) {
                this.producer = this.peerProducers.get();
            }
            for (ConsumerRecord<Long, byte[]> record : records) {
                acks.add(this.producer.send(new ProducerRecord<Long, byte[]>(this.targetTopic, null, null, record.key(),
                        record.value(), record.headers())));
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
            log.debug("Round of {} writes not acknowledged by the peer's broker: {}", records.count(), ex.toString());
            // A producer whose batches expired may be left with a fenced or unknown sequence: start afresh.
            closeProducer();
            return false;
        }
        this.peerAckLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        this.consumer.commitSync(nextOffsets(records));
        this.lastBridgedMillis = this.clock.millis();
        this.bridged.increment(records.count());
        for (ConsumerRecord<Long, byte[]> record : records) {
            recordReshipped(record);
        }
        return true;
    }

    private void recordReshipped(ConsumerRecord<Long, byte[]> record) {
        PostWrite write;
        try {
            write = PostWrite.parseFrom(record.value());
        }
        catch (InvalidProtocolBufferException ex) {
            log.error("Record at offset {} of {} is not a write; forwarded as it is", record.offset(),
                    this.sourceTopic);
            return;
        }
        MDC.put("requestId", write.getRequestId());
        try {
            log.debug("Write of post {} reshipped through the peer's broker", write.getPostId());
        }
        finally {
            MDC.remove("requestId");
        }
        this.processingLog.record(new ProcessingRecord(write.getRequestId(), this.datacenter,
                write.getOriginDatacenter(), Stage.RESHIPPED, Outcome.OK, this.clock.instant(), write.getPostId(),
                write.getVersion(), null));
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<Long, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition partition : records.partitions()) {
            List<ConsumerRecord<Long, byte[]>> inPartition = records.records(partition);
            offsets.put(partition, new OffsetAndMetadata(inPartition.get(inPartition.size() - 1).offset() + 1));
        }
        return offsets;
    }

    /** Records after the consumer's position, from the high watermarks of the last fetch: no request to the broker. */
    private long lag() {
        long total = 0;
        for (TopicPartition partition : this.consumer.assignment()) {
            total += this.consumer.currentLag(partition).orElse(0);
        }
        return total;
    }

    /**
     * Writes waiting in this datacenter's topic for the peer's broker, as of the last poll.
     * @return the number of records
     */
    public long backlog() {
        return this.backlog;
    }

    /** Consumes the round again from its first record in each partition. */
    private void rewind(ConsumerRecords<Long, byte[]> records) {
        for (TopicPartition partition : records.partitions()) {
            this.consumer.seek(partition, records.records(partition).get(0).offset());
        }
    }

    private void closeProducer() {
        if (this.producer != null) {
            this.producer.close(Duration.ZERO);
            this.producer = null;
        }
    }

    /**
     * When the peer's broker last acknowledged a round.
     * @return epoch milliseconds, 0 if never since start
     */
    public long lastBridgedAtMillis() {
        return this.lastBridgedMillis;
    }

    /**
     * Whether the last round failed (the peer's broker is unreachable, for example because the link is cut).
     * @return true while rounds fail
     */
    public boolean isFailing() {
        return this.failing;
    }

    /** Stops bridging; what is not committed is consumed again at the next start. */
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
