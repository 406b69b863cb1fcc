package io.wmb.reship.submit;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteKind;
import io.wmb.proto.v1.WriteResult;
import io.wmb.reship.outbox.Outbox;

/**
 * Takes the local processor's writes: checks them and stores them in the outbox, answering once they are on
 * disk.
 */
public final class WriteIntake {

    private final Outbox outbox;

    private final String datacenter;

    private final int maxBatchWrites;

    private final Counter accepted;

    /**
     * Creates the intake.
     * @param outbox where writes are stored
     * @param datacenter this datacenter's name: only writes it accepted are reshipped, so that a write that
     *     came from the peer can never travel back (no loops)
     * @param maxBatchWrites the most writes one batch may carry
     * @param meterRegistry where the accept rate is counted
     */
    public WriteIntake(Outbox outbox, String datacenter, int maxBatchWrites, MeterRegistry meterRegistry) {
        if (maxBatchWrites < 1) {
            throw new IllegalArgumentException("maxBatchWrites must be positive, but was " + maxBatchWrites);
        }
        this.outbox = outbox;
        this.datacenter = datacenter;
        this.maxBatchWrites = maxBatchWrites;
        this.accepted = Counter.builder("wmb.reship.writes.accepted")
            .description("Writes stored durably in the outbox")
            .register(meterRegistry);
    }

    /**
     * Stores a batch durably.
     * @param batch the batch
     * @return completes with one {@code OK} result per write once the batch is synced to disk
     * @throws InvalidWriteException when the batch or one of its writes is malformed
     * @throws io.wmb.reship.outbox.OutboxFullException when the outbox is full
     */
    public CompletableFuture<BatchAck> submit(WriteBatch batch) {
        validate(batch);
        List<PostWrite> writes = batch.getWritesList();
        return this.outbox.append(writes).thenApply((sequences) -> {
            this.accepted.increment(writes.size());
            BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(batch.getBatchId());
            for (PostWrite write : writes) {
                ack.addResults(WriteResult.newBuilder()
                    .setRequestId(write.getRequestId())
                    .setOutcome(ApplyOutcome.APPLY_OUTCOME_OK));
            }
            return ack.build();
        });
    }

    private void validate(WriteBatch batch) {
        if (batch.getWritesCount() == 0) {
            throw new InvalidWriteException("batch " + batch.getBatchId() + " has no writes");
        }
        if (batch.getWritesCount() > this.maxBatchWrites) {
            throw new InvalidWriteException("batch " + batch.getBatchId() + " has " + batch.getWritesCount()
                    + " writes, at most " + this.maxBatchWrites + " are allowed");
        }
        for (int i = 0; i < batch.getWritesCount(); i++) {
            validate(i, batch.getWrites(i));
        }
    }

    private void validate(int index, PostWrite write) {
        String where = "write " + index + " (requestId '" + write.getRequestId() + "')";
        if (write.getRequestId().isBlank()) {
            throw new InvalidWriteException("write " + index + " has no request_id");
        }
        if (!this.datacenter.equals(write.getOriginDatacenter())) {
            throw new InvalidWriteException(where + " has origin_datacenter '" + write.getOriginDatacenter()
                    + "', but this reship only ships writes accepted in '" + this.datacenter + "'");
        }
        if (write.getKind() == WriteKind.WRITE_KIND_UNSPECIFIED || write.getKind() == WriteKind.UNRECOGNIZED) {
            throw new InvalidWriteException(where + " has no kind");
        }
        if (write.getPostId() <= 0) {
            throw new InvalidWriteException(where + " has post_id " + write.getPostId() + ", it must be positive");
        }
        if (write.getVersion() <= 0) {
            throw new InvalidWriteException(where + " has version " + write.getVersion() + ", it must be positive");
        }
        if (write.getAcceptedAtMs() <= 0) {
            throw new InvalidWriteException(where + " has no accepted_at_ms");
        }
    }

}
