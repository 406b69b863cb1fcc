package io.wmb.reship.submit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.ReshipGrpc;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;
import io.wmb.reship.outbox.Outbox;
import io.wmb.reship.outbox.OutboxEntry;
import io.wmb.reship.support.Writes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReshipGrpcServiceTests {

    @TempDir
    Path dir;

    private Outbox outbox;

    private Server server;

    private ManagedChannel channel;

    private ReshipGrpc.ReshipBlockingStub reship;

    @BeforeEach
    void startServer() throws Exception {
        this.outbox = new Outbox(this.dir, 3, 100);
        String name = InProcessServerBuilder.generateName();
        this.server = InProcessServerBuilder.forName(name)
            .addService(new ReshipGrpcService(new WriteIntake(this.outbox, "unicom", 100, new SimpleMeterRegistry())))
            .build()
            .start();
        this.channel = InProcessChannelBuilder.forName(name).build();
        this.reship = ReshipGrpc.newBlockingStub(this.channel);
    }

    @AfterEach
    void stopServer() throws Exception {
        this.channel.shutdownNow();
        this.server.shutdownNow().awaitTermination();
        this.outbox.close();
    }

    @Test
    void shouldAcknowledgeEveryWriteOnceStored() {
        WriteBatch batch = WriteBatch.newBuilder().setBatchId(7)
            .addWrites(Writes.updateInUnicom(1, 10))
            .addWrites(Writes.updateInUnicom(2, 10))
            .build();

        BatchAck ack = this.reship.submit(batch);

        assertThat(ack.getBatchId()).isEqualTo(7);
        assertThat(ack.getResultsList()).extracting(WriteResult::getOutcome)
            .containsExactly(ApplyOutcome.APPLY_OUTCOME_OK, ApplyOutcome.APPLY_OUTCOME_OK);
        assertThat(this.outbox.readAfter(-1, 10)).extracting(OutboxEntry::write)
            .containsExactlyElementsOf(batch.getWritesList());
    }

    @Test
    void shouldAnswerResourceExhaustedWhenTheOutboxIsFull() {
        this.reship.submit(batchOf(3));

        assertThatThrownBy(() -> this.reship.submit(batchOf(1)))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                    (ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    @Nested
    class WhenTheBatchIsMalformed {

        @Test
        void shouldRefuseAnEmptyBatch() {
            assertInvalid(WriteBatch.newBuilder().setBatchId(1).build(), "batch 1 has no writes");
        }

        @Test
        void shouldRefuseAWriteFromTheOtherDatacenterSoThatNothingLoopsBack() {
            WriteBatch batch = WriteBatch.newBuilder()
                .addWrites(Writes.updateInUnicom(1, 1).toBuilder().setOriginDatacenter("telecom"))
                .build();
            assertInvalid(batch, "only ships writes accepted in 'unicom'");
        }

        @Test
        void shouldRefuseAWriteWithoutRequestId() {
            WriteBatch batch = WriteBatch.newBuilder()
                .addWrites(Writes.updateInUnicom(1, 1).toBuilder().setRequestId(""))
                .build();
            assertInvalid(batch, "write 0 has no request_id");
        }

        @Test
        void shouldRefuseAWriteWithoutVersion() {
            WriteBatch batch = WriteBatch.newBuilder()
                .addWrites(Writes.updateInUnicom(1, 1))
                .addWrites(Writes.updateInUnicom(1, 1).toBuilder().setVersion(0))
                .build();
            assertInvalid(batch, "has version 0");
        }

        private void assertInvalid(WriteBatch batch, String message) {
            assertThatThrownBy(() -> ReshipGrpcServiceTests.this.reship.submit(batch))
                .isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
                    assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(ex.getStatus().getDescription()).contains(message);
                });
            assertThat(ReshipGrpcServiceTests.this.outbox.depth()).isZero();
        }

    }

    private static WriteBatch batchOf(int writes) {
        List<PostWrite> list = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            list.add(Writes.updateInUnicom(i + 1, 1));
        }
        return WriteBatch.newBuilder().addAllWrites(list).build();
    }

}
