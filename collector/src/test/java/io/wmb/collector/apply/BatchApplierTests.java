package io.wmb.collector.apply;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.collector.dedup.DeduplicationStore;
import io.wmb.collector.support.RecordingProcessingLog;
import io.wmb.collector.support.VersionedMapProcessor;
import io.wmb.collector.support.Writes;
import io.wmb.proto.v1.PostWrite;
import io.wmb.proto.v1.WriteBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchApplierTests {

    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @TempDir
    Path dir;

    private final SimpleMeterRegistry meterRegistry = new SimpleMeterRegistry();

    private Server server;

    private ManagedChannel channel;

    private DeduplicationStore dedup;

    private BatchApplier applier;

    @BeforeEach
    void startProcessor() throws Exception {
        String name = InProcessServerBuilder.generateName();
        this.server = InProcessServerBuilder.forName(name).addService(new VersionedMapProcessor()).build().start();
        this.channel = InProcessChannelBuilder.forName(name).build();
        this.dedup = new DeduplicationStore(this.dir, Duration.ofDays(1));
        this.applier = new BatchApplier(this.dedup, new ProcessorClient(this.channel, Duration.ofSeconds(2)),
                new RecordingProcessingLog(), "unicom", "telecom", Clock.fixed(NOW, ZoneOffset.UTC), this.meterRegistry);
    }

    @AfterEach
    void stopProcessor() throws Exception {
        this.channel.shutdownNow();
        this.server.shutdownNow().awaitTermination();
        this.dedup.close();
    }

    @Test
    void shouldMeasureReplicationLagFromTheOriginsAcceptance() {
        PostWrite write = Writes.updateInTelecom(1, 10).toBuilder()
            .setAcceptedAtMs(NOW.minusMillis(250).toEpochMilli())
            .build();

        this.applier.apply(WriteBatch.newBuilder().addWrites(write).build());

        Timer lag = this.meterRegistry.get("wmb.collector.replication.lag").timer();
        assertThat(lag.count()).isEqualTo(1);
        assertThat(lag.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250.0);
    }

    @Test
    void shouldPutLagBucketEdgesOnTheLagTargets() {
        PostWrite write = Writes.updateInTelecom(1, 10).toBuilder()
            .setAcceptedAtMs(NOW.minusMillis(48).toEpochMilli())
            .build();

        this.applier.apply(WriteBatch.newBuilder().addWrites(write).build());

        CountAtBucket[] buckets = this.meterRegistry.get("wmb.collector.replication.lag").timer().takeSnapshot()
            .histogramCounts();
        assertThat(buckets).extracting((bucket) -> bucket.bucket(TimeUnit.MILLISECONDS))
            .contains(40.0, 50.0, 250.0);
        // 48 ms falls in the bucket that ends at 50 ms, not in one that ends at 89.5 ms.
        assertThat(buckets).filteredOn((bucket) -> bucket.bucket(TimeUnit.MILLISECONDS) == 40.0)
            .extracting(CountAtBucket::count).containsExactly(0.0);
        assertThat(buckets).filteredOn((bucket) -> bucket.bucket(TimeUnit.MILLISECONDS) == 50.0)
            .extracting(CountAtBucket::count).containsExactly(1.0);
    }

    @Test
    void shouldNotCountADuplicateInTheReplicationLag() {
        PostWrite write = Writes.updateInTelecom(1, 10);

        this.applier.apply(WriteBatch.newBuilder().addWrites(write).build());
        this.applier.apply(WriteBatch.newBuilder().addWrites(write).build());

        assertThat(this.meterRegistry.get("wmb.collector.replication.lag").timer().count()).isEqualTo(1);
        assertThat(this.meterRegistry.get("wmb.collector.writes").tag("outcome", "duplicate").counter().count())
            .isEqualTo(1);
    }

    @Test
    void shouldRefuseAWriteWithoutRequestId() {
        WriteBatch batch = WriteBatch.newBuilder().setBatchId(3)
            .addWrites(Writes.updateInTelecom(1, 10).toBuilder().setRequestId(""))
            .build();

        assertThatThrownBy(() -> this.applier.apply(batch)).isInstanceOf(InvalidBatchException.class)
            .hasMessage("write 0 of batch 3 has no request_id");
    }

}
