package io.wmb.processor.apply;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;

import io.wmb.processor.post.PostState;
import io.wmb.processor.post.Write;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.FetchResponse;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteKind;
import io.wmb.proto.v1.WriteResult;

/**
 * gRPC {@code Processor}: proto to domain, {@link WriteApplier}, domain to proto.
 */
public class ProcessorGrpcService extends ProcessorGrpc.ProcessorImplBase {

    private final WriteApplier applier;

    private final String datacenter;

    /**
     * Creates the service.
     * @param applier applies writes
     * @param datacenter this datacenter, the origin of fetched states
     */
    public ProcessorGrpcService(WriteApplier applier, String datacenter) {
        this.applier = applier;
        this.datacenter = datacenter;
    }

    @Override
    public void apply(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
        int count = request.getWritesCount();
        // One malformed write must not hold up the others: it fails alone and the sender sees why.
        String[] invalid = new String[count];
        List<Write> valid = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            try {
                valid.add(WriteMapper.fromProto(request.getWrites(i)));
            }
            catch (IllegalArgumentException ex) {
                invalid[i] = "invalid write: " + ex.getMessage();
            }
        }
        List<WriteApplier.Result> applied = valid.isEmpty() ? List.of() : applier.applyAll(valid);
        for (WriteApplier.Result outcome : applied) {
            if (outcome.storeUnavailable()) {
                // As fetch answers: the reconciler then keeps its window and scans it again later, instead of
                // dead-lettering writes that only wait for a store to come back; the collector takes it as every
                // write of the batch failed, which the other datacenter re-sends, as it re-sends FAILED ones.
                responseObserver.onError(Status.UNAVAILABLE.withDescription("storage unavailable: " + outcome.detail())
                    .asRuntimeException());
                return;
            }
        }
        BatchAck.Builder ack = BatchAck.newBuilder().setBatchId(request.getBatchId());
        int next = 0;
        for (int i = 0; i < count; i++) {
            WriteResult.Builder result = WriteResult.newBuilder().setRequestId(request.getWrites(i).getRequestId());
            if (invalid[i] != null) {
                ack.addResults(result.setOutcome(ApplyOutcome.APPLY_OUTCOME_FAILED).setDetail(invalid[i]));
                continue;
            }
            WriteApplier.Result outcome = applied.get(next++);
            result.setOutcome(switch (outcome.outcome()) {
                case OK -> ApplyOutcome.APPLY_OUTCOME_OK;
                case DUPLICATE -> ApplyOutcome.APPLY_OUTCOME_DUPLICATE;
                case STALE_SKIPPED -> ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED;
                case FAILED -> ApplyOutcome.APPLY_OUTCOME_FAILED;
            });
            if (outcome.detail() != null) {
                result.setDetail(outcome.detail());
            }
            ack.addResults(result);
        }
        responseObserver.onNext(ack.build());
        responseObserver.onCompleted();
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> responseObserver) {
        if (request.getPostId() <= 0) {
            responseObserver.onError(Status.INVALID_ARGUMENT
                .withDescription("post_id must be positive, but was " + request.getPostId())
                .asRuntimeException());
            return;
        }
        Optional<PostState> state;
        try {
            state = applier.fetch(request.getPostId());
        }
        catch (RuntimeException ex) {
            responseObserver.onError(Status.UNAVAILABLE.withDescription("storage unavailable: " + ex)
                .asRuntimeException());
            return;
        }
        FetchResponse.Builder response = FetchResponse.newBuilder().setFound(state.isPresent());
        state.ifPresent(post -> response.setState(WriteMapper.toProto(post, "", datacenter,
                WriteKind.WRITE_KIND_RECONCILE, post.updatedAtMs())));
        responseObserver.onNext(response.build());
        responseObserver.onCompleted();
    }

}
