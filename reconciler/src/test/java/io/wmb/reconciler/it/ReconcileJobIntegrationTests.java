package io.wmb.reconciler.it;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wmb.infra.Infrastructure;
import io.wmb.processinglog.ElasticsearchClients;
import io.wmb.processinglog.ElasticsearchProcessingLog;
import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingLogIndices;
import io.wmb.processinglog.ProcessingLogReader;
import io.wmb.processinglog.ProcessingLogSettings;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import io.wmb.processinglog.WriterWatermark;
import io.wmb.reconciler.config.ReconcilerProperties;
import io.wmb.reconciler.deadletter.DeadLetter;
import io.wmb.reconciler.deadletter.DeadLetterRepository;
import io.wmb.reconciler.deadletter.DeadLetterService;
import io.wmb.reconciler.job.ProcessingLogRetention;
import io.wmb.reconciler.job.ReconcileJob;
import io.wmb.reconciler.job.ReconcileStatus;
import io.wmb.reconciler.job.ReconcilerMetrics;
import io.wmb.reconciler.lease.LeaseRepository;
import io.wmb.reconciler.redrive.ProcessorClient;
import io.wmb.reconciler.redrive.RedriveResult;
import io.wmb.reconciler.redrive.Redriver;
import io.wmb.reconciler.scan.ProcessingLogScanner;
import io.wmb.reconciler.scan.ScanResult;
import io.wmb.reconciler.scan.ScanWindow;
import io.wmb.reconciler.scan.Verdict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static io.wmb.reconciler.it.ProcessingLogFixture.complete;
import static io.wmb.reconciler.it.ProcessingLogFixture.stages;
import static io.wmb.reconciler.it.ProcessingLogFixture.version;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reconciler against the real Elasticsearch of {@link Infrastructure#shared()}, with both datacenters'
 * processors stood in by {@link InMemoryProcessor}s on real gRPC; telecom's is reached through the link simulator,
 * as a unicom reconciler reaches it. Each test uses its own day of processing-log time and its own lease, so tests
 * never see each other's records.
 */
class ReconcileJobIntegrationTests {

    private static final Duration LEASE = Duration.ofSeconds(60);

    private static Infrastructure infrastructure;

    private static ElasticsearchClient client;

    private static ElasticsearchProcessingLog processingLog;

    private static ProcessingLogFixture log;

    private static InMemoryProcessor unicom;

    private static InMemoryProcessor telecom;

    private static ManagedChannel unicomChannel;

    private static ManagedChannel telecomChannel;

    @BeforeAll
    static void start() throws IOException {
        infrastructure = Infrastructure.shared();
        client = ElasticsearchClients.create(infrastructure.elasticsearchUrl());
        log = new ProcessingLogFixture(client);
        processingLog = new ElasticsearchProcessingLog(ProcessingLogSettings.defaults(infrastructure.elasticsearchUrl(),
                Infrastructure.dataRoot().resolve("reconciler-it-" + UUID.randomUUID())), new SimpleMeterRegistry());
        unicom = new InMemoryProcessor();
        telecom = new InMemoryProcessor();
        int telecomThroughLink = infrastructure.link().open("reconciler-it-telecom-processor", telecom.port());
        unicomChannel = ManagedChannelBuilder.forAddress("127.0.0.1", unicom.port()).usePlaintext().build();
        telecomChannel = ManagedChannelBuilder.forAddress("127.0.0.1", telecomThroughLink).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        infrastructure.link().heal();
        unicomChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        telecomChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        unicom.close();
        telecom.close();
        processingLog.close();
        client._transport().close();
    }

    @Test
    void shouldFindExactlyTheIncompleteRequestsAndRepairThemWithoutOverwritingNewerData() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(10)));
        List<ProcessingRecord> records = new ArrayList<>();
        List<String> completeIds = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            String id = id("complete");
            Instant at = t.plusMillis(100L * i);
            long v = version(at, 0, "unicom");
            records.addAll(complete(id, (i % 2 == 0) ? "unicom" : "telecom", 1000 + i, v, at));
            unicom.hold(1000 + i, v, "complete " + i);
            telecom.hold(1000 + i, v, "complete " + i);
            completeIds.add(id);
        }
        // A: the remote apply was dropped (its record says FAILED).
        String remoteDropped = id("remote-dropped");
        long postA = post();
        long vA = version(t.plusSeconds(3), 0, "unicom");
        records.addAll(stages(remoteDropped, "unicom", postA, vA, t.plusSeconds(3), Stage.ACCEPTED,
                Stage.LOCAL_APPLIED, Stage.RESHIPPED, Stage.COLLECTED));
        records.add(new ProcessingRecord(remoteDropped, "telecom", "unicom", Stage.REMOTE_APPLIED, Outcome.FAILED,
                t.plusSeconds(4), postA, vA, "injected"));
        unicom.hold(postA, vA, "A");
        // B: the collector was down through the window: nothing after RESHIPPED, in both directions.
        List<String> collectorDown = new ArrayList<>();
        List<Long> postsB = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String origin = (i == 2) ? "telecom" : "unicom";
            String id = id("collector-down");
            long post = post();
            Instant at = t.plusSeconds(10 + i);
            long v = version(at, 0, origin);
            records.addAll(stages(id, origin, post, v, at, Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED));
            ("telecom".equals(origin) ? telecom : unicom).hold(post, v, "B" + i);
            collectorDown.add(id);
            postsB.add(post);
        }
        // C: the LOCAL_APPLIED record was lost, the write itself is everywhere.
        String recordLost = id("record-lost");
        long postC = post();
        long vC = version(t.plusSeconds(20), 0, "unicom");
        records.addAll(complete(recordLost, "unicom", postC, vC, t.plusSeconds(20)).stream()
                .filter((record) -> record.stage() != Stage.LOCAL_APPLIED).toList());
        unicom.hold(postC, vC, "C");
        telecom.hold(postC, vC, "C");
        // D: an old write whose remote apply is missing, after a newer write of the same post went everywhere.
        String oldRetry = id("old-retry");
        long postD = post();
        long vOld = version(t.plusSeconds(30), 0, "unicom");
        long vNew = version(t.plusSeconds(31), 0, "unicom");
        records.addAll(stages(oldRetry, "unicom", postD, vOld, t.plusSeconds(30), Stage.ACCEPTED,
                Stage.LOCAL_APPLIED, Stage.RESHIPPED));
        records.addAll(complete(id("newer"), "unicom", postD, vNew, t.plusSeconds(31)));
        unicom.hold(postD, vNew, "D new");
        telecom.hold(postD, vNew, "D new");
        // E: an old write whose remote apply is missing, while the other datacenter already holds a newer one.
        String staleAtPeer = id("stale-at-peer");
        long postE = post();
        long vE = version(t.plusSeconds(40), 0, "unicom");
        long vPeer = version(t.plusSeconds(595), 0, "telecom");
        records.addAll(stages(staleAtPeer, "unicom", postE, vE, t.plusSeconds(40), Stage.ACCEPTED,
                Stage.LOCAL_APPLIED, Stage.RESHIPPED));
        // The newer write is still in flight (after the window's end), so it is not judged yet.
        records.addAll(stages(id("in-flight"), "telecom", postE, vPeer, t.plusSeconds(595), Stage.ACCEPTED,
                Stage.LOCAL_APPLIED));
        unicom.hold(postE, vE, "E old");
        telecom.hold(postE, vPeer, "E newer at telecom");
        log.write(records);

        Set<String> expected = Set.of(remoteDropped, collectorDown.get(0), collectorDown.get(1),
                collectorDown.get(2), recordLost, oldRetry, staleAtPeer);
        ReconcileJob job = job("unicom-a", lease(), clock);
        ScanWindow window = new ScanWindow(t.minus(Duration.ofMinutes(50)), t.plus(Duration.ofSeconds(570)));
        ScanResult scan = scanner().scan(window);
        assertThat(scan.incomplete()).extracting(Verdict::requestId).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(scan.scannedRecords()).isEqualTo(records.size() - 2);

        ReconcileStatus status = job.runOnce();

        assertThat(status.leader()).isTrue();
        assertThat(status.lastError()).isNull();
        assertThat(status.windowFrom()).isEqualTo(window.from());
        assertThat(status.windowTo()).isEqualTo(window.to());
        assertThat(status.incompleteFound()).isEqualTo(7);
        assertThat(status.redriven()).isEqualTo(7);
        assertThat(status.repaired()).isEqualTo(7);
        assertThat(status.deadLettered()).isZero();
        assertThat(telecom.posts.get(postA).getVersion()).isEqualTo(vA);
        assertThat(telecom.posts.get(postsB.get(0)).getContent()).isEqualTo("B0");
        assertThat(unicom.posts.get(postsB.get(2)).getContent()).isEqualTo("B2");
        assertThat(telecom.posts.get(postD).getVersion()).isEqualTo(vNew);
        assertThat(telecom.posts.get(postE).getVersion()).as("newer data at the peer survives").isEqualTo(vPeer);
        assertThat(telecom.applies(recordLost)).as("a lost local record is only confirmed").isZero();
        assertThat(completeIds).allSatisfy((id) -> assertThat(unicom.applies(id) + telecom.applies(id)).isZero());
        assertThat(telecom.applies(oldRetry)).isEqualTo(1);

        ProcessingLogReader reader = new ProcessingLogReader(client);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(reader.findByRequestId(staleAtPeer)).anySatisfy((record) -> {
                assertThat(record.stage()).isEqualTo(Stage.RECONCILED);
                assertThat(record.datacenter()).isEqualTo("telecom");
                assertThat(record.outcome()).isEqualTo(Outcome.STALE_SKIPPED);
            });
            assertThat(reader.findByRequestId(recordLost)).anySatisfy((record) -> {
                assertThat(record.stage()).isEqualTo(Stage.RECONCILED);
                assertThat(record.datacenter()).isEqualTo("unicom");
            });
        });
        log.refresh();
        assertThat(scanner().scan(window).incomplete()).as("the window is complete after the repair").isEmpty();

        // A minute later the next window holds the write that was in flight: now past the grace, it is repaired too.
        clock.advance(Duration.ofMinutes(1));
        ReconcileStatus next = job.runOnce();
        assertThat(next.windowFrom()).isEqualTo(window.to());
        assertThat(next.incompleteFound()).isEqualTo(1);
        assertThat(unicom.posts.get(postE).getVersion()).isEqualTo(vPeer);
        assertThat(telecom.applies(oldRetry)).isEqualTo(1);
    }

    @Test
    void shouldSeeRecordsThatTheIndexHasNotRefreshedYet() throws IOException {
        // The daily indices refresh every few seconds and the writers do not wait for it; here the index never
        // refreshes by itself, so only the scan's own refresh can make these records searchable.
        Instant t = day();
        log.refreshInterval(t, "-1");
        String done = id("unrefreshed-complete");
        String stuck = id("unrefreshed-stuck");
        List<ProcessingRecord> records = new ArrayList<>(complete(done, "unicom", post(), version(t, 0, "unicom"), t));
        records.addAll(stages(stuck, "unicom", post(), version(t.plusSeconds(1), 0, "unicom"), t.plusSeconds(1),
                Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED));
        log.writeUnrefreshed(records);

        ScanResult scan = scanner().scan(new ScanWindow(t, t.plusSeconds(10)));

        assertThat(scan.scannedRecords()).isEqualTo(records.size());
        assertThat(scan.incomplete()).extracting(Verdict::requestId).containsExactly(stuck);
    }

    @Test
    void shouldRetryWithBackoffThenDeadLetterAndRedriveOnDemand() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        String failing = id("failing");
        long post = post();
        long v = version(t, 0, "unicom");
        log.write(stages(failing, "unicom", post, v, t, Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED));
        unicom.hold(post, v, "F");
        telecom.failuresLeft.set(1_000);
        ReconcileJob job = job("unicom-a", lease(), clock);
        ReconcileStatus status;
        try {
            status = job.runOnce();
        }
        finally {
            telecom.failuresLeft.set(0);
        }
        assertThat(status.deadLettered()).isEqualTo(1);
        assertThat(status.repaired()).isZero();
        assertThat(telecom.applies(failing)).as("first attempt plus three retries").isEqualTo(4);
        assertThat(status.windowTo()).isEqualTo(status.watermark());
        DeadLetterRepository deadLetters = new DeadLetterRepository(client);
        DeadLetter deadLetter = deadLetters.find(failing).orElseThrow();
        assertThat(deadLetter.attempts()).isEqualTo(4);
        assertThat(deadLetter.reason()).contains("injected failure");
        assertThat(deadLetters.list(1000)).extracting(DeadLetter::requestId).contains(failing);

        RedriveResult result = new DeadLetterService(deadLetters, scanner(), redriver(clock), clock).redrive(failing);

        assertThat(result.remoteOutcome()).isEqualTo("OK");
        assertThat(telecom.posts.get(post).getContent()).isEqualTo("F");
        assertThat(deadLetters.find(failing)).isEmpty();
    }

    @Test
    void shouldDeadLetterAtOnceWhatTheOriginNeverApplied() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        String neverApplied = id("never-applied");
        long post = post();
        long older = version(t.minusSeconds(60), 0, "unicom");
        long v = version(t, 0, "unicom");
        log.write(stages(neverApplied, "unicom", post, v, t, Stage.ACCEPTED));
        unicom.hold(post, older, "older");

        ReconcileStatus status = job("unicom-a", lease(), clock).runOnce();

        assertThat(status.incompleteFound()).isEqualTo(1);
        assertThat(status.deadLettered()).isEqualTo(1);
        assertThat(telecom.applies(neverApplied)).as("never replayed blindly").isZero();
        DeadLetter deadLetter = new DeadLetterRepository(client).find(neverApplied).orElseThrow();
        assertThat(deadLetter.attempts()).isEqualTo(1);
        assertThat(deadLetter.reason()).contains("never applied");
    }

    @Test
    void shouldDeadLetterAtOnceACreateTheOriginNeverStored() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        String failedCreate = id("failed-create");
        long post = post();
        long v = version(t, 0, "unicom");
        log.write(stages(failedCreate, "unicom", post, v, t, Stage.ACCEPTED));

        ReconcileStatus status = job("unicom-a", lease(), clock).runOnce();

        assertThat(status.deadLettered()).isEqualTo(1);
        assertThat(telecom.applies(failedCreate)).isZero();
        DeadLetter deadLetter = new DeadLetterRepository(client).find(failedCreate).orElseThrow();
        assertThat(deadLetter.attempts()).as("not retried with backoff").isEqualTo(1);
        assertThat(deadLetter.reason()).contains("not found").contains("never applied");
        assertThat(new DeadLetterRepository(client).list(10_000)).as("listed as soon as the run is over")
                .extracting(DeadLetter::requestId).contains(failedCreate);
    }

    @Test
    void shouldCloseWritesThatFailedAtTheirOriginWithoutDeadLettersAndRepairOneTheOriginHoldsAfterAll()
            throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        List<ProcessingRecord> records = new ArrayList<>();
        // A create that failed before anything was stored.
        String failedCreate = id("failed-create");
        long postA = post();
        long vA = version(t, 0, "unicom");
        records.addAll(failedAtOrigin(failedCreate, postA, vA, t));
        // An edit that failed: the origin still holds the version before it.
        String failedEdit = id("failed-edit");
        long postB = post();
        long vB = version(t.plusSeconds(1), 0, "unicom");
        records.addAll(failedAtOrigin(failedEdit, postB, vB, t.plusSeconds(1)));
        unicom.hold(postB, version(t.minusSeconds(60), 0, "unicom"), "B before");
        // A write that failed after its commit (say the cache was down): the origin holds it, so it was written
        // after all and the other datacenter must get it.
        String failedAfterCommit = id("failed-after-commit");
        long postC = post();
        long vC = version(t.plusSeconds(2), 0, "unicom");
        records.addAll(failedAtOrigin(failedAfterCommit, postC, vC, t.plusSeconds(2)));
        unicom.hold(postC, vC, "C");
        log.write(records);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();

        ReconcileStatus status = job("unicom-a", lease(), clock, ProcessingLogScanner.DEFAULT_MAX_REQUESTS, registry)
                .runOnce();

        assertThat(status.lastError()).isNull();
        assertThat(status.incompleteFound()).isEqualTo(3);
        assertThat(status.closedAsFailed()).isEqualTo(2);
        assertThat(status.repaired()).isEqualTo(1);
        assertThat(status.deadLettered()).isZero();
        assertThat(registry.get("wmb.reconciler.closed.failed").counter().count()).isEqualTo(2);
        assertThat(new DeadLetterRepository(client).list(10_000)).extracting(DeadLetter::requestId)
                .doesNotContain(failedCreate, failedEdit, failedAfterCommit);
        assertThat(telecom.applies(failedCreate)).as("nothing replayed").isZero();
        assertThat(telecom.applies(failedEdit)).as("nothing replayed").isZero();
        assertThat(telecom.posts.get(postC).getContent()).isEqualTo("C");
        Map<String, Verdict> judged = scanner().judge(List.of(failedCreate, failedEdit, failedAfterCommit));
        assertThat(judged.get(failedCreate).closedAsFailed()).as("closed with a record at the origin").isTrue();
        assertThat(judged.get(failedEdit).closedAsFailed()).isTrue();
        assertThat(judged.get(failedAfterCommit).complete()).isTrue();
        assertThat(scanner().scan(new ScanWindow(status.windowFrom(), status.windowTo())).incomplete())
                .as("a second scan of the window, as after a run that stopped, has nothing left to do").isEmpty();
    }

    @Test
    void shouldCloseTheDeadLetterOfAWriteThatFailedAtItsOriginWhenAnOperatorReDrivesIt() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        String failed = id("failed-create");
        long post = post();
        long v = version(t, 0, "unicom");
        log.write(failedAtOrigin(failed, post, v, t));
        // Dead-lettered as releases before this one did.
        DeadLetterRepository deadLetters = new DeadLetterRepository(client);
        deadLetters.save(new DeadLetter(failed, "unicom", post, v, t, false, false, "post " + post
                + " is not found at its origin unicom: the write was never applied there", 1, clock.instant()));

        RedriveResult result = new DeadLetterService(deadLetters, scanner(), redriver(clock), clock).redrive(failed);

        assertThat(result.closedAsFailed()).isTrue();
        assertThat(result.remoteOutcome()).isNull();
        assertThat(deadLetters.find(failed)).isEmpty();
        assertThat(telecom.applies(failed)).isZero();
    }

    @Test
    void shouldDeleteTheWatermarksOfWritersSilentForLongerThanTheRetention() throws IOException {
        Instant now = Instant.now();
        String killed = "processor-unicom-killed-" + UUID.randomUUID();
        String quiet = "processor-unicom-quiet-" + UUID.randomUUID();
        log.publish(new WriterWatermark(killed, "processor", "unicom", now.minus(Duration.ofDays(8)),
                now.minus(Duration.ofDays(8))));
        log.publish(new WriterWatermark(quiet, "processor", "unicom", now.minus(Duration.ofDays(6)),
                now.minus(Duration.ofDays(6))));

        new ProcessingLogRetention(client, Duration.ofDays(7), new MutableClock(now)).prune();

        client.indices().refresh((refresh) -> refresh.index(ProcessingLogIndices.WRITERS));
        assertThat(new ProcessingLogReader(client).writers()).extracting(WriterWatermark::writer).contains(quiet)
                .doesNotContain(killed);
    }

    @Test
    void shouldLetOnlyOneOfTwoInstancesActAndTheOtherTakeOverAfterExpiry() throws Exception {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        List<String> ids = new ArrayList<>();
        List<ProcessingRecord> records = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = id("two-instances");
            long post = post();
            Instant at = t.plusMillis(10L * i);
            long v = version(at, 0, "unicom");
            records.addAll(stages(id, "unicom", post, v, at, Stage.ACCEPTED, Stage.LOCAL_APPLIED));
            unicom.hold(post, v, "two " + i);
            ids.add(id);
        }
        log.write(records);
        String lease = lease();
        ReconcileJob first = job("unicom-a", lease, clock);
        ReconcileJob second = job("telecom-b", lease, clock);

        List<Thread> threads = List.of(new Thread(first::runOnce), new Thread(second::runOnce));
        threads.forEach(Thread::start);
        for (Thread thread : threads) {
            thread.join(60_000);
        }

        assertThat(first.status().leader() ^ second.status().leader()).as("exactly one leader").isTrue();
        assertThat(ids).allSatisfy((id) -> assertThat(telecom.applies(id)).isEqualTo(1));
        ReconcileJob leader = first.status().leader() ? first : second;
        ReconcileJob follower = (leader == first) ? second : first;
        Instant watermark = leader.status().watermark();

        // The leader stops (it "dies"); the follower waits until the lease lapses, then continues from the watermark.
        clock.advance(Duration.ofSeconds(10));
        assertThat(follower.runOnce().leader()).isFalse();
        clock.advance(LEASE);
        ReconcileStatus takenOver = follower.runOnce();
        assertThat(takenOver.leader()).isTrue();
        assertThat(takenOver.windowFrom()).isEqualTo(watermark);
        assertThat(ids).allSatisfy((id) -> assertThat(telecom.applies(id)).isEqualTo(1));
    }

    @Test
    void shouldKeepTheWindowWhileTheLinkIsCutAndRepairAfterItHeals() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(5)));
        String id = id("link-cut");
        long post = post();
        long v = version(t, 0, "unicom");
        log.write(stages(id, "unicom", post, v, t, Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED));
        unicom.hold(post, v, "L");
        ReconcileJob job = job("unicom-a", lease(), clock);

        ReconcileStatus cut;
        infrastructure.link().cut();
        try {
            cut = job.runOnce();
        }
        finally {
            infrastructure.link().heal();
        }
        assertThat(cut.lastError()).contains("stopped");
        assertThat(cut.deadLettered()).isZero();
        assertThat(cut.watermark()).isEqualTo(cut.windowFrom());
        assertThat(new DeadLetterRepository(client).find(id)).isEmpty();

        clock.advance(Duration.ofSeconds(30));
        ReconcileStatus healed = job.runOnce();
        assertThat(healed.windowFrom()).isEqualTo(cut.windowFrom());
        assertThat(healed.repaired()).isEqualTo(1);
        assertThat(telecom.posts.get(post).getVersion()).isEqualTo(v);
    }

    @Test
    void shouldScanAWindowWithMoreIncompleteRequestsThanOneScanExaminesInShorterWindowsOneAfterTheOther()
            throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(20)));
        List<String> ids = backlog(t, 300);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ReconcileJob job = job("unicom-a", lease(), clock, 100, registry);

        List<ReconcileStatus> runs = runsUntilCaughtUp(job, clock);

        assertThat(runs).hasSizeGreaterThan(3).allSatisfy((run) -> {
            assertThat(run.lastError()).isNull();
            assertThat(run.incompleteFound()).isLessThanOrEqualTo(100);
            assertThat(run.watermark()).isEqualTo(run.windowTo());
        });
        for (int i = 1; i < runs.size(); i++) {
            assertThat(runs.get(i).windowFrom()).isEqualTo(runs.get(i - 1).windowTo());
        }
        assertThat(runs.stream().mapToLong(ReconcileStatus::repaired).sum()).isEqualTo(300);
        assertThat(ids).allSatisfy((id) -> assertThat(telecom.applies(id)).isEqualTo(1));
        assertThat(registry.get("wmb.reconciler.watermark.timestamp").gauge().value())
                .isEqualTo(clock.instant().minusSeconds(30).toEpochMilli() / 1000.0);
    }

    @Test
    void shouldExamineTheLikesOfAnOldPostInTheWindowOnlyNotThoseOfAllTime() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(20)));
        long post = post();
        // Likes carry the version of the post's content, here three days old: all 300 share one version bucket.
        long v = version(t.minus(Duration.ofDays(3)), 0, "unicom");
        unicom.hold(post, v, "popular");
        List<ProcessingRecord> records = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String id = id("like");
            records.addAll(stages(id, "unicom", post, v, t.plusSeconds(2L * i), Stage.ACCEPTED, Stage.LOCAL_APPLIED,
                    Stage.RESHIPPED));
            ids.add(id);
        }
        log.write(records);
        ReconcileJob job = job("unicom-a", lease(), clock, 100);

        List<ReconcileStatus> runs = runsUntilCaughtUp(job, clock);

        assertThat(runs).allSatisfy((run) -> {
            assertThat(run.lastError()).isNull();
            assertThat(run.incompleteFound()).isLessThanOrEqualTo(100);
        });
        assertThat(runs.stream().mapToLong(ReconcileStatus::repaired).sum()).isEqualTo(300);
        assertThat(ids).allSatisfy((id) -> assertThat(telecom.applies(id)).isEqualTo(1));
    }

    /**
     * Runs until a window reaches its planned end, now - grace, as the schedule does one run after the other; fails
     * after 30 runs.
     */
    private static List<ReconcileStatus> runsUntilCaughtUp(ReconcileJob job, MutableClock clock) {
        List<ReconcileStatus> runs = new ArrayList<>();
        Instant planned = clock.instant().minusSeconds(30);
        while (runs.isEmpty() || runs.get(runs.size() - 1).windowTo().isBefore(planned)) {
            assertThat(runs).as("runs until the window reaches %s", planned).hasSizeLessThan(30);
            runs.add(job.runOnce());
        }
        return runs;
    }

    @Test
    void shouldWorkOffTheWholeBacklogInOneScheduledRunThoughEachScanExaminesOnlyPartOfIt() throws IOException {
        Instant t = day();
        MutableClock clock = new MutableClock(t.plus(Duration.ofMinutes(20)));
        List<String> ids = backlog(t, 300);
        ReconcileJob job = job("unicom-a", lease(), clock, 100);

        job.scheduled();

        assertThat(job.status().lastError()).isNull();
        assertThat(job.status().windowTo()).isEqualTo(clock.instant().minusSeconds(30));
        assertThat(ids).allSatisfy((id) -> assertThat(telecom.applies(id)).isEqualTo(1));
    }

    /** The records of a write that failed at unicom: its client got an error. */
    private static List<ProcessingRecord> failedAtOrigin(String requestId, long post, long version, Instant at) {
        return List.of(new ProcessingRecord(requestId, "unicom", "unicom", Stage.ACCEPTED, Outcome.OK, at, post,
                version, null), new ProcessingRecord(requestId, "unicom", "unicom", Stage.LOCAL_APPLIED,
                Outcome.FAILED, at.plusMillis(3), post, version, "java.sql.SQLTransientConnectionException: injected"));
    }

    /** Requests from unicom that telecom never applied, one every two seconds from t on. */
    private static List<String> backlog(Instant t, int count) throws IOException {
        List<ProcessingRecord> records = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = id("backlog");
            Instant at = t.plusSeconds(2L * i);
            long post = post();
            long v = version(at, 0, "unicom");
            records.addAll(stages(id, "unicom", post, v, at, Stage.ACCEPTED, Stage.LOCAL_APPLIED, Stage.RESHIPPED));
            unicom.hold(post, v, "backlog " + i);
            ids.add(id);
        }
        log.write(records);
        return ids;
    }

    @Nested
    class WhileAProcessingLogWriterIsBehind {

        private final Instant t = day();

        private final MutableClock clock = new MutableClock(this.t.plus(Duration.ofMinutes(5)));

        /** Telecom's collector, say, still holding records from just before t: its stages may only be late. */
        private final String writer = "collector-telecom-" + UUID.randomUUID().toString().substring(0, 8);

        private final String requestId = id("late-or-lost");

        private final long post = post();

        private final ReconcileJob job = job("unicom-a", lease(), this.clock);

        @BeforeEach
        void writeRequestWhoseRemoteStagesAreMissing() throws IOException {
            long v = version(this.t, 0, "unicom");
            log.write(stages(this.requestId, "unicom", this.post, v, this.t, Stage.ACCEPTED, Stage.LOCAL_APPLIED,
                    Stage.RESHIPPED));
            unicom.hold(this.post, v, "late or lost");
        }

        @AfterEach
        void withdrawWriter() throws IOException {
            log.withdraw(this.writer);
        }

        @Test
        void shouldNotRedriveBeforeTheWritersWatermarkPassesTheRequest() throws IOException {
            ReconcileStatus held = runHeldBack();

            // The writer delivered everything from before t + 1 min: the remote stages are really missing.
            this.clock.advance(Duration.ofSeconds(10));
            publishWatermark(this.t.plus(Duration.ofMinutes(1)));
            ReconcileStatus passed = this.job.runOnce();

            assertThat(passed.windowFrom()).isEqualTo(held.windowTo());
            assertThat(passed.windowTo()).isEqualTo(this.t.plus(Duration.ofSeconds(30)));
            assertRepairedOnce(passed);
        }

        @Test
        void shouldRedriveOnceTheWritersHeartbeatIsStale() throws IOException {
            runHeldBack();

            // The writer died: what it never delivered is what reconciliation repairs.
            this.clock.advance(Duration.ofSeconds(31));
            ReconcileStatus afterDeath = this.job.runOnce();

            assertThat(afterDeath.heldBackBy()).isNull();
            assertThat(afterDeath.flushLagMillis()).isZero();
            assertRepairedOnce(afterDeath);
        }

        @Test
        void shouldRedriveAfterMaxFlushWaitThoughTheWriterIsAlive() throws IOException {
            runHeldBack();

            // Alive, but stuck for longer than max-flush-wait (10 min): reconciliation goes on without it.
            this.clock.advance(Duration.ofMinutes(6));
            publishWatermark(this.t.minusSeconds(1));
            ReconcileStatus overdue = this.job.runOnce();

            assertThat(overdue.heldBackBy()).isNull();
            assertThat(overdue.flushLagMillis()).isEqualTo(Duration.ofMinutes(11).plusSeconds(1).toMillis());
            assertThat(overdue.windowTo()).isEqualTo(this.clock.instant().minusSeconds(30));
            assertRepairedOnce(overdue);
        }

        /** One run while the writer still holds records from a second before the request: it must wait. */
        private ReconcileStatus runHeldBack() throws IOException {
            publishWatermark(this.t.minusSeconds(1));

            ReconcileStatus held = this.job.runOnce();

            assertThat(held.lastError()).isNull();
            assertThat(held.windowTo()).isEqualTo(this.t.minusSeconds(1).minusSeconds(30));
            assertThat(held.heldBackBy()).isEqualTo(this.writer);
            assertThat(held.flushLagMillis()).isEqualTo(Duration.ofMinutes(5).plusSeconds(1).toMillis());
            assertThat(held.redriven()).isZero();
            assertThat(telecom.applies(this.requestId)).isZero();
            return held;
        }

        private void assertRepairedOnce(ReconcileStatus status) {
            assertThat(status.repaired()).isEqualTo(1);
            assertThat(telecom.applies(this.requestId)).isEqualTo(1);
        }

        private void publishWatermark(Instant flushedBefore) throws IOException {
            log.publish(new WriterWatermark(this.writer, "collector", "telecom", flushedBefore,
                    this.clock.instant()));
        }

    }

    private ReconcileJob job(String instanceId, String lease, MutableClock clock) {
        return job(instanceId, lease, clock, ProcessingLogScanner.DEFAULT_MAX_REQUESTS);
    }

    private ReconcileJob job(String instanceId, String lease, MutableClock clock, int maxRequests) {
        return job(instanceId, lease, clock, maxRequests, new SimpleMeterRegistry());
    }

    private ReconcileJob job(String instanceId, String lease, MutableClock clock, int maxRequests,
            SimpleMeterRegistry registry) {
        ReconcilerProperties.Scan scan = new ReconcilerProperties.Scan(true, Duration.ofMinutes(1),
                Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofHours(1), Duration.ofMillis(100), 10_000,
                maxRequests, 2, Duration.ofSeconds(30), Duration.ofMinutes(10));
        return new ReconcileJob(instanceId.substring(0, instanceId.indexOf('-')), scan,
                new LeaseRepository(client, lease, instanceId, LEASE, clock), LEASE, scanner(maxRequests),
                new ProcessingLogReader(client), redriver(clock), new DeadLetterRepository(client), processingLog,
                new ProcessingLogRetention(client, Duration.ofDays(3650), clock),
                new ReconcilerMetrics(registry), clock);
    }

    private static ProcessingLogScanner scanner() {
        return scanner(ProcessingLogScanner.DEFAULT_MAX_REQUESTS);
    }

    private static ProcessingLogScanner scanner(int maxRequests) {
        return new ProcessingLogScanner(client, Duration.ofMillis(100), 10_000, 2, maxRequests);
    }

    private static Redriver redriver(MutableClock clock) {
        Duration deadline = Duration.ofSeconds(1);
        return new Redriver(Map.of("unicom", new ProcessorClient("unicom", unicomChannel, deadline),
                "telecom", new ProcessorClient("telecom", telecomChannel, deadline)), processingLog, clock,
                Redriver.retryPolicy(3, Duration.ofMillis(20), 2.0, Duration.ofMillis(200)));
    }

    /** A day of processing-log time of its own, far from the other tests' days. */
    private static Instant day() {
        long days = ThreadLocalRandom.current().nextLong(0, 20_000);
        return Instant.parse("2040-01-01T06:00:00Z").plus(Duration.ofDays(days));
    }

    private static String lease() {
        return "it-" + UUID.randomUUID();
    }

    private static String id(String kind) {
        return kind + "-" + UUID.randomUUID();
    }

    private static long post() {
        return ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);
    }

}
