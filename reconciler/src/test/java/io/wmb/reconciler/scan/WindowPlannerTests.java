package io.wmb.reconciler.scan;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.wmb.processinglog.WriterWatermark;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class WindowPlannerTests {

    private static final Instant NOW = Instant.parse("2030-05-01T10:00:00Z");

    private static final Instant FROM = NOW.minus(Duration.ofMinutes(1));

    private static final Duration GRACE = Duration.ofSeconds(5);

    private final WindowPlanner planner = new WindowPlanner(GRACE, Duration.ofHours(1), Duration.ofSeconds(30),
            Duration.ofMinutes(10));

    @Nested
    class WithoutLiveWriters {

        @Test
        void shouldEndGraceBeforeNowWhenNoWriterPublishes() {
            WindowEnd end = planner.plan(FROM, NOW, List.of());

            assertThat(end.to()).isEqualTo(NOW.minus(GRACE));
            assertThat(end.heldBackBy()).isNull();
            assertThat(end.flushLag()).isZero();
            assertThat(end.overdue()).isEmpty();
        }

        @Test
        void shouldEndAtLongestWindowWhenWorkingOffABacklog() {
            Instant from = NOW.minus(Duration.ofHours(3));

            assertThat(planner.plan(from, NOW, List.of()).to()).isEqualTo(from.plus(Duration.ofHours(1)));
        }

        @Test
        void shouldIgnoreWriterWhoseHeartbeatIsStale() {
            WriterWatermark dead = writer("processor-unicom-dead", NOW.minusSeconds(50), NOW.minusSeconds(31));

            WindowEnd end = planner.plan(FROM, NOW, List.of(dead));

            assertThat(end.to()).isEqualTo(NOW.minus(GRACE));
            assertThat(end.heldBackBy()).isNull();
            assertThat(end.flushLag()).isZero();
        }

    }

    @Nested
    class WithLiveWriters {

        @Test
        void shouldEndGraceBeforeOldestWatermark() {
            WriterWatermark behind = writer("processor-unicom-a", NOW.minusSeconds(40), NOW.minusSeconds(1));
            WriterWatermark lessBehind = writer("reship-unicom-b", NOW.minusSeconds(20), NOW.minusSeconds(1));

            WindowEnd end = planner.plan(FROM, NOW, List.of(lessBehind, behind));

            assertThat(end.to()).isEqualTo(NOW.minusSeconds(40).minus(GRACE));
            assertThat(end.heldBackBy()).isEqualTo(behind);
            assertThat(end.flushLag()).isEqualTo(Duration.ofSeconds(40));
        }

        @Test
        void shouldTrailCaughtUpWriterByItsPublicationDelay() {
            // Nothing held at its last heartbeat: the log is known complete up to that heartbeat, not up to now.
            WriterWatermark caughtUp = writer("collector-telecom-c", NOW.minusSeconds(1), NOW.minusSeconds(1));

            WindowEnd end = planner.plan(FROM, NOW, List.of(caughtUp));

            assertThat(end.to()).isEqualTo(NOW.minusSeconds(1).minus(GRACE));
            assertThat(end.flushLag()).isEqualTo(Duration.ofSeconds(1));
        }

        @Test
        void shouldEndBeforeStartWhileWriterHoldsRecordsFromBeforeIt() {
            WriterWatermark stuck = writer("processor-telecom-d", FROM.minusSeconds(1), NOW);

            WindowEnd end = planner.plan(FROM, NOW, List.of(stuck));

            assertThat(end.to()).as("an empty window: nothing is scanned").isBefore(FROM);
            assertThat(end.heldBackBy()).isEqualTo(stuck);
        }

        @Test
        void shouldNotNameWriterWhenLongestWindowEndsEarlierAnyway() {
            Instant from = NOW.minus(Duration.ofHours(2));
            WriterWatermark behind = writer("processor-unicom-a", NOW.minusSeconds(20), NOW);

            WindowEnd end = planner.plan(from, NOW, List.of(behind));

            assertThat(end.to()).isEqualTo(from.plus(Duration.ofHours(1)));
            assertThat(end.heldBackBy()).isNull();
            assertThat(end.flushLag()).isEqualTo(Duration.ofSeconds(20));
        }

    }

    @Nested
    class WhenAWriterIsStuck {

        @Test
        void shouldGoOnWithoutWriterBehindMoreThanMaxFlushWait() {
            WriterWatermark stuck = writer("processor-unicom-s", NOW.minus(Duration.ofMinutes(11)), NOW);
            WriterWatermark behind = writer("reship-unicom-b", NOW.minusSeconds(20), NOW);

            WindowEnd end = planner.plan(FROM, NOW, List.of(stuck, behind));

            assertThat(end.to()).isEqualTo(NOW.minusSeconds(20).minus(GRACE));
            assertThat(end.heldBackBy()).isEqualTo(behind);
            assertThat(end.overdue()).containsExactly(stuck);
            assertThat(end.flushLag()).as("the real lag, for the gauge").isEqualTo(Duration.ofMinutes(11));
        }

        @Test
        void shouldEndGraceBeforeNowWhenTheOnlyLiveWriterIsOverdue() {
            WriterWatermark stuck = writer("processor-unicom-s", NOW.minus(Duration.ofMinutes(11)), NOW);

            WindowEnd end = planner.plan(FROM, NOW, List.of(stuck));

            assertThat(end.to()).isEqualTo(NOW.minus(GRACE));
            assertThat(end.heldBackBy()).isNull();
            assertThat(end.overdue()).containsExactly(stuck);
        }

    }

    @Test
    void shouldNameBadMaxFlushWait() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new WindowPlanner(GRACE, Duration.ofHours(1), Duration.ofSeconds(30), Duration.ZERO))
                .withMessage("maxFlushWait must be positive, but was PT0S");
    }

    private static WriterWatermark writer(String id, Instant flushedBefore, Instant heartbeatAt) {
        String[] parts = id.split("-");
        return new WriterWatermark(id, parts[0], parts[1], flushedBefore, heartbeatAt);
    }

}
