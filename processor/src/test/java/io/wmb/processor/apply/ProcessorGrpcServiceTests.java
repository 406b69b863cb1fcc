package io.wmb.processor.apply;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;

import io.wmb.processinglog.Outcome;
import io.wmb.processor.post.Write;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.FetchRequest;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ProcessorGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteKind;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

/** The gRPC mapping of Apply and Fetch; the rules themselves are tested against real servers. */
class ProcessorGrpcServiceTests {

    private final WriteApplier applier = mock(WriteApplier.class);

    private Server server;

    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
            .addService(new ProcessorGrpcService(applier, "unicom")).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static PostWrite createFromTelecom(String requestId) {
        return PostWrite.newBuilder().setRequestId(requestId).setOriginDatacenter("telecom")
            .setKind(WriteKind.WRITE_KIND_CREATE).setPostId(5).setVersion(99).setAuthorId(1).setContent("x").build();
    }

    @Test
    @SuppressWarnings("unchecked")
    void shouldAnswerOneResultPerWriteInOrderAndFailOnlyTheMalformedOne() {
        given(applier.applyAll(anyList())).willReturn(List.of(new WriteApplier.Result(Outcome.OK, null, false),
                new WriteApplier.Result(Outcome.STALE_SKIPPED, null, false)));
        WriteBatch batch = WriteBatch.newBuilder().setBatchId(3)
            .addWrites(createFromTelecom("a"))
            .addWrites(createFromTelecom("bad").toBuilder().setVersion(0))
            .addWrites(createFromTelecom("c"))
            .build();
        BatchAck ack = ProcessorGrpc.newBlockingStub(channel).apply(batch);
        assertThat(ack.getBatchId()).isEqualTo(3);
        assertThat(ack.getResultsList()).extracting(result -> result.getRequestId() + "=" + result.getOutcome())
            .containsExactly("a=APPLY_OUTCOME_OK", "bad=APPLY_OUTCOME_FAILED", "c=APPLY_OUTCOME_STALE_SKIPPED");
        assertThat(ack.getResults(1).getDetail()).contains("version must be positive");
        ArgumentCaptor<List<Write>> applied = ArgumentCaptor.forClass(List.class);
        verify(applier).applyAll(applied.capture());
        assertThat(applied.getValue()).extracting(Write::requestId).containsExactly("a", "c");
        assertThat(ack.getResultsList()).noneMatch(result -> result.getOutcome() == ApplyOutcome.APPLY_OUTCOME_UNSPECIFIED);
    }

    @Test
    void shouldAnswerUnavailableWhenAStoreCouldNotBeReachedAsFetchDoes() {
        given(applier.applyAll(anyList())).willReturn(List.of(new WriteApplier.Result(Outcome.FAILED,
                "org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection", true)));
        WriteBatch batch = WriteBatch.newBuilder().setBatchId(4).addWrites(createFromTelecom("a")).build();

        assertThatThrownBy(() -> ProcessorGrpc.newBlockingStub(channel).apply(batch))
            .isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
                assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(ex.getStatus().getDescription()).contains("storage unavailable")
                    .contains("CannotGetJdbcConnectionException");
            });
    }

    @Test
    void shouldAnswerAWriteThatFailedForAnyOtherReasonAsFailedAlone() {
        given(applier.applyAll(anyList())).willReturn(List.of(new WriteApplier.Result(Outcome.FAILED,
                "org.springframework.dao.DataIntegrityViolationException: bad", false),
                new WriteApplier.Result(Outcome.OK, null, false)));
        WriteBatch batch = WriteBatch.newBuilder().setBatchId(5).addWrites(createFromTelecom("a"))
            .addWrites(createFromTelecom("b")).build();

        BatchAck ack = ProcessorGrpc.newBlockingStub(channel).apply(batch);

        assertThat(ack.getResultsList()).extracting(result -> result.getRequestId() + "=" + result.getOutcome())
            .containsExactly("a=APPLY_OUTCOME_FAILED", "b=APPLY_OUTCOME_OK");
    }

    @Test
    void shouldRefuseFetchOfAnInvalidIdWithInvalidArgument() {
        assertThatThrownBy(() -> ProcessorGrpc.newBlockingStub(channel)
            .fetch(FetchRequest.newBuilder().setPostId(-1).build()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                    ex -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        verifyNoInteractions(applier);
    }

}
