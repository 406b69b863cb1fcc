package io.wmb.collector.sync;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.collector.apply.BatchApplier;
import io.wmb.collector.apply.ProcessorClient;
import io.wmb.collector.auth.PeerAuthInterceptor;
import io.wmb.collector.dedup.DeduplicationStore;
import io.wmb.collector.support.RecordingProcessingLog;
import io.wmb.collector.support.VersionedMapProcessor;
import io.wmb.collector.support.Writes;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.proto.v1.ApplyOutcome;
import io.wmb.proto.v1.BatchAck;
import io.wmb.proto.v1.CollectorGrpc;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.proto.v1.WriteResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The unicom collector, its peer telecom, over in-process gRPC with a newest-version-wins processor.
 */
class CollectorGrpcServiceTests {

    private static final String SECRET = "s3cret-shared-by-both-datacenters";

    private static final int MAX_GROUP_WRITES = 8;

    @TempDir
    Path dir;

    private final VersionedMapProcessor processor = new VersionedMapProcessor();

    private final RecordingProcessingLog processingLog = new RecordingProcessingLog();

    private final List<AutoCloseable> resources = new ArrayList<>();

    private final SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();

    private String processorName;

    private ManagedChannel collectorChannel;

    @BeforeEach
    void startCollector() throws Exception {
        this.processorName = InProcessServerBuilder.generateName();
        ManagedChannel processorChannel = InProcessChannelBuilder.forName(this.processorName).build();
        this.resources.add(processorChannel::shutdownNow);
        DeduplicationStore dedup = new DeduplicationStore(this.dir.resolve("dedup"), Duration.ofDays(1));
        this.resources.add(dedup);
        BatchApplier applier = new BatchApplier(dedup, new ProcessorClient(processorChannel, Duration.ofMillis(500)),
                this.processingLog, "unicom", "telecom", Clock.systemUTC(), new SimpleMeterRegistry());
        ExecutorService applyExecutor = Executors.newFixedThreadPool(2);
        this.resources.add(applyExecutor::shutdownNow);
        String collectorName = InProcessServerBuilder.generateName();
        Server collector = InProcessServerBuilder.forName(collectorName)
            .addService(ServerInterceptors.intercept(
                    new CollectorGrpcService(applier, applyExecutor, 8, MAX_GROUP_WRITES, this.meterRegistry),
                    new PeerAuthInterceptor("telecom", SECRET)))
            .build()
            .start();
        this.resources.add(() -> collector.shutdownNow().awaitTermination());
        this.collectorChannel = InProcessChannelBuilder.forName(collectorName).build();
        this.resources.add(this.collectorChannel::shutdownNow);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
    }

    @Nested
    class Authentication {

        @Test
        void shouldRefuseACallerWithoutCredentialsAsUnauthenticated() {
            assertRefused(CollectorGrpc.newBlockingStub(CollectorGrpcServiceTests.this.collectorChannel),
                    Status.Code.UNAUTHENTICATED);
        }

        @Test
        void shouldRefuseAWrongSecretAsUnauthenticated() {
            assertRefused(stub("telecom", "Bearer not-the-secret"), Status.Code.UNAUTHENTICATED);
        }

        @Test
        void shouldRefuseASecretWithoutBearerSchemeAsUnauthenticated() {
            assertRefused(stub("telecom", SECRET), Status.Code.UNAUTHENTICATED);
        }

        @Test
        void shouldRefuseADatacenterOtherThanThePeerAsPermissionDenied() {
            assertRefused(stub("unicom", "Bearer " + SECRET), Status.Code.PERMISSION_DENIED);
        }

