package io.wmb.collector.apply;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wmb.collector.dedup.DeduplicationStore;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLog;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Applies a batch from the peer datacenter: drops the requestIds applied before, hands the rest to the local
 * processor's {@code Apply} and remembers what it applied. Transport-neutral: the gRPC stream and the unary
 * call use it, and so could a message-queue consumer.
 *
 * <p>A write the processor could not apply comes back as {@code FAILED} and is not remembered, so the peer
 * re-sends it. Nothing is ever sent to the local reship: applied writes do not travel back.
 */
public final class BatchApplier {

    private static final Logger log = LoggerFactory.getLogger(BatchApplier.class);

    private static final Duration[] LAG_BUCKETS = { Duration.ofMillis(5), Duration.ofMillis(10),
        Duration.ofMillis(15), Duration.ofMillis(20), Duration.ofMillis(25), Duration.ofMillis(30),
        Duration.ofMillis(40), Duration.ofMillis(50), Duration.ofMillis(60), Duration.ofMillis(75),
        Duration.ofMillis(100), Duration.ofMillis(125), Duration.ofMillis(150), Duration.ofMillis(200),
        Duration.ofMillis(250), Duration.ofMillis(300), Duration.ofMillis(400), Duration.ofMillis(500),
        Duration.ofMillis(750), Duration.ofSeconds(1) };

    private final DeduplicationStore dedup;

    private final ProcessorClient processor;

    private final ProcessingLog processingLog;

    private final String datacenter;

    private final String peerDatacenter;

    private final Clock clock;

    private final Map<ApplyOutcome, Counter> writes = new EnumMap<>(ApplyOutcome.class);

    private final Timer replicationLag;

    private final DistributionSummary batchSizes;

    private final Timer applyLatency;

    private final DistributionSummary applySizes;

    /**
     * Creates the applier.
     * @param dedup the requestIds applied before
     * @param processor the local processor
     * @param processingLog where {@code COLLECTED} is recorded
     * @param datacenter this datacenter's name
     * @param peerDatacenter the datacenter the writes must come from
     * @param clock the time of replication lag and records
     * @param meterRegistry where lag, sizes and rates are measured
     */
    public BatchApplier(DeduplicationStore dedup, ProcessorClient processor, ProcessingLog processingLog,
            String datacenter, String peerDatacenter, Clock clock, MeterRegistry meterRegistry) {
        this.dedup = dedup;
        this.processor = processor;
        this.processingLog = processingLog;
        this.datacenter = datacenter;
        this.peerDatacenter = peerDatacenter;
        this.clock = clock;
        for (ApplyOutcome outcome : ApplyOutcome.values()) {
            if (outcome != ApplyOutcome.UNRECOGNIZED) {
                this.writes.put(outcome, Counter.builder("wmb.collector.writes")
                    .description("Writes received from the peer, by how applying them turned out")
                    .tag("outcome", outcome.name().substring("APPLY_OUTCOME_".length()).toLowerCase())
                    .register(meterRegistry));
            }
        }
        this.replicationLag = Timer.builder("wmb.collector.replication.lag")
            .description("From the origin datacenter accepting a write to its apply here")
            .publishPercentileHistogram()
            .publishPercentiles(0.5, 0.99)
            // Micrometer's own buckets jump from 44.7 to 89.5 ms and from 223.7 to 268.4 ms; these put bucket
            // edges on the lag targets (p99 <= 50 ms, p99.9 <= 250 ms) so that a scraped percentile can be
            // compared with them.
            .serviceLevelObjectives(LAG_BUCKETS)
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(meterRegistry);
        this.batchSizes = DistributionSummary.builder("wmb.collector.batch.size")
            .description("Writes per batch received from the peer")
            .publishPercentileHistogram()
            .register(meterRegistry);
        this.applyLatency = Timer.builder("wmb.collector.apply.latency")
            .description("Duration of one call to the local processor's Apply")
            .publishPercentileHistogram()
            .register(meterRegistry);
        this.applySizes = DistributionSummary.builder("wmb.collector.apply.size")
            .description("Writes per call to the local processor's Apply (batches that queued up go together)")
            .publishPercentileHistogram()
            .register(meterRegistry);
    }

    /**
     * Applies a batch.
     * @param batch the writes, in order
     * @return one result per write, in the batch's order
     * @throws InvalidBatchException when a write is malformed or does not come from the peer
     */
    public BatchAck apply(WriteBatch batch) {
        return applyAll(List.of(batch)).get(0);
    }

