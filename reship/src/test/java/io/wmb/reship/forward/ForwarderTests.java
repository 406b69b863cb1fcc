package io.wmb.reship.forward;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import io.wmb.reship.config.ReshipProperties;
import io.wmb.reship.forward.FakeCollector.Reaction;
import io.wmb.reship.outbox.Outbox;
import io.wmb.reship.support.RecordingProcessingLog;
import io.wmb.reship.support.Writes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ForwarderTests {

    @TempDir
    Path dir;

    private final RecordingProcessingLog processingLog = new RecordingProcessingLog();

    private final List<AutoCloseable> resources = new ArrayList<>();

    private Outbox outbox;

    /** Every appended write is a new one, across calls of {@link #appendWrites}. */
    private long nextVersion = 100;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = this.resources.size() - 1; i >= 0; i--) {
            this.resources.get(i).close();
        }
    }

    @Test
    void shouldSendFullBatchesThenTheLingeringRestAndDeleteWhatWasAcknowledged() throws Exception {
        FakeCollector collector = new FakeCollector((stream, batch) -> Reaction.ACK);
        start(collector, settings(4, 2, Duration.ofMillis(50)));

        List<PostWrite> writes = appendWrites(10);

        await().atMost(Duration.ofSeconds(5)).until(() -> this.outbox.depth() == 0);
        assertThat(collector.received()).allSatisfy((batch) -> assertThat(batch.getWritesCount()).isLessThanOrEqualTo(4));
        assertThat(collector.receivedRequestIds()).containsExactlyElementsOf(requestIds(writes));
        assertThat(this.processingLog.records()).extracting(ProcessingRecord::stage).containsOnly(Stage.RESHIPPED);
        assertThat(this.processingLog.records()).extracting(ProcessingRecord::requestId)
            .containsExactlyInAnyOrderElementsOf(requestIds(writes));
    }

    @Test
    void shouldSendALoneWriteAtOnceWhenNoBatchIsInFlight() throws Exception {
        FakeCollector collector = new FakeCollector((stream, batch) -> Reaction.ACK);
        start(collector, settings(100, 2, Duration.ofSeconds(30)));

        List<PostWrite> writes = appendWrites(1);

        // Far sooner than the linger: an idle stream has nothing to gather the write with.
        await().atMost(Duration.ofSeconds(5)).until(() -> this.outbox.depth() == 0);
        assertThat(collector.receivedRequestIds()).containsExactlyElementsOf(requestIds(writes));
    }

    @Test
    void shouldGatherWritesThatArriveWhileABatchIsInFlightIntoOneBatch() throws Exception {
        // The first batch is never acknowledged on the first stream, so it stays in flight until the ack timeout.
        FakeCollector collector = new FakeCollector(
                (stream, batch) -> (stream == 1 && batch.getBatchId() == 1) ? Reaction.IGNORE : Reaction.ACK);
        start(collector, new ReshipProperties.Collector("in-process", "secret", 100, Duration.ofSeconds(2), 2,
                Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(10), Duration.ofMillis(100),
                Duration.ofSeconds(10)));

        List<PostWrite> first = appendWrites(1);
        // Sooner than the linger: nothing was in flight.
        await().atMost(Duration.ofSeconds(1)).until(() -> collector.received().size() == 1);
        List<PostWrite> behind = appendWrites(3);

        await().atMost(Duration.ofSeconds(5)).until(() -> collector.received().size() >= 2);
        List<WriteBatch> batches = collector.received();
        assertThat(batches.get(0).getWritesList()).containsExactlyElementsOf(first);
        // Arrived while the first was in flight: they waited for each other, up to the linger.
        assertThat(batches.get(1).getWritesList()).containsExactlyElementsOf(behind);
    }

    @Test
    void shouldResendUnacknowledgedWritesOnANewStreamAfterTheStreamBreaks() throws Exception {
        FakeCollector collector = new FakeCollector((stream, batch) -> (stream == 1) ? Reaction.BREAK : Reaction.ACK);
        start(collector, settings(3, 1, Duration.ofMillis(10)));

        List<PostWrite> writes = appendWrites(9);

        await().atMost(Duration.ofSeconds(5)).until(() -> this.outbox.depth() == 0);
        assertThat(collector.streams()).isGreaterThanOrEqualTo(2);
        List<String> received = collector.receivedRequestIds();
        // The broken batch came again, and the last delivery of every write is in the accepted order.
        assertThat(received.subList(received.size() - writes.size(), received.size()))
            .containsExactlyElementsOf(requestIds(writes));
    }

    /**
     * A healed link: the channel's held connection goes through, and the forwarder is told the peer is reachable.
     * The backoff here (10 s) stands for one grown to its maximum over a long cut.
     */
    @Test
    void shouldReopenAtOnceWhenThePeerIsReachableAgainInsteadOfWaitingOutTheBackoff() throws Exception {
        FakeCollector collector = new FakeCollector((stream, batch) -> (stream == 1) ? Reaction.BREAK : Reaction.ACK);
        ReshipProperties.Collector settings = new ReshipProperties.Collector("in-process", "secret", 3,
                Duration.ofMillis(10), 1, Duration.ofMillis(300), Duration.ofMinutes(5), Duration.ofSeconds(10),
                Duration.ofSeconds(10), Duration.ofSeconds(10));
        Forwarder forwarder = start(collector, settings);
        appendWrites(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> collector.streams() == 1 && !forwarder.isStreaming());

        forwarder.peerReachable();

        await().atMost(Duration.ofSeconds(3)).until(() -> this.outbox.depth() == 0);
        assertThat(collector.streams()).isEqualTo(2);
    }

    @Test
    void shouldResendWritesThePeerCouldNotApply() throws Exception {
        Set<Long> failedOnce = ConcurrentHashMap.newKeySet();
        FakeCollector collector = new FakeCollector(
                (stream, batch) -> failedOnce.add(batch.getWrites(0).getPostId()) ? Reaction.FAIL_WRITES : Reaction.ACK);
        start(collector, settings(5, 1, Duration.ofMillis(10)));

        List<PostWrite> writes = appendWrites(5);

        await().atMost(Duration.ofSeconds(5)).until(() -> this.outbox.depth() == 0);
        assertThat(collector.receivedRequestIds()).containsSubsequence(requestIds(writes))
            .hasSizeGreaterThan(writes.size());
    }

    @Test
    void shouldResendABatchThatWasNotAcknowledgedInTime() throws Exception {
        FakeCollector collector = new FakeCollector((stream, batch) -> (stream == 1) ? Reaction.IGNORE : Reaction.ACK);
        start(collector, settings(10, 1, Duration.ofMillis(10)));

        appendWrites(3);

        await().atMost(Duration.ofSeconds(5)).until(() -> this.outbox.depth() == 0);
        assertThat(collector.streams()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldKeepNoMoreThanTheWindowOfBatchesInFlight() throws Exception {
        FakeCollector collector = new FakeCollector((stream, batch) -> Reaction.IGNORE);
        ReshipProperties.Collector settings = new ReshipProperties.Collector("in-process", "secret", 1,
                Duration.ZERO, 2, Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMillis(10),
                Duration.ofMillis(100), Duration.ofSeconds(10));
        start(collector, settings);

        appendWrites(10);

        await().atMost(Duration.ofSeconds(5)).until(() -> collector.received().size() == 2);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
            .until(() -> collector.received().size() == 2);
        assertThat(this.outbox.depth()).isEqualTo(10);
    }

    private ReshipProperties.Collector settings(int batchSize, int window, Duration linger) {
        return new ReshipProperties.Collector("in-process", "secret", batchSize, linger, window,
                Duration.ofMillis(300), Duration.ofMinutes(5), Duration.ofMillis(10), Duration.ofMillis(100),
                Duration.ofSeconds(10));
    }

    private Forwarder start(FakeCollector collector, ReshipProperties.Collector settings) throws IOException {
        String name = InProcessServerBuilder.generateName();
        Server server = InProcessServerBuilder.forName(name).directExecutor().addService(collector).build().start();
        this.resources.add(() -> server.shutdownNow().awaitTermination());
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        this.resources.add(channel::shutdownNow);
        this.outbox = new Outbox(this.dir.resolve("outbox"), 10_000, 1_000);
        this.resources.add(this.outbox);
        Forwarder forwarder = new Forwarder(this.outbox, new CollectorClient(channel, "unicom", "secret"), settings,
                "unicom", this.processingLog, new SimpleMeterRegistry(), Clock.systemUTC(), () -> {
                });
        this.resources.add(forwarder);
        forwarder.start();
        return forwarder;
    }

    private List<PostWrite> appendWrites(int count) {
        List<PostWrite> writes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            PostWrite write = Writes.updateInUnicom(1 + (i % 3), this.nextVersion++);
            writes.add(write);
            // One append per write, as separate submits would.
            this.outbox.append(List.of(write)).join();
        }
        return writes;
    }

    private static List<String> requestIds(List<PostWrite> writes) {
        return writes.stream().map(PostWrite::getRequestId).toList();
    }

}
