package io.wmb.reship.submit;

import java.util.concurrent.CompletionException;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.reship.outbox.OutboxFullException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * {@code Reship.Submit}: the local processor hands over its writes; the answer comes once they are on disk.
 */
public final class ReshipGrpcService extends ReshipGrpc.ReshipImplBase {

    private static final Logger log = LoggerFactory.getLogger(ReshipGrpcService.class);

    private final WriteIntake intake;

    /**
     * Creates the service.
     * @param intake stores the writes
     */
    public ReshipGrpcService(WriteIntake intake) {
        this.intake = intake;
    }

    @Override
    public void submit(WriteBatch request, StreamObserver<BatchAck> responseObserver) {
        try {
            this.intake.submit(request).whenComplete((ack, error) -> {
                if (error == null) {
                    responseObserver.onNext(ack);
                    responseObserver.onCompleted();
                }
                else {
                    Throwable cause = (error instanceof CompletionException) ? error.getCause() : error;
                    logWithRequestId(request, cause);
                    responseObserver.onError(Status.UNAVAILABLE
                        .withDescription("the writes could not be stored durably: " + cause.getMessage())
                        .asRuntimeException());
                }
            });
        }
        catch (InvalidWriteException ex) {
            responseObserver.onError(Status.INVALID_ARGUMENT.withDescription(ex.getMessage()).asRuntimeException());
        }
        catch (OutboxFullException ex) {
            responseObserver.onError(Status.RESOURCE_EXHAUSTED.withDescription(ex.getMessage()).asRuntimeException());
        }
    }

    private static void logWithRequestId(WriteBatch request, Throwable cause) {
        MDC.put("requestId", request.getWrites(0).getRequestId());
        try {
            log.error("Storing batch {} of {} writes failed", request.getBatchId(), request.getWritesCount(), cause);
        }
        finally {
            MDC.remove("requestId");
        }
    }

}
