package io.wmb.reconciler.scan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.wmb.processinglog.Outcome;
import io.wmb.processinglog.ProcessingRecord;
import io.wmb.processinglog.Stage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CompletenessTests {

    private static final Instant T = Instant.parse("2030-05-01T10:00:00Z");

    @Test
    void shouldBeCompleteWhenAppliedAtOriginAndRemote() {
        Verdict verdict = Completeness.evaluate("r1", fullPipeline("r1", Outcome.OK));
        assertThat(verdict.complete()).isTrue();
        assertThat(verdict.origin()).isEqualTo("unicom");
        assertThat(verdict.postId()).isEqualTo(7);
        assertThat(verdict.version()).isEqualTo(100);
        assertThat(verdict.firstAt()).isEqualTo(T);
    }

    @Test
    void shouldAcceptDuplicateAndStaleSkippedAsRemoteSettled() {
        assertThat(Completeness.evaluate("r1", fullPipeline("r1", Outcome.DUPLICATE)).complete()).isTrue();
        assertThat(Completeness.evaluate("r1", fullPipeline("r1", Outcome.STALE_SKIPPED)).complete()).isTrue();
    }

    @Test
    void shouldMissRemoteWhenRemoteApplyFailed() {
        Verdict verdict = Completeness.evaluate("r1", fullPipeline("r1", Outcome.FAILED));
        assertThat(verdict.localDone()).isTrue();
        assertThat(verdict.remoteDone()).isFalse();
    }

    @Test
    void shouldMissRemoteWhenCollectorNeverSawIt() {
        List<ProcessingRecord> records = List.of(record("r1", "unicom", Stage.ACCEPTED, Outcome.OK, 0),
                record("r1", "unicom", Stage.LOCAL_APPLIED, Outcome.OK, 1),
                record("r1", "unicom", Stage.RESHIPPED, Outcome.OK, 2));
        Verdict verdict = Completeness.evaluate("r1", records);
        assertThat(verdict.localDone()).isTrue();
        assertThat(verdict.remoteDone()).isFalse();
    }

    @Test
    void shouldMissLocalWhenItsRecordIsLost() {
        List<ProcessingRecord> records = new ArrayList<>(fullPipeline("r1", Outcome.OK));
        records.removeIf((record) -> record.stage() == Stage.LOCAL_APPLIED);
        Verdict verdict = Completeness.evaluate("r1", records);
        assertThat(verdict.localDone()).isFalse();
        assertThat(verdict.remoteDone()).isTrue();
    }

    @Test
    void shouldNotCountRemoteAppliedAtTheOriginItself() {
        List<ProcessingRecord> records = List.of(record("r1", "unicom", Stage.LOCAL_APPLIED, Outcome.OK, 0),
                record("r1", "unicom", Stage.REMOTE_APPLIED, Outcome.OK, 1));
        assertThat(Completeness.evaluate("r1", records).remoteDone()).isFalse();
    }

    @Test
    void shouldCompleteWithReconciledRecordsOnBothSides() {
        List<ProcessingRecord> records = List.of(record("r1", "unicom", Stage.ACCEPTED, Outcome.OK, 0),
                record("r1", "unicom", Stage.RECONCILED, Outcome.OK, 60_000),
                record("r1", "telecom", Stage.RECONCILED, Outcome.STALE_SKIPPED, 60_001));
        Verdict verdict = Completeness.evaluate("r1", records);
        assertThat(verdict.complete()).isTrue();
        assertThat(verdict.origin()).isEqualTo("unicom");
    }

    @Test
    void shouldNotCompleteWithAFailedReconcile() {
        List<ProcessingRecord> records = List.of(record("r1", "unicom", Stage.LOCAL_APPLIED, Outcome.OK, 0),
                record("r1", "telecom", Stage.RECONCILED, Outcome.FAILED, 60_000));
        assertThat(Completeness.evaluate("r1", records).remoteDone()).isFalse();
    }

    @Test
    void shouldNoteAFailureAtTheOriginAndSettleTheRequestOnlyOnceAReconcilerClosedIt() {
        List<ProcessingRecord> failed = List.of(record("r1", "unicom", Stage.ACCEPTED, Outcome.OK, 0),
                record("r1", "unicom", Stage.LOCAL_APPLIED, Outcome.FAILED, 3));
        Verdict open = Completeness.evaluate("r1", failed);
        assertThat(open.localFailed()).isTrue();
        assertThat(open.settled()).isFalse();

        List<ProcessingRecord> closed = new ArrayList<>(failed);
        closed.add(record("r1", "unicom", Stage.RECONCILED, Outcome.FAILED, 60_000));
        Verdict verdict = Completeness.evaluate("r1", closed);
        assertThat(verdict.closedAsFailed()).isTrue();
        assertThat(verdict.settled()).isTrue();
        assertThat(verdict.complete()).as("nothing was applied anywhere").isFalse();
    }

    @Test
    void shouldNotCloseARequestByAFailedReconcileAtTheOtherDatacenter() {
        List<ProcessingRecord> records = List.of(record("r1", "unicom", Stage.LOCAL_APPLIED, Outcome.OK, 0),
                record("r1", "telecom", Stage.RECONCILED, Outcome.FAILED, 60_000));
        assertThat(Completeness.evaluate("r1", records).settled()).isFalse();
    }

    @Test
    void shouldTakeTheEarliestRecordAsFirstSeen() {
        List<ProcessingRecord> records = List.of(record("r1", "telecom", Stage.REMOTE_APPLIED, Outcome.OK, 500),
                record("r1", "unicom", Stage.LOCAL_APPLIED, Outcome.OK, 20));
        assertThat(Completeness.evaluate("r1", records).firstAt()).isEqualTo(T.plusMillis(20));
    }

    static List<ProcessingRecord> fullPipeline(String requestId, Outcome remote) {
        return List.of(record(requestId, "unicom", Stage.ACCEPTED, Outcome.OK, 0),
                record(requestId, "unicom", Stage.LOCAL_APPLIED, Outcome.OK, 1),
                record(requestId, "unicom", Stage.RESHIPPED, Outcome.OK, 2),
                record(requestId, "telecom", Stage.COLLECTED, Outcome.OK, 40),
                record(requestId, "telecom", Stage.REMOTE_APPLIED, remote, 45));
    }

    static ProcessingRecord record(String requestId, String datacenter, Stage stage, Outcome outcome, long offset) {
        return new ProcessingRecord(requestId, datacenter, "unicom", stage, outcome, T.plusMillis(offset), 7, 100,
                null);
    }

}