    /**
     * Applies several batches of one stream, in order, with one call to the local processor: a call costs about
     * the same for one write as for a few hundred, so batches that queued up while the previous call ran are
     * applied together and the queue drains instead of growing.
     * @param batches the batches, in the order the peer sent them
     * @return one acknowledgement per batch, in order, each with one result per write
     * @throws InvalidBatchException when a write of any of the batches is malformed or does not come from the
     *     peer; nothing is applied then
     */
    public List<BatchAck> applyAll(List<WriteBatch> batches) {
        batches.forEach(this::validate);
        List<PostWrite> writes = new ArrayList<>();
        for (WriteBatch batch : batches) {
            this.batchSizes.record(batch.getWritesCount());
            writes.addAll(batch.getWritesList());
        }
        WriteResult[] results = new WriteResult[writes.size()];
        List<Integer> fresh = new ArrayList<>(writes.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < writes.size(); i++) {
            PostWrite write = writes.get(i);
            if (!seen.add(write.getRequestId()) || this.dedup.contains(write.getRequestId())) {
                results[i] = result(write, ApplyOutcome.APPLY_OUTCOME_DUPLICATE, "");
                record(write, Outcome.DUPLICATE, null);
            }
            else {
                fresh.add(i);
            }
        }
        if (!fresh.isEmpty()) {
            applyFresh(batches.get(0).getBatchId(), writes, fresh, results);
        }
        List<BatchAck> acks = new ArrayList<>(batches.size());
        int next = 0;
        for (WriteBatch batch : batches) {
            BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(batch.getBatchId());
            for (int k = 0; k < batch.getWritesCount(); k++) {
                WriteResult result = results[next++];
                ack.addResults(result);
                count(result.getOutcome());
            }
            acks.add(ack.build());
        }
        return acks;
    }

    private void applyFresh(long batchId, List<PostWrite> writes, List<Integer> fresh, WriteResult[] results) {
        WriteBatch.Builder toApply = WriteBatch.newBuilder().setBatchId(batchId);
        fresh.forEach((i) -> toApply.addWrites(writes.get(i)));
        this.applySizes.record(fresh.size());
        BatchAck applied;
        long started = System.nanoTime();
        try {
            applied = this.processor.apply(toApply.build());
        }
        catch (ProcessorUnavailableException ex) {
            log.warn("Batch {} from {} not applied, the peer will re-send it: {}", batchId, this.peerDatacenter,
                    ex.getMessage());
            for (int i : fresh) {
                PostWrite write = writes.get(i);
                results[i] = result(write, ApplyOutcome.APPLY_OUTCOME_FAILED, ex.getMessage());
                record(write, Outcome.FAILED, ex.getMessage());
            }
            return;
        }
        this.applyLatency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        long now = this.clock.millis();
        List<String> done = new ArrayList<>(fresh.size());
        for (int k = 0; k < fresh.size(); k++) {
            int i = fresh.get(k);
            PostWrite write = writes.get(i);
            WriteResult outcome = applied.getResults(k);
            results[i] = result(write, outcome.getOutcome(), outcome.getDetail());
            switch (outcome.getOutcome()) {
                case APPLY_OUTCOME_OK, APPLY_OUTCOME_STALE_SKIPPED -> {
                    done.add(write.getRequestId());
                    // Duplicates are re-deliveries; counting them would skew the lag upwards.
                    this.replicationLag.record(Math.max(0, now - write.getAcceptedAtMs()), TimeUnit.MILLISECONDS);
                    record(write, Outcome.OK, null);
                }
                case APPLY_OUTCOME_DUPLICATE -> {
                    done.add(write.getRequestId());
                    record(write, Outcome.DUPLICATE, null);
                }
                default -> {
                    logFailure(write, outcome.getDetail());
                    record(write, Outcome.FAILED, outcome.getDetail());
                }
            }
        }
        this.dedup.remember(done, now);
    }

    private void validate(WriteBatch batch) {
        for (int i = 0; i < batch.getWritesCount(); i++) {
            PostWrite write = batch.getWrites(i);
            if (write.getRequestId().isBlank()) {
                throw new InvalidBatchException("write " + i + " of batch " + batch.getBatchId()
                        + " has no request_id");
            }
            if (!this.peerDatacenter.equals(write.getOriginDatacenter())) {
                throw new InvalidBatchException("write " + i + " (requestId '" + write.getRequestId()
                        + "') has origin_datacenter '" + write.getOriginDatacenter() + "', but only writes of '"
                        + this.peerDatacenter + "' are collected here");
            }
            if (write.getPostId() <= 0) {
                throw new InvalidBatchException("write " + i + " (requestId '" + write.getRequestId()
                        + "') has post_id " + write.getPostId() + ", it must be positive");
            }
        }
    }

    private void record(PostWrite write, Outcome outcome, String detail) {
        this.processingLog.record(new ProcessingRecord(write.getRequestId(), this.datacenter,
                write.getOriginDatacenter(), Stage.COLLECTED, outcome, Instant.ofEpochMilli(this.clock.millis()),
                write.getPostId(), write.getVersion(), detail));
    }

    private void count(ApplyOutcome outcome) {
        Counter counter = this.writes.get(outcome);
        if (counter != null) {
            counter.increment();
        }
    }

    private static void logFailure(PostWrite write, String detail) {
        MDC.put("requestId", write.getRequestId());
        try {
            log.warn("Processor could not apply the write of post {}: {}", write.getPostId(), detail);
        }
        finally {
            MDC.remove("requestId");
        }
    }

    private static WriteResult result(PostWrite write, ApplyOutcome outcome, String detail) {
        return WriteResult.newBuilder()
            .setRequestId(write.getRequestId())
            .setOutcome(outcome)
            .setDetail(detail == null ? "" : detail)
            .build();
    }

}