        @Test
        void shouldRefuseAnUnauthenticatedSyncStream() throws Exception {
            startProcessor();
            Acks acks = new Acks();
            StreamObserver<WriteBatch> batches = CollectorGrpc.newStub(CollectorGrpcServiceTests.this.collectorChannel)
                .sync(acks);
            batches.onNext(batchOf(Writes.updateInTelecom(1, 10)));

            assertThat(acks.error()).isInstanceOfSatisfying(StatusRuntimeException.class,
                    (ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).isEmpty();
        }

        private void assertRefused(CollectorGrpc.CollectorBlockingStub stub, Status.Code code) {
            assertThatThrownBy(() -> stub.deliver(batchOf(Writes.updateInTelecom(1, 10))))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        (ex) -> assertThat(ex.getStatus().getCode()).isEqualTo(code));
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).isEmpty();
        }

    }

    @Nested
    class Deliver {

        @Test
        void shouldApplyNewWritesAndRecordThemCollected() throws Exception {
            startProcessor();
            PostWrite write = Writes.updateInTelecom(1, 10);

            BatchAck ack = peer().deliver(batchOf(write));

            assertThat(outcomes(ack)).containsExactly(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(CollectorGrpcServiceTests.this.processor.post(1)).isEqualTo(write);
            assertThat(CollectorGrpcServiceTests.this.processingLog.records()).singleElement()
                .satisfies((record) -> {
                    assertThat(record.stage()).isEqualTo(Stage.COLLECTED);
                    assertThat(record.outcome()).isEqualTo(Outcome.OK);
                    assertThat(record.datacenter()).isEqualTo("unicom");
                    assertThat(record.origin()).isEqualTo("telecom");
                });
        }

        @Test
        void shouldAnswerDuplicateWithoutApplyingAgain() throws Exception {
            startProcessor();
            PostWrite write = Writes.updateInTelecom(1, 10);
            peer().deliver(batchOf(write));

            BatchAck again = peer().deliver(batchOf(write, write));

            assertThat(outcomes(again)).containsExactly(ApplyOutcome.APPLY_OUTCOME_DUPLICATE,
                    ApplyOutcome.APPLY_OUTCOME_DUPLICATE);
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).containsExactly(write);
            assertThat(CollectorGrpcServiceTests.this.processingLog.records()).extracting(ProcessingRecord::outcome)
                .containsExactly(Outcome.OK, Outcome.DUPLICATE, Outcome.DUPLICATE);
        }

        @Test
        void shouldNeverLetAnOlderVersionReplaceANewerOne() throws Exception {
            startProcessor();
            PostWrite newer = Writes.updateInTelecom(1, 20);
            PostWrite older = Writes.updateInTelecom(1, 10);

            BatchAck ack = peer().deliver(batchOf(newer, older));

            assertThat(outcomes(ack)).containsExactly(ApplyOutcome.APPLY_OUTCOME_OK,
                    ApplyOutcome.APPLY_OUTCOME_STALE_SKIPPED);
            assertThat(CollectorGrpcServiceTests.this.processor.post(1)).isEqualTo(newer);
        }

        @Test
        void shouldAnswerFailedWhileTheProcessorIsDownAndApplyTheRedelivery() throws Exception {
            PostWrite write = Writes.updateInTelecom(1, 10);

            BatchAck whileDown = peer().deliver(batchOf(write));
            startProcessor();
            BatchAck redelivered = peer().deliver(batchOf(write));

            assertThat(outcomes(whileDown)).containsExactly(ApplyOutcome.APPLY_OUTCOME_FAILED);
            assertThat(whileDown.getResults(0).getDetail()).contains("DEADLINE_EXCEEDED");
            assertThat(outcomes(redelivered)).containsExactly(ApplyOutcome.APPLY_OUTCOME_OK);
            assertThat(CollectorGrpcServiceTests.this.processor.post(1)).isEqualTo(write);
        }

        @Test
        void shouldRefuseWritesThatDoNotComeFromThePeer() throws Exception {
            startProcessor();

            assertThatThrownBy(() -> peer().deliver(batchOf(Writes.update("unicom", 1, 10))))
                .isInstanceOfSatisfying(StatusRuntimeException.class, (ex) -> {
                    assertThat(ex.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(ex.getStatus().getDescription()).contains("only writes of 'telecom'");
                });
        }

    }

    @Nested
    class Sync {

        @Test
        void shouldAcknowledgeEachBatchInOrderAndApplyInOrder() throws Exception {
            startProcessor();
            Acks acks = new Acks();
            StreamObserver<WriteBatch> batches = openSync(acks);
            List<PostWrite> writes = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                PostWrite write = Writes.updateInTelecom(1 + i % 2, i);
                writes.add(write);
                batches.onNext(batchOf(write).toBuilder().setBatchId(i).build());
            }
            batches.onCompleted();

            List<Long> acknowledged = new ArrayList<>();
            for (int i = 1; i <= 20; i++) {
                BatchAck ack = acks.next();
                acknowledged.add(ack.getBatchId());
                assertThat(outcomes(ack)).containsExactly(ApplyOutcome.APPLY_OUTCOME_OK);
            }
            assertThat(acknowledged).isSorted().hasSize(20);
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).containsExactlyElementsOf(writes);
            assertThat(acks.completed()).isTrue();
        }

        @Test
        void shouldApplyTheBatchesThatQueuedUpBehindASlowApplyWithOneCall() throws Exception {
            startProcessor();
            CountDownLatch slow = CollectorGrpcServiceTests.this.processor.hold();
            Acks acks = new Acks();
            StreamObserver<WriteBatch> batches = openSync(acks);
            List<PostWrite> writes = new ArrayList<>();
            for (int i = 1; i <= 6; i++) {
                PostWrite write = Writes.updateInTelecom(1 + i % 2, i);
                writes.add(write);
                batches.onNext(batchOf(write).toBuilder().setBatchId(i).build());
                if (i == 1) {
                    await().until(() -> CollectorGrpcServiceTests.this.processor.calls() == 1);
                }
            }
            await().until(() -> waiting() == 5);
            slow.countDown();

            for (int i = 1; i <= 6; i++) {
                BatchAck ack = acks.next();
                assertThat(ack.getBatchId()).isEqualTo(i);
                assertThat(outcomes(ack)).containsExactly(ApplyOutcome.APPLY_OUTCOME_OK);
            }
            assertThat(CollectorGrpcServiceTests.this.processor.calls()).isEqualTo(2);
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).containsExactlyElementsOf(writes);
            batches.onCompleted();
            assertThat(acks.completed()).isTrue();
        }

        @Test
        void shouldSplitQueuedBatchesIntoCallsOfAtMostTheGroupCapAndSendALargerBatchAlone() throws Exception {
            startProcessor();
            CountDownLatch slow = CollectorGrpcServiceTests.this.processor.hold();
            Acks acks = new Acks();
            StreamObserver<WriteBatch> batches = openSync(acks);
            List<PostWrite> writes = new ArrayList<>();
            int[] sizes = { 3, 3, 3, 3, MAX_GROUP_WRITES + 2 };
            for (int b = 0; b < sizes.length; b++) {
                WriteBatch.Builder batch = WriteBatch.newBuilder().setBatchId(b + 1);
                for (int k = 0; k < sizes[b]; k++) {
                    PostWrite write = Writes.updateInTelecom(writes.size() + 1, 1);
                    writes.add(write);
                    batch.addWrites(write);
                }
                batches.onNext(batch.build());
                if (b == 0) {
                    await().until(() -> CollectorGrpcServiceTests.this.processor.calls() == 1);
                }
            }
            await().until(() -> waiting() == sizes.length - 1);
            slow.countDown();

            for (int b = 1; b <= sizes.length; b++) {
                BatchAck ack = acks.next();
                assertThat(ack.getBatchId()).isEqualTo(b);
                assertThat(outcomes(ack)).hasSize(sizes[b - 1]).containsOnly(ApplyOutcome.APPLY_OUTCOME_OK);
            }
            // The first batch is held; then two batches of three fit under the cap of eight and a third would not,
            // and a batch larger than the cap goes alone rather than never.
            assertThat(CollectorGrpcServiceTests.this.processor.callSizes()).containsExactly(3, 6, 3, 10);
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).containsExactlyElementsOf(writes);
        }

        @Test
        void shouldApplyTheBatchesBeforeAnInvalidOneOfAGroupAndFailTheStreamAtIt() throws Exception {
            startProcessor();
            CountDownLatch slow = CollectorGrpcServiceTests.this.processor.hold();
            Acks acks = new Acks();
            StreamObserver<WriteBatch> batches = openSync(acks);
            PostWrite first = Writes.updateInTelecom(1, 1);
            PostWrite second = Writes.updateInTelecom(2, 2);
            PostWrite notFromThePeer = first.toBuilder().setRequestId("from-unicom").setOriginDatacenter("unicom")
                .build();
            batches.onNext(batchOf(first).toBuilder().setBatchId(1).build());
            await().until(() -> CollectorGrpcServiceTests.this.processor.calls() == 1);
            batches.onNext(batchOf(second).toBuilder().setBatchId(2).build());
            batches.onNext(batchOf(notFromThePeer).toBuilder().setBatchId(3).build());
            batches.onNext(batchOf(Writes.updateInTelecom(1, 4)).toBuilder().setBatchId(4).build());
            await().until(() -> waiting() == 3);
            slow.countDown();

            assertThat(acks.next().getBatchId()).isEqualTo(1);
            assertThat(acks.next().getBatchId()).isEqualTo(2);
            assertThat(Status.fromThrowable(acks.error()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(CollectorGrpcServiceTests.this.processor.handed()).containsExactly(first, second);
        }

        private StreamObserver<WriteBatch> openSync(Acks acks) {
            return CollectorGrpc.newStub(CollectorGrpcServiceTests.this.collectorChannel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("telecom", "Bearer " + SECRET)))
                .sync(acks);
        }

        private double waiting() {
            return CollectorGrpcServiceTests.this.meterRegistry.get("wmb.collector.sync.waiting").gauge().value();
        }

    }

    private void startProcessor() throws Exception {
        Server server = InProcessServerBuilder.forName(this.processorName).addService(this.processor).build().start();
        this.resources.add(() -> server.shutdownNow().awaitTermination());
    }

    private CollectorGrpc.CollectorBlockingStub peer() {
        return stub("telecom", "Bearer " + SECRET);
    }

    private CollectorGrpc.CollectorBlockingStub stub(String datacenter, String authorization) {
        return CollectorGrpc.newBlockingStub(this.collectorChannel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(datacenter, authorization)));
    }

    private static Metadata headers(String datacenter, String authorization) {
        Metadata headers = new Metadata();
        headers.put(PeerAuthInterceptor.DATACENTER_HEADER, datacenter);
        headers.put(PeerAuthInterceptor.AUTHORIZATION_HEADER, authorization);
        return headers;
    }

    private static WriteBatch batchOf(PostWrite... writes) {
        return WriteBatch.newBuilder().setBatchId(1).addAllWrites(List.of(writes)).build();
    }

    private static List<ApplyOutcome> outcomes(BatchAck ack) {
        return ack.getResultsList().stream().map(WriteResult::getOutcome).toList();
    }

    /** Collects a stream's acknowledgements for assertions. */
    private static final class Acks implements StreamObserver<BatchAck> {

        private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

        @Override
        public void onNext(BatchAck ack) {
            this.events.add(ack);
        }

        @Override
        public void onError(Throwable error) {
            this.events.add(error);
        }

        @Override
        public void onCompleted() {
            this.events.add(Boolean.TRUE);
        }

        BatchAck next() throws InterruptedException {
            Object event = this.events.poll(5, TimeUnit.SECONDS);
            assertThat(event).isInstanceOf(BatchAck.class);
            return (BatchAck) event;
        }

        Throwable error() throws InterruptedException {
            Object event = this.events.poll(5, TimeUnit.SECONDS);
            assertThat(event).isInstanceOf(Throwable.class);
            return (Throwable) event;
        }

        boolean completed() throws InterruptedException {
            return Boolean.TRUE.equals(this.events.poll(5, TimeUnit.SECONDS));
        }

    }

}
